"""The door of `rag serve`: web origins, API keys and body size, checked before a request reaches
the app, each refusal in OpenAI's error shape (`{"error": {"message", "type", "param", "code"}}`).

Order, outermost first: CORS (Starlette's middleware, only when origins are listed: it answers the
browser's preflight) → `Gate` (on loopback, a `Host` that is not this machine → 403; a foreign
`Origin` → 403; `/health` open; otherwise a missing or
wrong key → 401 `invalid_api_key`; a `Content-Length` over the limit → 413) → the app, which
reads a body without a length (chunked) up to the limit (`read_body`). A key is never logged: the
client is known by its `key_id` (`request.state.client`), or by its address when no keys are set.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from rag.core.access import KeyRing, loopback_name, printable, request_headers
from rag.core.errors import FairUseError

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
OPEN_PATHS = frozenset({"/health"})


class Refusal(ValueError):
    """A refused request: status, a message naming the fix, OpenAI's `type` and `code`, headers."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None,
        kind: str = "invalid_request_error",
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.kind, self.param = status, code, kind, param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """`{"error": {"message", "type", "param", "code"}}`."""
        return {"error": {"message": str(self), "type": self.kind, "param": self.param, "code": self.code}}

    def response(self) -> Any:
        from fastapi.responses import JSONResponse

        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def no_key(present: bool) -> Refusal:
    """401 `invalid_api_key`: no key, or not one of the server's (which key was sent is not repeated)."""
    said = "The API key sent is not one this server accepts" if present else "No API key was sent"
    return Refusal(
        f"{said}: send `Authorization: Bearer KEY` with a key the server was started with "
        "(`rag serve --api-key KEY` or RAG_SERVE_API_KEYS).",
        status=401,
        code="invalid_api_key",
        headers={"WWW-Authenticate": "Bearer"},
    )


def too_large(limit: int) -> Refusal:
    return Refusal(
        f"The request body is over the {limit}-byte limit (RAG_MAX_REQUEST_BYTES): send a shorter conversation.",
        status=413,
        code="request_too_large",
    )


def foreign_origin(origin: str) -> Refusal:
    shown = printable(origin)
    return Refusal(
        f"Requests from web pages at {shown!r} are not accepted: start the server with `--cors-origin {shown}` "
        "(or RAG_CORS_ORIGINS) to allow that page.",
        status=403,
        code="origin_not_allowed",
    )


def foreign_host(host: str) -> Refusal:
    shown = printable(host)
    return Refusal(
        f"This server listens on this machine only and answers requests for localhost or 127.0.0.1, not "
        f"{shown!r} (a web page that renamed this machine would be one): connect to http://127.0.0.1:PORT, "
        "or serve other machines with `rag serve --host ADDRESS --api-key KEY`.",
        status=403,
        code="host_not_allowed",
    )


def from_fair_use(exc: FairUseError) -> Refusal:
    """429 (rate, queue) or 503 (waited too long for the model), with `Retry-After`."""
    status = 503 if exc.code == "queue_timeout" else 429
    return Refusal(
        str(exc),
        status=status,
        code=exc.code,
        kind="requests" if status == 429 else "server_error",
        headers={"Retry-After": str(exc.retry_after)},
    )


def split_list(value: str, extra: list[str] | tuple[str, ...] = ()) -> tuple[str, ...]:
    """Comma-separated values and repeated options, stripped, in order, without repeats."""
    return tuple(dict.fromkeys(x for x in [*(v.strip() for v in value.split(",")), *extra] if x))


class Gate:
    """The pure ASGI middleware that checks origin, key and declared body size."""

    def __init__(
        self, app: Any, *, keys: KeyRing, origins: tuple[str, ...], max_body: int, loopback: bool = False
    ) -> None:
        self.app, self.keys, self.origins, self.max_body = app, keys, frozenset(origins), max_body
        self.loopback = loopback

    def check(self, scope: Scope) -> Refusal | str:
        """The refusal, or the client's name: its key id, else its address."""
        headers = request_headers(scope)
        if self.loopback and not loopback_name(headers.get("host", "")):
            return foreign_host(headers.get("host", ""))
        origin = headers.get("origin")
        if origin is not None and origin not in self.origins:
            return foreign_origin(origin)
        client = f"address-{(scope.get('client') or ('unknown', 0))[0]}"
        if self.keys and scope.get("path") not in OPEN_PATHS:
            scheme, _, presented = headers.get("authorization", "").partition(" ")
            found = self.keys.match(presented.strip()) if scheme.lower() == "bearer" and presented else None
            if found is None:
                return no_key(bool(presented))
            client = found
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            return too_large(self.max_body)
        return client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        verdict = self.check(scope)
        if isinstance(verdict, Refusal):
            await verdict.response()(scope, receive, send)
            return
        scope.setdefault("state", {})["client"] = verdict
        await self.app(scope, receive, send)


async def read_body(request: Any, limit: int) -> bytes:
    """The request body, read in pieces and refused (413) as soon as it passes `limit` bytes."""
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > limit:
            raise too_large(limit)
    return bytes(body)


def guard(app: Any, *, keys: KeyRing, origins: tuple[str, ...], max_body: int, loopback: bool = False) -> None:
    """Put the gate, and CORS for the listed origins, in front of a FastAPI `app`; with `loopback`
    (the server listens on this machine only) a request must name this machine in its `Host`:
    a page whose own name was made to point here (DNS rebinding) is refused even where the browser
    sends no `Origin` (a GET)."""
    app.add_middleware(Gate, keys=keys, origins=origins, max_body=max_body, loopback=loopback)
    if origins:  # added last = outermost: the preflight of a listed origin is answered before the gate
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type"],
            max_age=600,
        )
