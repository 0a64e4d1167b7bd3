"""One line per request for `rag serve` and `rag chat`: when (UTC), what, status, seconds.

A question's text is private to whoever asked it: it is written only when the operator asks for
it (`--log-questions`, `RAG_LOG_QUESTIONS`), never by default. Keys and logins are never written.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone


def request_line(
    what: str, status: int | str, seconds: float, *, question: str | None = None, at: datetime | None = None
) -> str:
    """`2026-11-30T09:12:03Z POST /v1/chat/completions 200 2.41 s`, and the question as a JSON
    string after it when one is given (the caller passes it only with `--log-questions`).

    Args:
        what: the request ("POST /v1/chat/completions", "chat question").
        status: the HTTP status, or the chat's outcome ("answered", "abstained", "error", "refused").
        seconds: from the request's arrival to its last byte (or the answer shown), in seconds.
        question: the question's text, or None to leave it out.
        at: when the request arrived (default: now), written in UTC to the second.
    """
    when = (at or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    line = f"{when} {what} {status} {seconds:.2f} s"
    return f"{line} {json.dumps(question, ensure_ascii=False)}" if question is not None else line


def log_request(
    what: str, status: int | str, seconds: float, *, question: str | None = None, at: datetime | None = None
) -> None:
    """Print `request_line` on stdout at once (a server's output is often a pipe, which buffers)."""
    print(request_line(what, status, seconds, question=question, at=at), file=sys.stdout, flush=True)


def ready_line(what: str, url: str, extra: str = "") -> str:
    """What a server prints once it answers: `rag serve ready on http://127.0.0.1:8000/v1 …`."""
    return f"{what} ready on {url}" + (f" ({extra})" if extra else "")
