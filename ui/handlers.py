"""What the chat's controls do, one function a panel, each bound to a pipeline (fake or real).

No Gradio here except the `gr.update` an upload returns: questions go to `Pipeline.stream`,
uploads to `Pipeline.index`, and `ui.render` turns results into HTML.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rag.core.days import show_date
from rag.core.errors import RagError, UploadError
from rag.core.types import Statement
from rag.pipeline import Done, Pipeline, Stage, StatementReady, Writing
from rag.reading.ingest import resolve_source
from ui import render
from ui.uploads import save_upload

log = logging.getLogger(__name__)

EMPTY_PANEL = "<div class='article'>Click a citation number to open its article here.</div>"

Chat = list[dict[str, Any]]
Turns = list[tuple[str, str]]


def article_choices(pipe: Pipeline) -> list[tuple[str, str]]:
    """(label, source) of every indexed article, by title; none when there is no index yet."""
    try:
        docs = pipe.documents()
    except RagError:
        return []
    return sorted(((f"{d.title} ({show_date(d.date)})", src) for src, d in docs.items()), key=lambda x: x[0].lower())


def model_choices(configured: str) -> list[tuple[str, str]]:
    """(label, value) pairs: the configured model (which may be any GGUF path) and the other bundled one."""
    if configured in ("default", "fast"):
        return [("default (1.5B)", "default"), ("fast (0.5B)", "fast")]
    return [
        (f"configured ({Path(configured).name})", configured),
        ("default (1.5B)", "default"),
        ("fast (0.5B)", "fast"),
    ]


def _assistant(content: str) -> dict[str, str]:
    return {"role": "assistant", "content": content}


def respond(
    pipe: Pipeline,
    message: str,
    chat: Chat,
    turns: Turns,
    model: str,
    top: int,
    chosen: list[str],
    since: str = "",
    until: str = "",
) -> Iterator[tuple[Chat, Turns, str]]:
    """Answer in the chat: yields (chat, turns, question box) after every event of the stream.

    The box is emptied while answering and given the question back after an error.
    """
    asked = {"role": "user", "content": message or ""}
    chat = [*(chat or []), asked, _assistant(render.streaming_html([], "retrieving"))]
    yield chat, turns, ""
    statements: list[Statement] = []
    try:
        events = pipe.stream(
            message,
            model=model,
            top=int(top),
            sources=chosen or None,
            history=turns,
            since=(since or "").strip() or None,
            until=(until or "").strip() or None,
        )
        for event in events:
            if isinstance(event, Stage):
                chat[-1] = _assistant(render.streaming_html(statements, event.name))
            elif isinstance(event, Writing):
                chat[-1] = _assistant(render.streaming_html(statements, "generating", pieces=event.pieces))
            elif isinstance(event, StatementReady):
                statements.append(event.statement)
                chat[-1] = _assistant(render.streaming_html(statements, "generating"))
            elif isinstance(event, Done):
                chat[-1] = _assistant(render.answer_html(event.answer))
                turns = [*turns, (event.answer.standalone_question or event.answer.question, event.answer.text)]
            yield chat, turns, ""
    except RagError as exc:
        chat[-1] = _assistant(render.error_html(str(exc)))
        yield chat, turns, message
    except Exception as exc:  # noqa: BLE001 - the app keeps running whatever happens
        log.exception("answering failed")
        chat[-1] = _assistant(render.error_html(f"Something went wrong: {exc}"))
        yield chat, turns, message


def open_citation(pipe: Pipeline, key: str) -> str:
    """The side panel for a clicked citation: its article with the passage highlighted."""
    try:
        source, start, end = render.parse_cite_key(key)
        docs = pipe.documents()
        if source not in docs:  # only indexed articles can be opened: no path tricks
            raise ValueError(f"{source} is not an indexed article")
        doc = docs[source]
        text = resolve_source(source, pipe.settings.root).read_text(encoding=doc.encoding)
        return render.article_html(
            text, title=doc.title, date=doc.date, url=doc.url, source=source, start=start, end=end
        )
    except (ValueError, OSError, RagError) as exc:
        return render.error_html(f"Cannot open that passage: {exc}")


def upload(pipe: Pipeline, files: list[Any] | None, progress: Callable[..., Any]) -> tuple[str, Any]:
    """Save uploaded articles into the corpus and index them: (status text, new article choices)."""
    import gradio as gr

    if not files:
        return "Choose .txt or .md files first.", gr.update()
    saved, errors = [], []
    corpus = pipe.settings.corpus_path
    for f in files:
        path = Path(f if isinstance(f, str) else f.name)
        sent = getattr(f, "orig_name", None) or path.name
        try:
            saved.append(save_upload(path, corpus, max_bytes=pipe.settings.max_upload_bytes, name=sent))
        except UploadError as exc:
            errors.append(str(exc))
    msg = []
    if saved:
        try:
            rep = pipe.index([corpus], progress=lambda d, t, n: progress((d, max(t, 1)), desc="Indexing"))
            msg.append(
                f"Added {len(saved)} file(s): {', '.join(p.name for p in saved)}. "
                f"{rep.chunks_added} new chunks indexed; {rep.documents} articles in all."
            )
            msg.extend(rep.warnings)
        except RagError as exc:
            errors.append(str(exc))
    msg.extend(errors)
    return "\n".join(msg), gr.update(choices=article_choices(pipe))


def new_chat() -> tuple[Chat, Turns, str, str]:
    """An empty chat, no turns, an empty box and the side panel's hint."""
    return [], [], "", EMPTY_PANEL
