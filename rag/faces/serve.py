"""`rag serve`: the cited-answer pipeline as an OpenAI-compatible chat endpoint.

(No `from __future__ import annotations` here: FastAPI reads the endpoint annotations at run time.)

Existing clients and chat front ends talk to it as to any OpenAI-compatible server (tested with
the official `openai` packages for Python and for Node, `tests/faces/test_serve.py`):

- `POST /v1/chat/completions` (streaming and not), model name `cited-rag`. The last user message is
  the question; earlier user/assistant pairs are the conversation (a follow-up is rewritten).
  `content` is a string or a list of parts; text parts are joined with a newline, and other
  parts (images, audio, files) are refused with a 400 naming what is read. `n` must be 1 (the
  answer is deterministic); `stream_options.include_usage` adds OpenAI's final usage chunk
  (`choices: []`). Extra request fields: `sources` (indexed file names to answer from), `top`
  (passages), `since`/`until` (YYYY-MM-DD: only articles dated in that range) and `include_undated`
  (search articles without a date too; otherwise `cited_rag.date_filter` counts those left out).
- The reply's message carries the answer text with `[n]` markers and, for every citation of every
  statement, an annotation in the shape of OpenAI's `url_citation`: `start_index`/`end_index`,
  the statement's span in the message text in Python code points (Unicode characters), and
  `start_index_utf16`/`end_index_utf16`, the same span in UTF-16 code units (what JavaScript's
  `String.prototype.slice` counts; they differ after any character outside the Basic
  Multilingual Plane, such as an emoji); `url`, `title`; and the citation's `source` file,
  `start`, `end` (code points into the file's decoded text) and `quote`. The whole
  `Answer.to_dict()` is under the extra field `cited_rag`.
- Streaming sends each verified statement as a `chat.completion.chunk` as soon as it is checked;
  the last chunk carries `annotations` and `cited_rag` (whose `answer` is the authoritative text).
  The request is checked, and the question read up to generation, before the first byte: a bad
  request gets the same 400 streamed or not. An error while the answer is written arrives as an
  OpenAI error event (`data: {"error": ...}`), which the official clients raise.
- `GET /v1/models`, `GET /health`.

Serving a team (`rag.faces.gate`, `rag.core.access`, `rag.core.limits`): with keys (`--api-key`,
`RAG_SERVE_API_KEYS`) every path but `/health` needs `Authorization: Bearer KEY` (else 401
`invalid_api_key`); browsers are served only from listed origins (`--cors-origin`; else 403); a
body over `max_request_bytes` gets 413 before it is parsed; per key (or per address without keys)
questions a minute and questions queued are limited (429 with `Retry-After`), and a question that
waited `queue_wait_s` for the model is dropped (503 `queue_timeout`). Off loopback without a key it
refuses to start unless `--no-auth` (logged as a warning).

Bad requests get a 400 in OpenAI's error shape (`{"error": {"message", "type", "param", "code"}}`)
whose message is a sentence naming the fix.
"""

import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from rag.answering.citations import answer_text
from rag.core.access import KeyRing, is_loopback, parse_api_keys, require_protection
from rag.core.errors import FairUseError, RagError, UnknownSourceError
from rag.core.limits import FairUse, Ticket
from rag.core.requestlog import log_request, ready_line
from rag.core.types import Answer
from rag.faces.gate import Receive, Refusal, Scope, Send, from_fair_use, guard, read_body, split_list
from rag.pipeline import Done, Event, Pipeline, Stage, StatementReady

MODEL = "cited-rag"
EXAMPLE = '{"model": "cited-rag", "messages": [{"role": "user", "content": "your question"}]}'
TEXT_PARTS = ("text",)  # content part types read; the rest (image_url, input_audio, file, ...) are refused


class ChatMessage(BaseModel):
    role: str
    content: Any = ""  # a string, null or a list of parts: read by `message_text`, which names the fix


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatRequest(BaseModel):
    model: str = MODEL
    messages: list[ChatMessage]
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int | None = None
    sources: list[str] | None = None
    top: int | None = None
    since: str | None = None
    until: str | None = None
    include_undated: bool = False
    max_tokens: int | None = Field(None, description="accepted for compatibility; answers are bounded by settings")
    temperature: float | None = None


class BadRequest(Refusal):
    """A refused request, as OpenAI reports one: status (400 unless said), message (a sentence naming
    the fix), type, the offending `param` (e.g. `messages[0].content[1]`) and a `code`."""

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None, status: int = 400) -> None:
        super().__init__(message, status=status, code=code, param=param)


def from_rag_error(exc: RagError) -> BadRequest:
    """A pipeline error as a 400: its message unchanged (it names the fix), its class as the code."""
    code = re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__.removesuffix("Error")).lower()
    return BadRequest(str(exc), param="sources" if isinstance(exc, UnknownSourceError) else None, code=code)


_KINDS = {"string": "a string", "int": "an integer", "float": "a number", "bool": "a boolean", "list": "an array"}


def _json_kind(value: object) -> str:
    """The JSON name of a decoded value's type, with its article."""
    if value is None:
        return "null"
    for py, name in ((bool, "a boolean"), (str, "a string"), (int, "an integer"), (float, "a number")):
        if isinstance(value, py):
            return name
    return "an array" if isinstance(value, list) else "an object"


def _where(loc: Iterable[int | str]) -> str:
    """A pydantic location as a JSON path: ('messages', 0, 'role') -> 'messages[0].role'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def from_validation(exc: ValidationError) -> BadRequest:
    """The first problem pydantic found, as a sentence naming the field and the fix."""
    err = exc.errors()[0]
    where, kind = _where(err["loc"]), str(err["type"])
    if not where:
        return BadRequest(f"The request body must be a JSON object, not {_json_kind(err['input'])}: send {EXAMPLE}.")
    if kind == "missing":
        return BadRequest(f"The request has no `{where}`: send, for example, {EXAMPLE}.", param=where)
    base, _, problem = kind.partition("_")
    wanted = "an object" if base in ("model", "dict") else _KINDS.get(base)
    if wanted is None or problem not in (
        "type",
        "parsing",
        "from_float",
        "attributes_type",
    ):  # a constraint of a known type: pydantic's words, made a sentence
        msg = str(err["msg"]).rstrip(".")
        return BadRequest(f"`{where}` is not valid: {msg[:1].lower()}{msg[1:]}.", param=where)
    got = _json_kind(err["input"])
    return BadRequest(f"`{where}` must be {wanted}, not {got}: correct it or leave the field out.", param=where)


def message_text(message: ChatMessage, i: int) -> str:
    """A message's text: a string as is, null as '', text parts joined with a newline.

    Raises:
        BadRequest: a part that is not text (names its type and what is read), or content of
            another kind.
    """
    content = message.content
    if content is None or isinstance(content, str):
        return content or ""
    if not isinstance(content, list):
        raise BadRequest(
            f"`messages[{i}].content` must be a string or an array of text parts, not {_json_kind(content)}.",
            param=f"messages[{i}].content",
        )
    texts = []
    for j, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in TEXT_PARTS and not isinstance(part.get("text"), str):
            raise BadRequest(
                f"`messages[{i}].content[{j}]` is a text part without a string `text`: "
                'write it as {"type": "text", "text": "your question"}.',
                param=f"messages[{i}].content[{j}].text",
            )
        if kind not in TEXT_PARTS:
            what = f"a part of type {kind!r}" if isinstance(kind, str) else "a part that is not a text part"
            raise BadRequest(
                f"`messages[{i}].content[{j}]` is {what}; this server reads text only. Send `content` as a "
                'string or as parts of the form {"type": "text", "text": "your question"}.',
                param=f"messages[{i}].content[{j}]",
                code="unsupported_content_part",
            )
        texts.append(part["text"])
    return "\n".join(texts)


def conversation(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """The question (the last user message) and the earlier (question, answer) turns.

    Raises:
        BadRequest: no messages, the last one not the user's, or content that is not text.
    """
    texts = [message_text(m, i) for i, m in enumerate(messages)]
    if not messages or messages[-1].role != "user" or not texts[-1].strip():
        raise BadRequest(
            f"The last message must be the user's question (role 'user', non-empty content): send {EXAMPLE}.",
            param="messages",
        )
    turns: list[tuple[str, str]] = []
    pending: str | None = None
    for m, text in zip(messages[:-1], texts[:-1], strict=True):
        if m.role == "user":
            pending = text
        elif m.role == "assistant" and pending is not None:
            turns.append((pending, text))
            pending = None
    return texts[-1], turns


def parse_request(body: bytes) -> tuple[ChatRequest, str, list[tuple[str, str]]]:
    """The request, its question and earlier turns; raises BadRequest with the fix."""
    try:
        req = ChatRequest.model_validate(json.loads(body))
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"The request body is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}): send {EXAMPLE}."
        ) from exc
    except ValidationError as exc:
        raise from_validation(exc) from exc
    if req.n not in (None, 1):
        raise BadRequest(
            f"`n` is {req.n}, but this server writes one cited answer per request (the same question gets the "
            "same answer): leave `n` out or set it to 1.",
            param="n",
        )
    question, turns = conversation(req.messages)
    if req.model != MODEL:
        raise BadRequest(
            f"No model {req.model!r}: this server answers as {MODEL!r}.",
            param="model",
            code="model_not_found",
            status=404,
        )
    return req, question, turns


def _question_options(req: ChatRequest, turns: list[tuple[str, str]]) -> dict[str, Any]:
    """The pipeline's keyword arguments a request asks for (the same for streaming and not)."""
    return {
        "sources": req.sources,
        "top": req.top,
        "history": turns,
        "since": req.since,
        "until": req.until,
        "include_undated": req.include_undated,
    }


def utf16_index(text: str, index: int) -> int:
    """A code-point index into `text` as a UTF-16 code-unit index (JavaScript's string index)."""
    return index + sum(ord(ch) > 0xFFFF for ch in text[:index])


def citation_annotations(a: Answer) -> list[dict[str, Any]]:
    """One `url_citation` per citation of every statement, indexed into the answer text in code
    points (`start_index`/`end_index`) and UTF-16 code units (`start_index_utf16`/`end_index_utf16`)."""
    out: list[dict[str, Any]] = []
    text = a.text
    pos = 0
    for st in a.statements:
        start = text.find(st.text, pos)
        if start < 0:
            start, end = 0, 0
        else:
            end = start + len(st.text)
            pos = end
        for c in st.citations:
            out.append(
                {
                    "type": "url_citation",
                    "url_citation": {
                        "start_index": start,
                        "end_index": end,
                        "start_index_utf16": utf16_index(text, start),
                        "end_index_utf16": utf16_index(text, end),
                        "url": c.url or f"file:{c.source}#{c.start}-{c.end}",  # `#` in the name: a record
                        "title": c.title,
                        "source": c.source,
                        "start": c.start,
                        "end": c.end,
                        "quote": c.quote,
                        "verified": c.verified,
                        "record": c.record,
                        "page": c.page,
                    },
                }
            )
    return out


def _usage(a: Answer) -> dict[str, int]:
    """Prompt tokens as the model counted them; completion: the answer text in cl100k tokens."""
    from rag.core.tokens import count

    completion = count(a.text)
    return {
        "prompt_tokens": a.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": a.prompt_tokens + completion,
    }


def completion(a: Answer, cid: str) -> dict[str, Any]:
    """The non-streaming reply."""
    message = {"role": "assistant", "content": a.text, "annotations": citation_annotations(a), "cited_rag": a.to_dict()}
    return {
        "id": cid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": _usage(a),
    }


class Chunks:
    """The server-sent events of one streamed reply; with `include_usage`, every chunk carries
    `usage: null` and a last chunk (`choices: []`) the usage, as OpenAI sends them."""

    def __init__(self, cid: str, *, include_usage: bool) -> None:
        self.cid, self.include_usage = cid, include_usage

    def event(self, choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> str:
        body: dict[str, Any] = {
            "id": self.cid,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": MODEL,
            "choices": choices,
        }
        if self.include_usage:
            body["usage"] = usage
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    def delta(self, delta: dict[str, Any], finish: str | None = None) -> str:
        return self.event([{"index": 0, "delta": delta, "finish_reason": finish}])


def opening(events: Iterator[Event]) -> list[Event]:
    """The events up to generation (or the answer): reading them checks the arguments and the
    index, so a bad request raises here, before anything is sent."""
    head: list[Event] = []
    for event in events:
        head.append(event)
        if not isinstance(event, Stage) or event.name == "generating":
            break
    return head


def stream_chunks(
    pipe: Pipeline, req: ChatRequest, cid: str, question: str, turns: list[tuple[str, str]]
) -> Iterator[str]:
    """Server-sent events: the role, each statement as it is verified, then the final answer.

    The pipeline is read up to generation before the first event is yielded, so `next()` on this
    iterator raises the request's RagError (a 400) instead of starting a reply.
    """
    events = pipe.stream(question, **_question_options(req, turns))
    head = opening(events)
    out = Chunks(cid, include_usage=bool(req.stream_options and req.stream_options.include_usage))
    yield out.delta({"role": "assistant", "content": ""})
    shown: list[Any] = []
    sent = ""  # the answer text streamed so far: each statement adds its sentence and [n] markers
    try:
        for event in itertools.chain(head, events):
            if isinstance(event, StatementReady):
                shown.append(event.statement)
                text, _ = answer_text(shown)
                yield out.delta({"content": text[len(sent) :]})
                sent = text
            elif isinstance(event, Done):
                a = event.answer
                final: dict[str, Any] = {"annotations": citation_annotations(a), "cited_rag": a.to_dict()}
                if not shown:
                    final["content"] = a.text
                yield out.delta(final, "stop")
                if out.include_usage:
                    yield out.event([], _usage(a))
    except RagError as exc:  # after the reply started: an error event, which OpenAI's clients raise
        yield f"data: {json.dumps(from_rag_error(exc).body(), ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


def _wait_for_model(fair: FairUse, ticket: Ticket) -> None:
    """Block until the ticket holds the model; raises FairUseError once it waited too long."""
    while not fair.acquire(ticket, slice_s=0.5):
        pass


class RequestLog:
    """ASGI middleware, outermost: one line per request (`rag.core.requestlog`) when its last byte
    is sent (a streamed answer is timed to its end), with the question only if `questions`."""

    def __init__(self, app: Any, *, questions: bool) -> None:
        self.app, self.questions = app, questions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0, status = time.monotonic(), [500]

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                question = scope.get("state", {}).get("question") if self.questions else None
                what = f"{scope.get('method', '')} {scope.get('path', '')}"
                log_request(what, status[0], time.monotonic() - t0, question=question)

        await self.app(scope, receive, sending)


def create_app(
    pipe: Pipeline, *, keys: tuple[str, ...] | list[str] = (), origins: tuple[str, ...] = (), loopback: bool = False
) -> Any:
    """The FastAPI app serving `pipe` behind the gate (`rag.faces.gate`): with `keys`, every path
    but `/health` needs one; browsers may call it only from `origins`; with `loopback` (it listens on
    this machine only) requests must name this machine in `Host`. One question is answered at
    a time (one model), under the fair-use limits of `pipe.settings` (`rag.core.limits`)."""
    from fastapi import FastAPI, Request
    from fastapi.responses import StreamingResponse
    from starlette.concurrency import run_in_threadpool

    s = pipe.settings
    app = FastAPI(title="cited-rag", version="1")
    guard(app, keys=KeyRing(tuple(keys)), origins=tuple(origins), max_body=s.max_request_bytes, loopback=loopback)
    app.add_middleware(RequestLog, questions=s.log_questions)  # added last: outermost, sees every refusal
    fair = FairUse.from_settings(s)
    app.state.fair = fair

    @app.get("/health")
    def health() -> dict[str, Any]:
        ok = pipe.has_index()
        return {"status": "ok" if ok else "no index", "documents": len(pipe.documents()) if ok else 0}

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "cited-rag"}]}

    @app.post("/v1/chat/completions", response_model=None)
    async def chat(request: Request) -> Any:
        try:
            req, question, turns = parse_request(await read_body(request, s.max_request_bytes))
            request.state.question = question  # for the request's log line, with --log-questions only
            ticket = fair.enter(getattr(request.state, "client", "local"))
        except Refusal as exc:
            return exc.response()
        except FairUseError as exc:
            return from_fair_use(exc).response()
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if req.stream:

            def locked() -> Iterator[str]:
                try:  # the model held from the first event to the last; a dropped stream is closed, freeing it
                    _wait_for_model(fair, ticket)
                    yield from stream_chunks(pipe, req, cid, question, turns)
                finally:
                    fair.leave(ticket)

            chunks = locked()
            try:
                first = await run_in_threadpool(next, chunks)
            except RagError as exc:
                return _refusal(exc).response()
            return StreamingResponse(itertools.chain([first], chunks), media_type="text/event-stream")

        def answer() -> Answer:
            try:
                _wait_for_model(fair, ticket)
                return pipe.ask(question, **_question_options(req, turns))
            finally:
                fair.leave(ticket)

        try:
            a = await run_in_threadpool(answer)
        except RagError as exc:
            return _refusal(exc).response()
        return completion(a, cid)

    return app


def _refusal(exc: RagError) -> Refusal:
    """A pipeline error (400) or a fair-use one (429/503) as the reply."""
    return from_fair_use(exc) if isinstance(exc, FairUseError) else from_rag_error(exc)


def serve(
    pipe: Pipeline,
    *,
    host: str,
    port: int,
    keys: tuple[str, ...] | list[str] = (),
    origins: tuple[str, ...] | list[str] = (),
    no_auth: bool = False,
) -> None:
    """Run the app with uvicorn until interrupted.

    Keys are `keys` (`--api-key`) and those of `RAG_SERVE_API_KEYS`; origins, `origins`
    (`--cors-origin`) and `RAG_CORS_ORIGINS`.

    Raises:
        AccessError: `host` is not loopback and there is no key and no `no_auth` (checked before
            anything is loaded), or a key is unusable.
    """
    import uvicorn

    s = pipe.settings
    all_keys = parse_api_keys(s.serve_api_keys, tuple(keys))
    require_protection(
        host,
        protected=bool(all_keys),
        no_auth=no_auth,
        what=f"the API (rag serve, port {port})",
        fix="give it keys with --api-key KEY (repeatable) or RAG_SERVE_API_KEYS",
    )
    pipe.ensure_index()
    pipe.warm_up()  # before listening: /health answers once a question would not wait for loading
    origins = split_list(s.cors_origins, tuple(origins))
    app = create_app(pipe, keys=all_keys, origins=origins, loopback=is_loopback(host))
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
    announce = threading.Thread(target=_announce_when_up, args=(server, host, port, bool(all_keys)), daemon=True)
    announce.start()
    server.run()


def _announce_when_up(server: Any, host: str, port: int, keyed: bool) -> None:
    """Print the URL once uvicorn listens (a client can connect from then on)."""
    while not server.started and not server.should_exit:
        time.sleep(0.05)
    if server.started:
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/v1"
        extra = "clients send an API key" if keyed else "no key needed"
        print(ready_line("rag serve", url, f"model {MODEL!r}; {extra}; one line per request follows"), flush=True)
