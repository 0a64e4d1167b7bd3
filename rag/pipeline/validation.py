"""The arguments of a question, checked once at the public boundary (`answer()`, the CLI, the chat,
`rag serve`); each error names the fix and the setting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from rag.core.days import DayRange, parse_day
from rag.core.errors import InvalidQuestionError, UnknownSourceError
from rag.core.settings import MAX_TOP
from rag.reading.formats import split_key
from rag.reading.ingest import resolve_source


def validate_question(question: object, *, max_chars: int) -> str:
    """The question, stripped; raises InvalidQuestionError with the fix."""
    if not isinstance(question, str):
        raise InvalidQuestionError(f"The question must be text, not {type(question).__name__}.")
    q = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
    if not q:
        raise InvalidQuestionError("The question is empty: type a question about the articles.")
    if len(q) > max_chars:
        raise InvalidQuestionError(
            f"The question is {len(q)} characters long; the limit is {max_chars} (RAG_MAX_QUESTION_CHARS). "
            "Ask a shorter question."
        )
    return q


def validate_top(top: object, *, default: int) -> int:
    """The number of passages to use; raises InvalidQuestionError naming the allowed range."""
    if top is None:
        return default
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        raise InvalidQuestionError(
            f"The number of passages must be a whole number from 1 to {MAX_TOP}, not {top!r}: "
            f"pass `top` (`--top`) in that range, or leave it out for the default ({default}, RAG_TOP_PASSAGES)."
        )
    return top


def validate_days(since: str | None, until: str | None, *, include_undated: bool = False) -> DayRange | None:
    """The date range as YYYYMMDD numbers, or None (no range: every article, `include_undated`
    changes nothing); raises InvalidQuestionError naming the format."""
    try:
        low, high = parse_day(since, name="since"), parse_day(until, name="until")
    except ValueError as exc:
        raise InvalidQuestionError(str(exc)) from exc
    if low is not None and high is not None and low > high:
        raise InvalidQuestionError(f"since ({since}) is after until ({until}): swap them.")
    return None if low is None and high is None else DayRange(low, high, undated=bool(include_undated))


def validate_sources(sources: Sequence[str], documents: Mapping[str, object], *, root: Path) -> list[str]:
    """Sources as indexed (a file path is matched to its indexed name, an export's file to all its
    records, `FILE#ID` to one); raises UnknownSourceError.

    A misspelt name must not quietly restrict retrieval to nothing and abstain.
    """
    out: list[str] = []
    files: dict[str, Path] = {}  # each indexed file's resolved path, worked out once
    for src in sources:
        if src in documents:
            out.append(src)
            continue
        file, record = split_key(src)
        path = Path(file).expanduser()
        candidates = [path.resolve(), resolve_source(file, root).resolve()]
        if not files:
            for name in documents:
                f = split_key(name)[0]
                if f not in files:
                    files[f] = resolve_source(f, root).resolve()
        matches = [
            name
            for name in documents
            if files[split_key(name)[0]] in candidates and (record is None or split_key(name)[1] == record)
        ]
        if not matches:
            names = sorted(documents)
            shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
            raise UnknownSourceError(
                f"No such indexed article: {src!r}. Indexed are: {shown or 'none'}. "
                "Give a name from that list (or index the file first with `rag index FILE`)."
            )
        out.extend(matches)  # an export's file: all its records
    return out
