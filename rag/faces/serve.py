"""`rag serve`: the cited-answer pipeline as an OpenAI-compatible chat endpoint.

(No `from __future__ import annotations` here: FastAPI reads the endpoint annotations at run time.)

Existing clients and chat front ends talk to it as to any OpenAI-compatible server:

- `POST /v1/chat/completions` (streaming and not), model name `cited-rag`. The last user message is
  the question; earlier user/assistant pairs are the conversation (a follow-up is rewritten).
  Extra request fields: `sources` (indexed file names to answer from), `top` (passages),
  `since`/`until` (YYYY-MM-DD: only articles dated in that range).
- The reply's message carries the answer text with `[n]` markers and, for every citation of every
  statement, an annotation in the shape of OpenAI's `url_citation` (`start_index`/`end_index`:
  the statement's span in the message text; `url`, `title`) with the citation's `source` file,
  `start`, `end` and `quote`; and the whole `Answer.to_dict()` under the extra field `cited_rag`.
- Streaming sends each verified statement as a `chat.completion.chunk` as soon as it is checked;
  the last chunk carries `annotations` and `cited_rag` (whose `answer` is the authoritative text).
- `GET /v1/models`, `GET /health`.

Bad requests get a 400 with an OpenAI-style error naming the fix.
"""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field

from rag.answering.citations import answer_text
from rag.core.errors import RagError
from rag.core.types import Answer
from rag.pipeline import Done, Pipeline, StatementReady

MODEL = "cited-rag"


class ChatMessage(BaseModel):
    role: str
    content: str | None = ""


class ChatRequest(BaseModel):
    model: str = MODEL
    messages: list[ChatMessage]
    stream: bool = False
    sources: list[str] | None = None
    top: int | None = None
    since: str | None = None
    until: str | None = None
    max_tokens: int | None = Field(None, description="accepted for compatibility; answers are bounded by settings")
    temperature: float | None = None


def conversation(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """The question (the last user message) and the earlier (question, answer) turns."""
    if not messages or messages[-1].role != "user" or not (messages[-1].content or "").strip():
        raise ValueError("The last message must be the user's question (role 'user', non-empty content).")
    turns: list[tuple[str, str]] = []
    pending: str | None = None
    for m in messages[:-1]:
        if m.role == "user":
            pending = m.content or ""
        elif m.role == "assistant" and pending is not None:
            turns.append((pending, m.content or ""))
            pending = None
    return messages[-1].content or "", turns


def citation_annotations(a: Answer) -> list[dict[str, Any]]:
    """One `url_citation` per citation of every statement, indexed into the answer text."""
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
                        "url": c.url or f"file:{c.source}#{c.start}-{c.end}",
                        "title": c.title,
                        "source": c.source,
                        "start": c.start,
                        "end": c.end,
                        "quote": c.quote,
                        "verified": c.verified,
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


def _chunk(cid: str, delta: dict[str, Any], finish: str | None = None) -> str:
    body = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def stream_chunks(pipe: Pipeline, req: ChatRequest, cid: str) -> Iterator[str]:
    """Server-sent events: the role, each statement as it is verified, then the final answer."""
    question, turns = conversation(req.messages)
    yield _chunk(cid, {"role": "assistant", "content": ""})
    shown: list[Any] = []
    sent = ""  # the answer text streamed so far: each statement adds its sentence and [n] markers
    try:
        events = pipe.stream(
            question, sources=req.sources, top=req.top, history=turns, since=req.since, until=req.until
        )
        for event in events:
            if isinstance(event, StatementReady):
                shown.append(event.statement)
                text, _ = answer_text(shown)
                yield _chunk(cid, {"content": text[len(sent) :]})
                sent = text
            elif isinstance(event, Done):
                a = event.answer
                final: dict[str, Any] = {"annotations": citation_annotations(a), "cited_rag": a.to_dict()}
                if not shown:
                    final["content"] = a.text
                yield _chunk(cid, final, "stop")
    except RagError as exc:
        yield _chunk(cid, {"content": f"Error: {exc}"}, "stop")
    yield "data: [DONE]\n\n"


def create_app(pipe: Pipeline) -> Any:
    """The FastAPI app serving `pipe`; one question is answered at a time (one model)."""
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse, StreamingResponse

    app = FastAPI(title="cited-rag", version="1")
    lock = threading.Lock()

    def error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
        return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)

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
            req = ChatRequest.model_validate(await request.json())
            question, turns = conversation(req.messages)
        except (ValueError, json.JSONDecodeError) as exc:
            return error(400, f"Bad request: {exc}. Send {{'model': 'cited-rag', 'messages': [...]}}.")
        if req.model != MODEL:
            return error(404, f"No model {req.model!r}: this server answers as {MODEL!r}.", "model_not_found")
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if req.stream:

            def locked() -> Iterator[str]:
                with lock:
                    yield from stream_chunks(pipe, req, cid)

            return StreamingResponse(locked(), media_type="text/event-stream")
        from starlette.concurrency import run_in_threadpool

        def answer() -> Answer:
            with lock:
                return pipe.ask(
                    question, sources=req.sources, top=req.top, history=turns, since=req.since, until=req.until
                )

        try:
            a = await run_in_threadpool(answer)
        except RagError as exc:
            return error(400, str(exc))
        return completion(a, cid)

    return app


def serve(pipe: Pipeline, *, host: str, port: int) -> None:
    """Run the app with uvicorn until interrupted."""
    import uvicorn

    pipe.ensure_index()
    pipe.warm_up()  # before listening: /health answers once a question would not wait for loading
    uvicorn.run(create_app(pipe), host=host, port=port, log_level="warning")
