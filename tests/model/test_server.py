"""The model in its own process (RAG_LLM_SERVE=1), killed mid-answer under the real chat.

The chat (tests/ui_server.py --real, the bundled 0.5B model) starts and supervises the model
server; the test kills that process with SIGKILL while an answer is being written. The page
must show an error for that question, the chat must stay up, and the next question must be
answered by a model server the chat started again.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import chat_server

pytestmark = [pytest.mark.real, pytest.mark.browser, pytest.mark.faults]

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output"


def _model_servers(parent: int) -> list[int]:
    """The pids of `rag.model.server` processes whose parent is `parent`."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ")
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"rag.model.server" in cmd:
            found.append(int(d.name))
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _ask(page, question: str) -> None:
    page.fill("#question textarea", question)
    page.click("#ask")


def _answered(page, n: int) -> str:
    page.wait_for_function(
        "(n) => { const a = [...document.querySelectorAll('#chat .answer')]; const last = a.pop();"
        " return a.length >= n && last && !last.querySelector('.progress') && (last.querySelector('.sources') || last.classList.contains('abstained')); }",
        arg=n,
        timeout=300_000,
    )
    return page.locator("#chat .answer").last.inner_text()


def test_killing_the_model_mid_answer_ends_that_answer_only(
    tmp_path: Path, browser, robustness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_LLM_SERVE", "1")
    monkeypatch.setenv("RAG_LLM_MODEL", "fast")
    with chat_server(tmp_path, "--real") as (url, proc, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        _ask(page, "Who is the president of MSF?")
        assert "Joanne Liu" in _answered(page, 0)
        (first,) = _model_servers(proc.pid)

        _ask(page, "How many people live under government siege in east Aleppo?")
        page.wait_for_function(
            "() => { const p = [...document.querySelectorAll('#chat .answer .progress')].pop();"
            " return p && p.innerText.startsWith('Writing the answer…'); }",
            timeout=120_000,
        )
        os.kill(first, signal.SIGKILL)
        page.wait_for_selector("#chat .error", timeout=120_000)
        error = page.locator("#chat .error").last.inner_text()
        assert "model process stopped" in error and "ask again" in error, error
        assert proc.poll() is None, "the chat is still up"

        _ask(page, "How many doctors remain in eastern Aleppo?")
        assert "30" in _answered(page, 1)
        (second,) = _model_servers(proc.pid)
        assert second != first
        OUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUT / "chat-model-killed.png"), full_page=True)
        page.close()
    robustness.add(
        "Faults: the model process dies",
        "SIGKILL to the model server while an answer is written (chat with RAG_LLM_SERVE=1, real 0.5B model)",
        f"the page showed “{error[:120]}…”; the chat stayed up; the next question was answered by a "
        "model server it started again",
    )
