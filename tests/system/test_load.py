"""Load, run for real: eight chat users at once in separate browser contexts, and a user who
leaves mid-answer. The chat runs in its own process (tests/ui_server.py --slow: the fake
embedder and a scripted generator that writes like a slow model, 0.2 s per piece).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import chat_server

pytestmark = [pytest.mark.browser, pytest.mark.faults]

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

# Each question, and words only its own answer contains (the scripted model cites the best-matching sentence).
USERS = {
    "How many doctors remain in eastern Aleppo?": "30 doctors are believed to remain",
    "Which hospital in east Aleppo was hit by two barrel bombs?": "Two barrel bombs hit the M10 hospital",
    "Who is the president of MSF?": "Joanne Liu",
    "How many civilians were killed in 10 days of renewed fighting according to the Syrian Observatory?": "49 children",
    "How many doctors remained inside according to SAMS?": "only 30 doctors remained inside",
    "What did Maria Zakharova warn the US against?": "Zakharova",
    "Who threatened to cut off talks with Russia?": "threatened to cut off talks",
    "How many people live under government siege in east Aleppo?": "September 22",
}

_STATE = (
    "() => { const a = [...document.querySelectorAll('#chat .answer')].pop();"
    " if (!a) return 'queued'; if (a.querySelector('.progress')) return 'working';"
    " return (a.querySelector('.sources') || a.classList.contains('abstained')) ? 'done' : 'working'; }"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))], 2)


def test_eight_users_at_once_each_get_their_own_cited_answer(tmp_path: Path, browser, robustness) -> None:
    with chat_server(tmp_path, "--slow") as (url, proc, _):
        pages = {}
        for q in USERS:
            page = browser.new_context().new_page()
            page.goto(url)
            page.fill("#question textarea", q)
            pages[q] = page
        sent: dict[str, float] = {}
        for q, page in pages.items():  # all eight are sent before the first answer can arrive
            page.click("#ask")
            sent[q] = time.monotonic()
        started: dict[str, float] = {}
        done: dict[str, float] = {}
        deadline = time.monotonic() + 300
        while len(done) < len(pages) and time.monotonic() < deadline:
            for q, page in pages.items():
                if q in done:
                    continue
                state = page.evaluate(_STATE)
                now = time.monotonic()
                if state != "queued":
                    started.setdefault(q, now)
                if state == "done":
                    done[q] = now
            time.sleep(0.1)
        assert len(done) == len(pages), f"unanswered: {sorted(set(pages) - set(done))}"
        texts = {q: page.inner_text("#chat") for q, page in pages.items()}
        assert proc.poll() is None, "the chat is still up"
        OUT.mkdir(exist_ok=True)
        next(iter(pages.values())).screenshot(path=str(OUT / "chat-eight-users.png"), full_page=True)
        for page in pages.values():
            page.context.close()
    for q, expected in USERS.items():
        assert q in texts[q] and expected in texts[q], f"{q!r} got: {texts[q][:300]}"
        assert texts[q].count("Sources") <= 1 or texts[q].count(q) == 1
        for other, theirs in USERS.items():
            if other != q:
                assert other not in texts[q] and theirs not in texts[q], "an answer landed in another user's chat"
    waits = [started[q] - sent[q] for q in USERS]
    totals = [done[q] - sent[q] for q in USERS]
    figures = {
        "users": len(USERS),
        "queue_wait_s": {"p50": _pct(waits, 0.5), "p95": _pct(waits, 0.95), "max": round(max(waits), 2)},
        "total_s": {"p50": _pct(totals, 0.5), "p95": _pct(totals, 0.95), "max": round(max(totals), 2)},
        "answer_s_mean": round(statistics.mean(d - started[q] for q, d in done.items()), 2),
        "model": "scripted, 0.2 s per reply piece (tests/ui_server.py --slow); fake embedder",
    }
    (OUT / "load-chat.json").write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(figures))
    robustness.add(
        "Load",
        "8 chat users at once (separate browser contexts, different questions)",
        f"each got its own cited answer and nothing else; queue wait p50 {figures['queue_wait_s']['p50']} s, "
        f"p95 {figures['queue_wait_s']['p95']} s; total p50 {figures['total_s']['p50']} s, "
        f"p95 {figures['total_s']['p95']} s (one model, answers in turn); the chat stayed up",
    )


def test_a_user_who_leaves_mid_answer_frees_the_model(tmp_path: Path, browser, robustness) -> None:
    first, second = list(USERS)[:2]
    with chat_server(tmp_path, "--slow") as (url, proc, root):
        leaving = browser.new_context().new_page()
        leaving.goto(url)
        leaving.fill("#question textarea", first)
        leaving.click("#ask")
        leaving.wait_for_function(
            "() => ((document.querySelector('#chat .answer .progress') || {}).innerText || '').startsWith('Writing the answer…')",
            timeout=60_000,
        )
        leaving.wait_for_timeout(600)
        leaving.context.close()  # the user closes the page mid-answer
        staying = browser.new_context().new_page()
        staying.goto(url)
        staying.fill("#question textarea", second)
        staying.click("#ask")
        staying.wait_for_function(
            "() => { const a = [...document.querySelectorAll('#chat .answer')].pop(); return a && a.querySelector('.sources'); }",
            timeout=120_000,
        )
        assert USERS[second] in staying.inner_text("#chat")
        staying.context.close()
        events = [json.loads(line) for line in (root / "generator.log").read_text(encoding="utf-8").splitlines()]
        assert proc.poll() is None
    stopped = [e for e in events if e["event"] == "stopped" and e["question"] == first]
    finished = [e for e in events if e["event"] == "finished" and e["question"] == second]
    assert stopped and finished and stopped[0]["t"] < finished[0]["t"], events
    assert not [e for e in events if e["event"] == "finished" and e["question"] == first]
    robustness.add(
        "Load",
        "a user closes the page mid-answer",
        f"that answer stopped after {stopped[0]['pieces']} pieces; the next user's answer came after it; "
        "the chat stayed up",
    )


def test_eight_concurrent_requests_to_rag_serve(settings, robustness) -> None:
    """`rag serve` (its app under uvicorn on a free port) and eight clients at once, half streaming."""
    import threading

    import httpx
    import uvicorn
    from fakes import FakeEmbedder, ScriptedGenerator
    from openai import OpenAI
    from servers import free_port
    from ui_server import best_sentence_reply

    from rag.faces.serve import create_app
    from rag.pipeline import Pipeline

    # Eight users, each with a key of their own: fair use counts per key (4 questions queued a key).
    keys = [f"load-test-user-{i}-{'k' * 16}" for i in range(len(USERS))]
    pipe = Pipeline(settings, embedder=FakeEmbedder(), generator=ScriptedGenerator(best_sentence_reply))
    pipe.index()
    port = free_port()
    app = create_app(pipe, keys=keys)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    answers: dict[str, str] = {}
    seconds: dict[str, float] = {}
    errors: list[BaseException] = []

    def ask(question: str, stream: bool, key: str) -> None:
        client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=key, max_retries=0, timeout=120)
        t0 = time.monotonic()
        try:
            messages = [{"role": "user", "content": question}]
            if stream:
                parts = client.chat.completions.create(model="cited-rag", messages=messages, stream=True)
                answers[question] = "".join(c.choices[0].delta.content or "" for c in parts if c.choices)
            else:
                reply = client.chat.completions.create(model="cited-rag", messages=messages)
                answers[question] = reply.choices[0].message.content or ""
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        seconds[question] = time.monotonic() - t0

    try:
        threads = [threading.Thread(target=ask, args=(q, i % 2 == 0, keys[i])) for i, q in enumerate(USERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=180)
        health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert errors == [] and len(answers) == len(USERS)
    for q, expected in USERS.items():
        assert expected in answers[q], (q, answers[q])
        assert not [theirs for other, theirs in USERS.items() if other != q and theirs in answers[q]]
    assert health == 200
    times = list(seconds.values())
    figures = {"requests": len(USERS), "total_s": {"p50": _pct(times, 0.5), "p95": _pct(times, 0.95)}}
    OUT.mkdir(exist_ok=True)
    (OUT / "load-serve.json").write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    robustness.add(
        "Load",
        "8 concurrent requests to `rag serve` (official openai client, 4 streaming, 4 not)",
        f"each got its own cited answer; total p50 {figures['total_s']['p50']} s, p95 {figures['total_s']['p95']} s "
        "(one model, answers in turn); /health answered after",
    )
