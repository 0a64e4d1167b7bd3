"""What the chat's controls do, one function a panel, each bound to a pipeline (fake or real).

No Gradio here except the `gr.update` an upload returns: questions go to `Pipeline.stream`,
uploads to `Pipeline.index`, and `ui.render` turns results into HTML.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rag.core.days import show_date
from rag.core.errors import FairUseError, RagError, UploadError
from rag.core.limits import FairUse
from rag.core.requestlog import log_request
from rag.core.types import Statement
from rag.pipeline import Done, Pipeline, Stage, StatementReady, Writing
from ui import render
from ui.logins import ChatAccess, open_locally
from ui.uploads import recent_uploads, record_upload, save_upload, sha256_of

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
    undated: bool = False,
    *,
    client: str = "local",
    fair: FairUse | None = None,
) -> Iterator[tuple[Chat, Turns, str]]:
    """Answer in the chat: yields (chat, turns, question box) after every event of the stream.

    With `fair`, the question counts against `client`'s minute and queue and waits its turn for
    the model (shown as waiting); a refusal or a question dropped after waiting too long is a plain
    message. The box is emptied while answering and given the question back after an error.
    """
    asked = {"role": "user", "content": message or ""}
    chat = [*(chat or []), asked, _assistant(render.streaming_html([], "retrieving"))]
    fair = fair or FairUse(per_minute=10**9, queued=10**9, wait_s=float("inf"))
    t0, outcome = time.monotonic(), ["stopped"]  # "stopped": the page closed before the answer was shown
    question = message if pipe.settings.log_questions else None
    try:
        ticket = fair.enter(client)
    except FairUseError as exc:
        chat[-1] = _assistant(render.error_html(str(exc)))
        log_request("chat question", "refused", time.monotonic() - t0, question=question)
        yield chat, turns, message
        return
    try:
        yield chat, turns, ""
        while not fair.acquire(ticket, slice_s=0.5):  # a closed page is noticed at the next yield
            chat[-1] = _assistant(render.streaming_html([], "waiting"))
            yield chat, turns, ""
        chat[-1] = _assistant(render.streaming_html([], "retrieving"))
        yield from _answer(pipe, message, chat, turns, model, top, chosen, (since, until, undated), outcome)
    except FairUseError as exc:
        outcome[0] = "refused"
        chat[-1] = _assistant(render.error_html(str(exc)))
        yield chat, turns, message
    finally:
        fair.leave(ticket)
        log_request("chat question", outcome[0], time.monotonic() - t0, question=question)


def _answer(
    pipe: Pipeline, message: str, chat: Chat, turns: Turns, model: str, top: int, chosen: list[str],
    dates: tuple[str, str, bool], outcome: list[str],
) -> Iterator[tuple[Chat, Turns, str]]:  # fmt: skip
    """The answer streamed into the chat's last message (the model is held); `dates` is the range
    typed in the Articles panel and its "Include undated" box; `outcome[0]` becomes what the
    request's log line says: answered, abstained or error."""
    since, until, undated = dates
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
            include_undated=bool(undated),
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
                outcome[0] = "abstained" if event.answer.abstained else "answered"
                chat[-1] = _assistant(render.answer_html(event.answer))
                turns = [*turns, (event.answer.standalone_question or event.answer.question, event.answer.text)]
            yield chat, turns, ""
    except RagError as exc:
        outcome[0] = "error"
        chat[-1] = _assistant(render.error_html(str(exc)))
        yield chat, turns, message
    except Exception as exc:  # noqa: BLE001 - the app keeps running whatever happens
        outcome[0] = "error"
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
        text = pipe.source_text(source)  # the file, or the text extracted from a PDF, page, export...
        return render.article_html(
            text,
            title=doc.title,
            date=doc.date,
            url=doc.url,
            source=source,
            start=start,
            end=end,
            page=pipe.source_page(source, start),
        )
    except (ValueError, OSError, RagError) as exc:
        return render.error_html(f"Cannot open that passage: {exc}")


UPLOADS_OFF = {
    "editors": "Adding articles is for editors: ask one, or an administrator to run "
    "`rag users add NAME --role editor`.",
    "nobody": "Adding articles is off: the chat is served beyond this machine without logins (--no-auth); "
    "start it with logins (`rag users add NAME --role editor`) to let editors add articles.",
}


def upload_note(access: ChatAccess, username: str | None) -> str:
    """What the "Articles" panel says about adding articles to this user ('' when they may)."""
    return "" if access.may_upload(username) else UPLOADS_OFF.get(access.uploads, "")


def uploads_panel(pipe: Pipeline, access: ChatAccess, username: str | None) -> str:
    """The upload log as shown in the "Articles" panel, with the note for this user."""
    log_path = pipe.settings.resolve(pipe.settings.upload_log)
    return render.uploads_html(recent_uploads(log_path), upload_note(access, username))


def _save_all(pipe: Pipeline, files: list[Any], who: str) -> tuple[list[Path], list[str]]:
    """Save each file into the corpus, logging it (who, name, SHA-256, outcome): (saved, errors)."""
    saved, errors = [], []
    corpus, log_path = pipe.settings.corpus_path, pipe.settings.resolve(pipe.settings.upload_log)
    for f in files:
        path = Path(f if isinstance(f, str) else f.name)
        sent = getattr(f, "orig_name", None) or path.name
        try:
            target = save_upload(path, corpus, max_bytes=pipe.settings.max_upload_bytes, name=sent)
        except UploadError as exc:
            errors.append(str(exc))
            record_upload(log_path, who=who, sent=sent, outcome=f"refused: {exc}", saved=None, sha256=sha256_of(path))
            continue
        saved.append(target)
        record_upload(log_path, who=who, sent=sent, outcome="added", saved=target.name, sha256=sha256_of(target))
        log.info("upload by %s: %s saved as %s", who, sent, target.name)
    return saved, errors


def upload(
    pipe: Pipeline,
    files: list[Any] | None,
    progress: Callable[..., Any],
    *,
    username: str | None = None,
    access: ChatAccess | None = None,
    fair: FairUse | None = None,
) -> tuple[str, Any, str]:
    """Save uploaded articles into the corpus and index them, if this user may add articles:
    (status text, new article choices, the upload log's HTML). Every file is logged, refused or not."""
    import gradio as gr

    access = access or open_locally(pipe.settings.resolve(pipe.settings.users_file))
    if not access.may_upload(username):
        log_path = pipe.settings.resolve(pipe.settings.upload_log)
        for f in files or []:  # an attempt is logged too, and nothing is saved
            path = Path(f if isinstance(f, str) else f.name)
            sent = getattr(f, "orig_name", None) or path.name
            outcome = "refused: not an editor"
            record_upload(
                log_path, who=access.who(username), sent=sent, outcome=outcome, saved=None, sha256=sha256_of(path)
            )
        return upload_note(access, username), gr.update(), uploads_panel(pipe, access, username)
    if not files:
        return "Choose .txt or .md files first.", gr.update(), uploads_panel(pipe, access, username)
    saved, errors = _save_all(pipe, files, access.who(username))
    msg = []
    if saved:
        held = fair.model.acquire(timeout=fair.wait_s) if fair else False  # not while a question is answered
        bar = lambda d, t, n: progress((d, max(t, 1)), desc="Indexing")  # noqa: E731
        try:
            rep = pipe.index([pipe.settings.corpus_path], progress=bar)
            msg.append(
                f"Added {len(saved)} file(s): {', '.join(p.name for p in saved)}. "
                f"{rep.chunks_added} new chunks indexed; {rep.documents} articles in all."
            )
            msg.extend(rep.warnings)
        except RagError as exc:
            errors.append(str(exc))
        finally:
            if held and fair:
                fair.model.release()
    msg.extend(errors)
    return "\n".join(msg), gr.update(choices=article_choices(pipe)), uploads_panel(pipe, access, username)


def new_chat() -> tuple[Chat, Turns, str, str]:
    """An empty chat, no turns, an empty box and the side panel's hint."""
    return [], [], "", EMPTY_PANEL
