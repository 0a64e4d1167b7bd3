"""The Gradio chat. `build_app(pipeline)` returns the Blocks (testable without launching);
`launch(settings)` indexes the corpus if needed, loads the model once and serves on loopback.

No pipeline logic lives here: questions go to `Pipeline.stream`, uploads to `Pipeline.index`,
and `ui.render` turns results into HTML.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.dates import show_date
from rag.errors import RagError, UploadError
from rag.ingest import SUFFIXES, looks_binary, resolve_source
from rag.pipeline import Done, Pipeline, Stage, StatementReady, Writing
from rag.settings import Settings
from rag.types import Statement
from ui import render

log = logging.getLogger(__name__)

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
.error { color: #b00020; font-weight: 600; }
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

SCROLL_JS = "() => { setTimeout(() => document.getElementById('cite-mark')?.scrollIntoView({block: 'center'}), 100); }"

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """A file name with no directory part and only safe characters; raises UploadError."""
    base = Path(name.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    if suffix not in SUFFIXES:
        shown = "".join(ch if ch.isprintable() else "?" for ch in base)
        raise UploadError(f"{shown}: only .txt and .md articles can be added; save the article as .txt or .md.")
    stem = _SAFE_NAME.sub("_", stem).strip("._") or "article"
    return f"{stem[:100]}{suffix}"


def save_upload(src: Path, corpus: Path, *, max_bytes: int, name: str | None = None) -> Path:
    """Validate an uploaded file and copy it into the corpus folder without overwriting anything.

    `name` is the name the browser sent (default: the file's own); only a safe form of its last
    part is used.
    """
    name = safe_filename(src.name if name is None else name)
    data = src.read_bytes()
    if len(data) > max_bytes:
        raise UploadError(f"{name}: {len(data)} bytes is over the {max_bytes}-byte limit.")
    if not data.strip():
        raise UploadError(f"{name}: the file is empty.")
    if looks_binary(data):
        raise UploadError(f"{name}: this looks like a binary file, not a text article.")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UploadError(
            f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 first."
        ) from None
    corpus.mkdir(parents=True, exist_ok=True)
    root = corpus.resolve()
    target = (root / name).resolve()
    stem, suffix = target.stem, target.suffix
    n = 1
    while target.exists():
        if target.read_bytes() == data:
            return target  # the same article again
        target = root / f"{stem}-{n}{suffix}"
        n += 1
    if target.parent != root:  # belt and braces: never write outside the corpus folder
        raise UploadError(f"{name}: refused, it would be written outside the corpus folder.")
    tmp = target.with_name(f".{target.name}.part")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target


def article_choices(pipe: Pipeline) -> list[tuple[str, str]]:
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


def build_app(pipe: Pipeline) -> Any:
    """The chat as a `gr.Blocks`, bound to a pipeline (fake or real)."""
    import gradio as gr

    def respond(
        message: str,
        chat: list[dict[str, Any]],
        turns: list[tuple[str, str]],
        model: str,
        top: int,
        chosen: list[str],
        since: str = "",
        until: str = "",
    ) -> Iterator[tuple[Any, ...]]:
        chat = list(chat or [])
        chat.append({"role": "user", "content": message or ""})
        chat.append({"role": "assistant", "content": render.streaming_html([], "retrieving")})
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
                    chat[-1] = {"role": "assistant", "content": render.streaming_html(statements, event.name)}
                elif isinstance(event, Writing):
                    chat[-1] = {
                        "role": "assistant",
                        "content": render.streaming_html(statements, "generating", pieces=event.pieces),
                    }
                elif isinstance(event, StatementReady):
                    statements.append(event.statement)
                    chat[-1] = {"role": "assistant", "content": render.streaming_html(statements, "generating")}
                elif isinstance(event, Done):
                    chat[-1] = {"role": "assistant", "content": render.answer_html(event.answer)}
                    turns = [*turns, (event.answer.standalone_question or event.answer.question, event.answer.text)]
                yield chat, turns, ""
        except RagError as exc:
            chat[-1] = {"role": "assistant", "content": render.error_html(str(exc))}
            yield chat, turns, message
        except Exception as exc:  # noqa: BLE001 - the app keeps running whatever happens
            log.exception("answering failed")
            chat[-1] = {"role": "assistant", "content": render.error_html(f"Something went wrong: {exc}")}
            yield chat, turns, message

    def open_citation(key: str) -> str:
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

    def upload(files: list[Any] | None, progress: Any = gr.Progress()) -> tuple[str, Any]:  # noqa: B008 (Gradio idiom)
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

    def new_chat() -> tuple[list[Any], list[Any], str, str]:
        return [], [], "", "<div class='article'>Click a citation number to open its article here.</div>"

    with gr.Blocks(title="Cited answers — news articles") as app:
        gr.Markdown(
            "## Ask the articles\nEvery sentence of an answer cites the exact passage it comes from. "
            "Click a number to read it in its article."
        )
        turns = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    height=520,
                    label="Chat",
                    sanitize_html=True,
                    feedback_options=None,
                    buttons=["copy"],
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
                with gr.Accordion("Articles", open=False, elem_id="articles-panel"):
                    filt = gr.CheckboxGroup(
                        choices=article_choices(pipe),
                        label="Only answer from these articles (none = all)",
                        elem_id="article-filter",
                    )
                    with gr.Row():
                        since = gr.Textbox(label="Dated from (YYYY-MM-DD)", elem_id="date-since", max_lines=1)
                        until = gr.Textbox(label="Dated until (YYYY-MM-DD)", elem_id="date-until", max_lines=1)
                    files = gr.File(
                        file_count="multiple",
                        file_types=[".txt", ".md"],
                        label="Add articles (.txt, .md)",
                        elem_id="upload",
                    )
                    add = gr.Button("Add to corpus", elem_id="add-articles", size="sm")
                    upload_status = gr.Textbox(label="Upload", interactive=False, elem_id="upload-status", lines=2)
                with gr.Accordion("Advanced", open=False, elem_id="advanced-panel"):
                    model = gr.Radio(
                        model_choices(pipe.settings.llm_model),
                        value=pipe.settings.llm_model,
                        label="Model",
                        elem_id="model-choice",
                    )
                    top = gr.Slider(1, 10, value=pipe.settings.top_passages, step=1, label="Passages", elem_id="top-k")
            with gr.Column(scale=2):
                panel = gr.HTML(
                    "<div class='article'>Click a citation number to open its article here.</div>",
                    elem_id="source-panel",
                )
        cite_request = gr.Textbox(elem_id="cite-request", show_label=False, container=False)
        cite_open = gr.Button("open citation", elem_id="cite-open")

        inputs = [box, chatbot, turns, model, top, filt, since, until]
        outputs = [chatbot, turns, box]
        for trigger in (box.submit, send.click):
            # One shared queue for the single model: requests wait their turn, never interleave.
            trigger(respond, inputs, outputs, concurrency_limit=1, concurrency_id="model")
        cite_open.click(open_citation, cite_request, panel, js=CITE_JS, queue=False).then(None, js=SCROLL_JS)
        add.click(upload, files, [upload_status, filt], concurrency_limit=1, concurrency_id="model")
        clear.click(new_chat, None, [chatbot, turns, box, panel], queue=False)
    return app


def launch(
    settings: Settings | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    pipe: Pipeline | None = None,
    block: bool = True,
) -> Any:
    """Index the corpus if needed, load the model and the embedder once, and serve the chat."""
    pipe = pipe or Pipeline(settings or Settings())
    report = pipe.ensure_index()
    if report:
        print(f"Indexed {report.documents} articles ({report.chunks_added} chunks).")
    print(f"Loading {pipe.generator().name} and the embedder…")
    pipe.warm_up()
    # Gradio notices a closed page at its next message or heartbeat (15 s by default); sooner, so
    # that an answer nobody waits for stops and frees the model for the next user.
    os.environ.setdefault("GRADIO_HEARTBEAT_INTERVAL", "2")
    app = build_app(pipe)
    app.queue(default_concurrency_limit=1)
    print(f"Chat on http://{host}:{port}")
    app.launch(
        server_name=host, server_port=port, share=share, css=CSS, js=JS, prevent_thread_lock=not block, quiet=not block
    )
    return app
