"""The chat in a real headless Chromium (Debian's, driven by Playwright), served on loopback.

The app runs in a subprocess (tests/ui_server.py) with the fake embedder and a scripted
generator; the last test runs one question against the real model. Screenshots go to
test-output/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import chat_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chat_server(tmp_path_factory.mktemp("ui")) as (url, _, _):
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert Path(CHROMIUM).exists(), "Chromium is missing: run `scripts/setup.sh --test` (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _ask(page, question: str) -> str:
    before = page.locator("#chat .answer").count()
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(
        "(n) => { const all = [...document.querySelectorAll('#chat .answer')]; const a = all.pop();"
        " return all.length >= n && a && !a.querySelector('.progress') && (a.querySelector('.sources') || a.classList.contains('abstained')); }",
        arg=before,
        timeout=180_000,
    )
    return page.locator("#chat .answer").last.inner_text()


def test_ask_open_citation_and_upload(server: str, browser) -> None:
    OUT.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    text = _ask(page, "How many doctors remained inside according to SAMS?")
    assert "30 doctors" in text
    answer = page.locator("#chat .answer").last
    assert answer.locator("p a.cite").count() >= 1
    quote = answer.locator(".sources .quote").first.inner_text()

    answer.locator("p a.cite").first.click()
    page.wait_for_selector("#source-panel mark#cite-mark", timeout=10_000)
    assert page.inner_text("#source-panel mark#cite-mark") == quote
    panel = page.inner_text("#source-panel")
    assert "characters" in panel and "corpus/" in panel
    page.wait_for_timeout(500)  # let the passage scroll into view
    in_view = page.evaluate(
        "() => { const m = document.getElementById('cite-mark').getBoundingClientRect();"
        " const p = document.querySelector('#source-panel .article-text').getBoundingClientRect();"
        " return m.top >= p.top - 1 && m.bottom <= p.bottom + 1; }"
    )
    assert in_view, "the highlighted passage is scrolled into view"
    page.screenshot(path=str(OUT / "chat-citation.png"), full_page=True)

    # Upload a new article, then ask about it.
    new = OUT / "zarqa_water.txt"
    new.write_text(
        "Water plant repaired\n\nFourteen engineers repaired the Qasr al-Nil pumping station in Zarqa on Tuesday.\n"
    )
    page.locator("#articles-panel").get_by_text("Articles", exact=True).first.click()
    page.set_input_files("#upload input[type=file]", str(new))
    page.wait_for_timeout(1000)
    page.click("#add-articles")
    page.wait_for_function(
        "() => document.querySelector('#upload-status textarea').value.includes('Added')", timeout=60_000
    )
    assert "zarqa_water.txt" in page.input_value("#upload-status textarea")
    assert page.locator("#article-filter label", has_text="Water plant repaired").count() == 1
    text = _ask(page, "Who repaired the Qasr al-Nil pumping station in Zarqa?")
    assert "Fourteen engineers repaired the Qasr al-Nil pumping station" in text
    assert "corpus/zarqa_water.txt" in text
    page.screenshot(path=str(OUT / "chat-upload.png"), full_page=True)

    # An empty question is a readable error, and the app keeps working.
    page.fill("#question textarea", "   ")
    page.click("#ask")
    page.wait_for_selector("#chat .error", timeout=30_000)
    assert "empty" in page.locator("#chat .error").last.inner_text()
    page.click("#new-chat")
    page.wait_for_function("() => document.querySelectorAll('#chat .answer').length === 0", timeout=10_000)
    page.close()


def test_a_request_that_names_another_host_is_refused(server: str) -> None:
    """DNS rebinding: a page on evil.example whose name points at 127.0.0.1 sends `Host:
    evil.example`; the chat on loopback answers only requests for this machine."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(server)
    statuses = {}
    for host in (f"127.0.0.1:{parts.port}", f"localhost:{parts.port}", f"evil.example:{parts.port}"):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("GET", "/", headers={"Host": host})
        response = conn.getresponse()
        statuses[host.partition(":")[0]] = (response.status, response.read().decode("utf-8", "replace"))
        conn.close()
    assert statuses["127.0.0.1"][0] == 200 and statuses["localhost"][0] == 200
    status, body = statuses["evil.example"]
    assert status == 403 and "127.0.0.1" in body and "rag chat --host" in body


def test_false_premise_is_named_and_a_bad_date_filter_is_explained(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    text = _ask(page, "How many doctors remain in Homs?")
    assert "The articles do not report anything about “Homs”." in text
    related = page.locator("#chat .answer").last.locator(".related")
    assert "Related, not an answer" in related.inner_text() and related.locator("a.cite").count() >= 1
    page.screenshot(path=str(OUT / "chat-false-premise.png"), full_page=True)

    page.locator("#articles-panel").get_by_text("Articles", exact=True).first.click()
    page.fill("#date-since input", "October 1")
    page.fill("#question textarea", "How many doctors remained inside according to SAMS?")
    page.click("#ask")
    page.wait_for_selector("#chat .error", timeout=30_000)
    assert "YYYY-MM-DD" in page.locator("#chat .error").last.inner_text()
    page.fill("#date-since input", "2016-10-01")
    text = _ask(page, "How many barrel bombs hit the M10 hospital?")
    assert "2016-10-02" in text, "only the dated article answers"
    page.close()


def test_two_clients_at_once_get_their_own_answers(server: str, browser) -> None:
    questions = {
        "How many doctors remained inside according to SAMS?": "30 doctors",
        "What did Maria Zakharova warn the US against?": "Zakharova",
    }
    results: dict[str, str] = {}
    pages = {q: browser.new_context().new_page() for q in questions}
    for q, page in pages.items():
        page.goto(server)
        page.fill("#question textarea", q)
    # Both questions are sent before either answer arrives.
    for page in pages.values():
        page.click("#ask")
    for q, page in pages.items():
        page.wait_for_function(
            "() => { const a = [...document.querySelectorAll('#chat .answer')].pop(); return a && a.querySelector('.sources'); }",
            timeout=120_000,
        )
        results[q] = page.inner_text("#chat")
    for q, expected in questions.items():
        assert expected in results[q]
        other = next(x for x in questions if x != q)
        assert other not in results[q], "each client sees only its own conversation"
    for page in pages.values():
        page.context.close()


def test_markup_in_articles_and_file_names_is_shown_as_text(tmp_path: Path, browser, robustness) -> None:
    article = (ROOT / "tests" / "data" / "injected" / "07_html_script.txt").read_bytes()
    name = "<img src=x onerror=window.__pwned=1>.txt"
    with chat_server(tmp_path, files={name: article}) as (url, _, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url)
        text = _ask(page, "What did a local council member say about schools damaged in the strikes?")
        assert "<i>three</i>" in text and "onerror" in text  # the markup is there, as text
        page.locator("#chat .answer").last.locator("p a.cite").first.click()
        page.wait_for_selector("#source-panel mark#cite-mark", timeout=10_000)
        panel = page.inner_text("#source-panel")
        assert "<script>document.title='pwned'" in panel and name in panel
        page.locator("#articles-panel").get_by_text("Articles", exact=True).first.click()
        listed = page.locator("#article-filter label", has_text="<script>")
        listed.first.wait_for(timeout=10_000)  # the panel renders its content when opened
        assert listed.count() == 1
        ran = page.evaluate(
            "() => ({pwned: window.__pwned === true || window.__pwned === 1, title: document.title,"
            " imgs: document.querySelectorAll('#chat img[src=x], #source-panel img[src=x], #article-filter img[src=x]').length,"
            " italics: document.querySelectorAll('#chat .answer i, #source-panel i').length})"
        )
        OUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUT / "chat-markup-as-text.png"), full_page=True)
        page.close()
    assert ran == {"pwned": False, "title": ran["title"], "imgs": 0, "italics": 0} and ran["title"] != "pwned"
    assert dialogs == []
    robustness.add(
        "Injected articles (browser)",
        "<script>, <img onerror> and <i> in an article's title and text, and in its file name",
        "shown as text in the answer, the citation list, the article panel and the article filter; no script ran, "
        "no element was created",
    )


@pytest.mark.real
def test_real_model_answers_in_the_browser(tmp_path: Path, browser) -> None:
    with chat_server(tmp_path, "--real") as (url, _, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        text = _ask(page, "How many doctors remain in eastern Aleppo?")
        assert "30" in text
        answer = page.locator("#chat .answer").last
        quote = answer.locator(".sources .quote").first.inner_text()
        answer.locator("p a.cite").first.click()
        page.wait_for_selector("#source-panel mark#cite-mark", timeout=10_000)
        assert page.inner_text("#source-panel mark#cite-mark") == quote
        page.wait_for_timeout(600)  # let the passage scroll into view
        OUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUT / "chat-real-model.png"), full_page=True)
        # The direct answer in bold above its evidence, its words marked in the quote.
        assert answer.locator("p.direct strong").count() == 1
        assert "30" in answer.locator(".sources mark.answer-words").first.inner_text()
        # A summary: a list of the articles' own sentences, several articles, composed without the model.
        _ask(page, "Summarize what happened to the hospitals in Aleppo.")
        summary = page.locator("#chat .answer").last
        assert summary.locator("ul.form-summary li").count() >= 3
        page.screenshot(path=str(OUT / "chat-real-summary.png"), full_page=True)
        # Each other form as the chat shows it (issue 24): a dated list in date order, sides grouped
        # under their names, "Yes"/"No" in bold above its evidence, a list's items each cited.
        _ask(
            page,
            "Give me a timeline of the battle for Aleppo, from the start of Syria's war to the government offensive.",
        )
        timeline = page.locator("#chat .answer").last
        labels = timeline.locator("ul.form-timeline li strong.label").all_inner_texts()
        assert len(labels) >= 2 and labels[0] == "March 2011"
        timeline.locator("ul.form-timeline").scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "chat-real-timeline.png"), full_page=True)
        _ask(
            page,
            "Compare the civilian death tolls reported for the rebel-held and the government-held parts of Aleppo.",
        )
        comparison = page.locator("#chat .answer").last.locator(".form-comparison")
        sides = comparison.locator(".side-name").all_inner_texts()
        assert len(sides) >= 2 and len(set(sides)) == len(sides)
        comparison.scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "chat-real-comparison.png"), full_page=True)
        _ask(page, "Was the M10 hospital hit by barrel bombs?")
        direct = page.locator("#chat .answer").last.locator("p.direct strong")
        assert direct.inner_text() == "Yes"
        direct.scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "chat-real-yes-no.png"), full_page=True)
        _ask(page, "Which Aleppo hospitals do the articles name as having been bombed?")
        listed = page.locator("#chat .answer").last
        assert "M10" in listed.inner_text() and listed.locator("p a.cite").count() >= 1
        listed.locator("p").first.scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "chat-real-list.png"), full_page=True)
        page.close()


def _login(browser, url: str, name: str, password: str):
    """A fresh browser context (its own cookies) at the login page; returns the page after Login."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(url)
    page.fill("input[data-testid=textbox]", name)
    page.fill("input[type=password]", password)
    page.get_by_role("button", name="Login").click()
    return page


def test_login_roles_and_a_logged_upload(tmp_path: Path, browser, robustness) -> None:
    """Users from a users file: a wrong password is refused; a reader asks but sees no upload; an
    editor's upload is indexed, answered from and shown in the upload log with name and hash."""
    import hashlib

    from rag.core.access import add_user, remove_user

    users = tmp_path / "users.json"
    add_user(users, "ana", "editor-password", "editor")
    add_user(users, "ben", "reader-password", "reader")
    with chat_server(tmp_path, "--users", str(users)) as (url, _, root):
        page = _login(browser, url, "ben", "not-his-password")
        page.get_by_text("Incorrect", exact=False).first.wait_for(timeout=20_000)
        assert page.locator("#question").count() == 0, "no chat without the right password"
        page.context.close()

        page = _login(browser, url, "ben", "reader-password")
        page.wait_for_selector("#question textarea", timeout=30_000)
        assert "30 doctors" in _ask(page, "How many doctors remained inside according to SAMS?")
        page.locator("#articles-panel").get_by_text("Articles", exact=True).first.click()
        page.wait_for_selector("#upload-log", timeout=10_000)
        assert "for editors" in page.inner_text("#upload-log")
        assert not page.locator("#upload").is_visible() and not page.locator("#add-articles").is_visible()
        remove_user(users, "ben")  # his page stays open and logged in: its next question is refused
        page.fill("#question textarea", "How many hospitals are there?")
        page.click("#ask")
        page.get_by_text("This login no longer exists", exact=False).first.wait_for(timeout=20_000)
        page.context.close()

        page = _login(browser, url, "ana", "editor-password")
        page.wait_for_selector("#question textarea", timeout=30_000)
        page.locator("#articles-panel").get_by_text("Articles", exact=True).first.click()
        page.wait_for_selector("#upload input[type=file]", state="attached", timeout=20_000)
        new = tmp_path / "zarqa_water.txt"
        new.write_text(
            "Water plant repaired\n\nFourteen engineers repaired the Qasr al-Nil pumping station in Zarqa on Tuesday.\n"
        )
        page.set_input_files("#upload input[type=file]", str(new))
        page.wait_for_timeout(1000)
        page.click("#add-articles")
        page.wait_for_function(
            "() => document.querySelector('#upload-status textarea').value.includes('Added')", timeout=60_000
        )
        digest = hashlib.sha256(new.read_bytes()).hexdigest()
        log_text = page.inner_text("#upload-log")
        assert "ana" in log_text and "zarqa_water.txt" in log_text and digest[:12] in log_text
        text = _ask(page, "Who repaired the Qasr al-Nil pumping station in Zarqa?")
        assert "corpus/zarqa_water.txt" in text
        OUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUT / "chat-editor-upload.png"), full_page=True)
        page.context.close()
    logged = [json.loads(line) for line in (root / "uploads.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["who"], e["saved"], e["sha256"], e["outcome"]) for e in logged] == [
        ("ana", "zarqa_water.txt", digest, "added")
    ]
    robustness.add(
        "Serving a team (chat, browser)",
        "a wrong password; a reader, then removed; an editor's upload",
        "refused at the login page; the reader asks and sees no upload, and once removed his open page's next "
        "question is refused; the editor's article is indexed, "
        "cited, and logged (who, when, name, SHA-256) in the Articles panel and uploads.jsonl",
    )
