from __future__ import annotations

from datetime import datetime, timedelta, timezone

from rag.core.requestlog import ready_line, request_line


def test_a_request_line_has_time_what_status_and_seconds_and_the_question_only_when_given() -> None:
    at = datetime(2026, 11, 30, 10, 12, 3, tzinfo=timezone(timedelta(hours=1)))
    assert request_line("POST /v1/chat/completions", 200, 2.414, at=at) == (
        "2026-11-30T09:12:03Z POST /v1/chat/completions 200 2.41 s"
    )
    assert request_line("chat question", "abstained", 0.5, question="Wer ist “X”?", at=at) == (
        '2026-11-30T09:12:03Z chat question abstained 0.50 s "Wer ist “X”?"'
    )
    assert ready_line("rag serve", "http://127.0.0.1:8000/v1") == "rag serve ready on http://127.0.0.1:8000/v1"
