"""The Gradio chat. `build_app(pipeline)` returns the Blocks (testable without launching);
`launch(settings)` indexes the corpus if needed, loads the model once and serves on loopback.

The layout (`_layout`) and the wiring of its events (`_wire`) are here; what each control does is
`ui.handlers`, and `ui.render` turns results into HTML.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from rag.core.access import is_loopback, loopback_name, printable, request_headers
from rag.core.limits import FairUse
from rag.core.requestlog import ready_line
from rag.core.settings import Settings
from rag.pipeline import Pipeline
from ui import handlers
from ui.logins import REMOVED, ChatAccess, decide, open_locally

CSS = """
#source-panel .article-text { white-space: pre-wrap; max-height: 70vh; overflow-y: auto; line-height: 1.5; }
#source-panel mark#cite-mark { background: #ffe066; padding: 1px 0; }
.answer .cite { text-decoration: none; font-weight: 600; margin-left: 1px; cursor: pointer; }
.answer .progress { color: #888; font-style: italic; margin-top: 4px; }
.answer .rewritten { font-size: 0.8em; color: #777; margin-bottom: 4px; }
.answer .sources { font-size: 0.9em; margin-top: 8px; }
.answer .sources .quote { margin: 2px 0 6px 0; padding-left: 8px; border-left: 3px solid #ccc; color: #444; }
.answer .rejected { font-size: 0.85em; color: #8a6d3b; }
.answer .abstain { font-weight: 600; }
.answer .direct { font-size: 1.1em; margin-bottom: 4px; }
.answer mark.answer-words { background: #fff3b0; padding: 0 1px; }
.answer .form-comparison { display: flex; flex-wrap: wrap; gap: 12px; }
.answer .form-comparison .side { flex: 1 1 260px; border-left: 3px solid #9ab; padding-left: 8px; }
.answer .form-comparison .side-name { font-weight: 600; margin: 0 0 2px 0; }
.answer .form-timeline .label { white-space: nowrap; }
.error { color: #b00020; font-weight: 600; }
#upload-log table { font-size: 0.85em; border-collapse: collapse; }
#upload-log td, #upload-log th { padding: 2px 6px; border-bottom: 1px solid #ddd; text-align: left; }
#cite-request, #cite-open { display: none !important; }
"""

# Citation links are plain `#cite=` anchors (they survive the chat's HTML sanitiser). One
# document-level listener keeps the clicked reference and clicks a hidden button, whose `js`
# hands the reference to the server as the event's input.
JS = """
() => {
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[href*="#cite="]');
    if (!a) return;
    ev.preventDefault(); ev.stopPropagation();
    window.__citeKey = a.getAttribute('href').split('#cite=')[1];
    document.getElementById('cite-open')?.click();
  }, true);
}
"""
CITE_JS = "(x) => window.__citeKey || x"

# Sessions whose question waits for the model or is answered at once; each waits in a worker
# thread, so this stays under Gradio's 40 (launch's `max_threads`) to leave some for citations.
QUESTIONS_AT_ONCE = 16

SCROLL_JS = "() => { setTimeout(() => document.getElementById('cite-mark')?.scrollIntoView({block: 'center'}), 100); }"


@dataclass(frozen=True, slots=True)
class Widgets:
    """The chat's components that events read or write."""

    chatbot: Any
    turns: Any
    box: Any
    send: Any
    clear: Any
    filt: Any
    since: Any
    until: Any
    undated: Any
    files: Any
    add: Any
    upload_status: Any
    upload_log: Any
    model: Any
    top: Any
    panel: Any
    cite_request: Any
    cite_open: Any


def _articles_panel(pipe: Pipeline, access: ChatAccess) -> tuple[Any, ...]:
    """The "Articles" accordion: the article filter, the date range, the upload (shown to those who
    may add articles: at first to everyone or no one, editors are shown it on load) and its log."""
    import gradio as gr

    with gr.Accordion("Articles", open=False, elem_id="articles-panel"):
        filt = gr.CheckboxGroup(
            choices=handlers.article_choices(pipe),
            label="Only answer from these articles (none = all)",
            elem_id="article-filter",
        )
        with gr.Row():
            since = gr.Textbox(label="Dated from (YYYY-MM-DD)", elem_id="date-since", max_lines=1)
            until = gr.Textbox(label="Dated until (YYYY-MM-DD)", elem_id="date-until", max_lines=1)
            undated = gr.Checkbox(label="Include undated", value=False, elem_id="date-undated")
        shown = access.uploads == "everyone"
        files = gr.File(
            file_count="multiple",
            file_types=[".txt", ".md"],
            label="Add articles (.txt, .md)",
            elem_id="upload",
            visible=shown,
        )
        add = gr.Button("Add to corpus", elem_id="add-articles", size="sm", visible=shown)
        upload_status = gr.Textbox(label="Upload", interactive=False, elem_id="upload-status", lines=2, visible=shown)
        upload_log = gr.HTML(handlers.uploads_panel(pipe, access, None), elem_id="upload-log")
    return filt, since, until, undated, files, add, upload_status, upload_log


def _layout(pipe: Pipeline, access: ChatAccess) -> Widgets:
    """Place the components (inside an open `gr.Blocks`): the chat and its panels left, the article right."""
    import gradio as gr

    gr.Markdown(
        "## Ask the articles\nEvery sentence of an answer cites the exact passage it comes from. "
        "Click a number to read it in its article."
    )
    turns = gr.State([])
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                elem_id="chat", height=520, label="Chat", sanitize_html=True, feedback_options=None, buttons=["copy"]
            )
            with gr.Row():
                box = gr.Textbox(
                    placeholder="Ask a question about the articles…",
                    show_label=False,
                    elem_id="question",
                    scale=5,
                    max_lines=4,
                )
                send = gr.Button("Ask", variant="primary", elem_id="ask", scale=1)
            clear = gr.Button("New chat", elem_id="new-chat", size="sm")
            filt, since, until, undated, files, add, upload_status, upload_log = _articles_panel(pipe, access)
            with gr.Accordion("Advanced", open=False, elem_id="advanced-panel"):
                s = pipe.settings
                model = gr.Radio(
                    handlers.model_choices(s.llm_model), value=s.llm_model, label="Model", elem_id="model-choice"
                )
                top = gr.Slider(1, 10, value=s.top_passages, step=1, label="Passages", elem_id="top-k")
        with gr.Column(scale=2):
            panel = gr.HTML(handlers.EMPTY_PANEL, elem_id="source-panel")
    cite_request = gr.Textbox(elem_id="cite-request", show_label=False, container=False)
    cite_open = gr.Button("open citation", elem_id="cite-open")
    return Widgets(
        chatbot, turns, box, send, clear, filt, since, until, undated, files, add, upload_status, upload_log, model,
        top, panel, cite_request, cite_open,
    )  # fmt: skip


def client_of(request: Any) -> str:
    """Whom a chat question counts against: the login, else the browser session."""
    name = getattr(request, "username", None)
    return f"user-{name}" if name else f"session-{getattr(request, 'session_hash', None) or 'unknown'}"


def _wire(app: Any, pipe: Pipeline, w: Widgets, access: ChatAccess, fair: FairUse) -> None:
    """Bind the events to the handlers. Questions wait for the one model in `fair`'s line (per
    login or session: a minute's limit, a queue's, a longest wait); uploads take the model too."""
    import gradio as gr

    def present(request: Any) -> None:
        if not access.still_user(getattr(request, "username", None)):
            raise gr.Error(REMOVED, duration=None)

    def respond(message: str, chat: Any, turns: Any, model: str, top: int, chosen: list[str], since: str = "",
                until: str = "", undated: bool = False, request: Any = None) -> Any:  # fmt: skip
        present(request)
        yield from handlers.respond(
            pipe, message, chat, turns, model, top, chosen, since, until, bool(undated), client=client_of(request),
            fair=fair,
        )  # fmt: skip

    def open_citation(key: str, request: Any = None) -> str:
        present(request)
        return handlers.open_citation(pipe, key)

    def upload(files: list[Any] | None, progress: Any = gr.Progress(), request: Any = None) -> tuple[str, Any, str]:  # noqa: B008 (Gradio idiom)
        user = getattr(request, "username", None)
        return handlers.upload(pipe, files, progress, username=user, access=access, fair=fair)

    def on_load(request: Any = None) -> tuple[Any, ...]:
        user = getattr(request, "username", None)
        shown = gr.update(visible=access.may_upload(user))
        return shown, shown, shown, handlers.uploads_panel(pipe, access, user)

    for fn in (respond, open_citation, upload, on_load):  # Gradio hands a gr.Request to a parameter annotated so
        fn.__annotations__["request"] = gr.Request

    inputs = [w.box, w.chatbot, w.turns, w.model, w.top, w.filt, w.since, w.until, w.undated]
    for trigger in (w.box.submit, w.send.click):
        trigger(respond, inputs, [w.chatbot, w.turns, w.box], concurrency_limit=QUESTIONS_AT_ONCE, concurrency_id="ask")
    w.cite_open.click(open_citation, w.cite_request, w.panel, js=CITE_JS, queue=False).then(None, js=SCROLL_JS)
    w.add.click(upload, w.files, [w.upload_status, w.filt, w.upload_log], concurrency_limit=1, concurrency_id="upload")
    w.clear.click(handlers.new_chat, None, [w.chatbot, w.turns, w.box, w.panel], queue=False)
    if access.uploads == "editors":
        app.load(on_load, None, [w.files, w.add, w.upload_status, w.upload_log], queue=False)


def build_app(pipe: Pipeline, access: ChatAccess | None = None, fair: FairUse | None = None) -> Any:
    """The chat as a `gr.Blocks`, bound to a pipeline (fake or real); by default open to this
    machine (no login, uploads for everyone) under the fair-use limits of the pipeline's settings."""
    import gradio as gr

    access = access or open_locally(pipe.settings.resolve(pipe.settings.users_file))
    with gr.Blocks(title="Cited answers — news articles") as app:
        w = _layout(pipe, access)
        _wire(app, pipe, w, access, fair or FairUse.from_settings(pipe.settings))
    return app


def _host_check(host: str) -> dict[str, Any]:
    """FastAPI arguments for the chat's app: on loopback, requests must name this machine in `Host`
    (`LoopbackHost`, as `rag serve`'s gate does)."""
    if not is_loopback(host):
        return {}
    from starlette.middleware import Middleware

    return {"middleware": [Middleware(LoopbackHost)]}


class LoopbackHost:
    """Pure ASGI middleware of a chat that listens on this machine only: a request whose `Host` does
    not name this machine is refused (403; a websocket is closed), so a web page that points its
    own name at 127.0.0.1 (DNS rebinding) cannot use the chat or read its answers."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            host = request_headers(scope).get("host", "")
            if not loopback_name(host):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                from starlette.responses import PlainTextResponse

                message = (
                    f"This chat listens on this machine only and answers requests for localhost or 127.0.0.1, not "
                    f"{printable(host)!r}: open http://127.0.0.1:PORT, or serve other machines with "
                    "`rag chat --host ADDRESS` and logins (`rag users add`)."
                )
                await PlainTextResponse(message, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def launch(
    settings: Settings | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    pipe: Pipeline | None = None,
    block: bool = True,
    no_auth: bool = False,
) -> Any:
    """Index the corpus if needed, load the model and the embedder once, and serve the chat, with
    a login when the users file has users (`ui.logins`).

    Raises:
        AccessError: `host` is not loopback, there are no users and not `no_auth` (checked before
            anything is loaded).
    """
    pipe = pipe or Pipeline(settings or Settings())
    access = decide(pipe.settings, host, no_auth=no_auth)
    report = pipe.ensure_index()
    if report:
        print(f"Indexed {report.documents} articles ({report.chunks_added} chunks).")
    print(f"Loading {pipe.generator().name} and the embedder…")
    pipe.warm_up()
    # Gradio notices a closed page at its next message or heartbeat (15 s by default); sooner, so
    # that an answer nobody waits for stops and frees the model for the next user.
    os.environ.setdefault("GRADIO_HEARTBEAT_INTERVAL", "2")
    app = build_app(pipe, access)
    app.queue(default_concurrency_limit=1)
    app.launch(
        server_name=host,
        server_port=port,
        share=share,
        app_kwargs=_host_check(host),
        css=CSS,
        js=JS,
        prevent_thread_lock=True,
        quiet=True,
        auth=access.check_login if access.login else None,
        auth_message="Log in with the name and password an administrator gave you (`rag users add`).",
    )
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
    extra = f"login: users in {access.users_file}" if access.login else "no login"
    print(ready_line("rag chat", url, f"{extra}; one line per question follows"), flush=True)
    if block:
        app.block_thread()
    return app
