"""Cited answers from a corpus of news articles, every statement proven by an exact passage.

    from rag import answer
    a = answer("How many doctors remain in eastern Aleppo?")
    a.to_dict()

Heavy libraries load on first use, so `import rag` is fast.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag.core.errors import RagError
from rag.core.settings import Settings
from rag.core.types import Answer, Citation, Statement

if TYPE_CHECKING:
    from rag.pipeline import Pipeline

__all__ = ["Answer", "Citation", "RagError", "Settings", "Statement", "answer", "get_pipeline"]

_pipelines: dict[str, Pipeline] = {}
_lock = threading.Lock()


def get_pipeline(settings: Settings | None = None) -> Pipeline:
    """A pipeline for these settings, built once and reused (models stay loaded)."""
    from rag.pipeline import Pipeline

    settings = settings or Settings()
    key = settings.model_dump_json()
    with _lock:
        if key not in _pipelines:
            _pipelines[key] = Pipeline(settings)
        return _pipelines[key]


def answer(
    question: str,
    *,
    settings: Settings | None = None,
    sources: Sequence[str] | None = None,
    model: str | None = None,
    top: int | None = None,
    history: Sequence[tuple[str, str]] = (),
    since: str | None = None,
    until: str | None = None,
    include_undated: bool = False,
) -> Answer:
    """Answer `question` from the indexed articles, citing file and passage for every statement.

    Builds the index from the corpus folder first if there is none.

    Args:
        question: the question.
        settings: overrides; default `Settings()` (environment `RAG_*`).
        sources: only these indexed articles (paths as indexed, or file paths).
        model: 'default', 'fast' or a GGUF path.
        top: passages to draw from (1-20).
        history: earlier (question, answer) turns, for follow-up questions.
        since, until: only articles dated in this range (YYYY-MM-DD, either may be left out).
        include_undated: with a range, search articles without a full date too; otherwise they
            are left out, and the answer's `date_filter` and `notes` say how many.

    Returns:
        The `Answer`; `to_dict()` gives the JSON contract.

    Raises:
        RagError: a bad question, a missing/corrupt/busy index, or a model problem, with the fix.
    """
    pipe = get_pipeline(settings)
    pipe.ensure_index()
    return pipe.ask(
        question,
        sources=sources,
        model=model,
        top=top,
        history=history,
        since=since,
        until=until,
        include_undated=include_undated,
    )
