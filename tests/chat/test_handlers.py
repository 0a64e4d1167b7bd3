"""What the chat's controls do (ui/handlers.py) for a team: fair use per session, uploads by role,
every upload logged, and upload names that try to leave the corpus folder."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from fakes import source_ids

from rag.core.access import add_user
from rag.core.limits import FairUse
from ui import handlers
from ui.logins import decide, open_locally

QUESTION = "How many doctors remain in eastern Aleppo?"
ZARQA = "Water plant repaired\n\nFourteen engineers repaired the Qasr al-Nil pumping station in Zarqa on Tuesday.\n"


def _reply(messages) -> str:
    return json.dumps(
        {"statements": [{"sources": source_ids(messages, "30 doctors"), "text": "Only about 30 doctors remain."}]}
    )


def _last(pipe, question: str, *, client: str, fair: FairUse) -> str:
    out = list(handlers.respond(pipe, question, [], [], "default", 5, [], client=client, fair=fair))
    return out[-1][0][-1]["content"]


def test_a_session_over_its_minute_gets_a_plain_message(make_pipeline, robustness) -> None:
    pipe, gen = make_pipeline(_reply)
    pipe.index()
    fair = FairUse(per_minute=2, queued=4, wait_s=30)
    shown = []
    for _ in range(5):  # bounded: the limit is 2 a minute
        shown.append(_last(pipe, QUESTION, client="session-a", fair=fair))
        if "error" in shown[-1]:
            break
    assert len(shown) == 3 and all("30 doctors" in s for s in shown[:2])
    assert '<div class="error">' in shown[2] and "Too many questions: 2 in the last minute" in shown[2]
    assert len([p for p in gen.prompts if QUESTION in p[-1]["content"]]) == 2, (
        "the refused question never reached the model"
    )
    assert "30 doctors" in _last(pipe, QUESTION, client="session-b", fair=fair), "another session is answered"
    assert fair.waiting("session-a") == 0 and not fair.model.locked()
    robustness.add(
        "Serving a team (chat)",
        "a 3rd question in a minute from one session (limit 2)",
        "a plain message in the chat: “Too many questions: 2 in the last minute …; ask again in N s.”; the model not asked",
    )


def test_a_question_waiting_too_long_is_dropped_with_a_message(make_pipeline) -> None:
    pipe, _ = make_pipeline(_reply)
    pipe.index()
    fair = FairUse(per_minute=10, queued=4, wait_s=0.2)
    assert fair.model.acquire()  # another question holds the model for the whole test
    try:
        out = list(handlers.respond(pipe, QUESTION, [], [], "default", 5, [], client="s", fair=fair))
    finally:
        fair.model.release()
    last = out[-1][0][-1]["content"]
    assert "RAG_QUEUE_WAIT_S" in last and "dropped" in last and out[-1][2] == QUESTION, "the question given back"
    assert fair.waiting("s") == 0


class Sent:
    """A file as Gradio hands it over: where it was stored, and the name the browser sent."""

    def __init__(self, path: Path, orig_name: str) -> None:
        self.name, self.orig_name = str(path), orig_name


def test_uploads_by_role_all_logged_and_kept_inside_the_corpus(make_pipeline, tmp_path, robustness) -> None:
    pipe, _ = make_pipeline(_reply)
    pipe.index()
    s = pipe.settings
    add_user(s.resolve(s.users_file), "ana", "password-ana", "editor")
    add_user(s.resolve(s.users_file), "ben", "password-ben", "reader")
    access = decide(s, "0.0.0.0", no_auth=False)
    stored = tmp_path / "gradio-upload.bin"
    stored.write_text(ZARQA, encoding="utf-8")
    digest = hashlib.sha256(ZARQA.encode()).hexdigest()
    before = sorted(p.name for p in s.corpus_path.iterdir())

    status, _, panel = handlers.upload(
        pipe, [Sent(stored, "zarqa.txt")], lambda *a, **k: None, username="ben", access=access
    )
    assert "for editors" in status and sorted(p.name for p in s.corpus_path.iterdir()) == before

    sent = [Sent(stored, "../../etc/cron.d/evil.txt"), Sent(stored, "/etc/passwd.txt"), Sent(stored, "run.sh")]
    status, _, panel = handlers.upload(
        pipe, sent, lambda *a, **k: None, username="ana", access=access, fair=FairUse.from_settings(s)
    )
    assert "Added 2 file(s): evil.txt, passwd.txt" in status and "only .txt and .md" in status
    assert sorted(p.name for p in s.corpus_path.iterdir()) == sorted([*before, "evil.txt", "passwd.txt"])
    assert not list(tmp_path.rglob("cron.d")) and {"corpus/evil.txt", "corpus/passwd.txt"} <= set(pipe.documents())

    log = [json.loads(line) for line in s.resolve(s.upload_log).read_text(encoding="utf-8").splitlines()]
    assert [(e["who"], e["sent"], e["saved"], e["outcome"][:7]) for e in log] == [
        ("ben", "zarqa.txt", "", "refused"),
        ("ana", "../../etc/cron.d/evil.txt", "evil.txt", "added"),
        ("ana", "/etc/passwd.txt", "passwd.txt", "added"),
        ("ana", "run.sh", "", "refused"),
    ]
    assert all(e["sha256"] == digest for e in log) and all(e["when"].endswith("+00:00") for e in log)
    assert panel.index("run.sh") < panel.index("passwd.txt") < panel.index("evil.txt"), "newest first"
    assert digest[:12] in panel and "ana" in panel
    assert handlers.upload_note(access, "ben").startswith("Adding articles is for editors")
    assert handlers.upload_note(access, "ana") == ""
    robustness.add(
        "Serving a team (chat)",
        "a reader's upload; an editor's with `../` and absolute names",
        "the reader's refused and logged, nothing saved; the editor's saved as corpus/evil.txt and corpus/passwd.txt, indexed; every file logged with who, when (UTC), name and SHA-256",
    )


def test_without_login_on_this_machine_everyone_may_upload(make_pipeline, tmp_path) -> None:
    pipe, _ = make_pipeline(_reply)
    stored = tmp_path / "up.bin"
    stored.write_text(ZARQA, encoding="utf-8")
    access = open_locally()
    status, _, panel = handlers.upload(pipe, [Sent(stored, "zarqa.txt")], lambda *a, **k: None, access=access)
    assert "Added 1 file(s): zarqa.txt" in status and "local user (no login)" in panel


def test_uploads_and_answers_take_turns_on_the_model(make_pipeline, tmp_path) -> None:
    """An upload waits while a question holds the model (it indexes after the answer)."""
    pipe, _ = make_pipeline(_reply)
    pipe.index()
    fair = FairUse.from_settings(pipe.settings)
    stored = tmp_path / "up.bin"
    stored.write_text(ZARQA, encoding="utf-8")
    assert fair.model.acquire()
    done = threading.Event()
    t = threading.Thread(
        target=lambda: (handlers.upload(pipe, [Sent(stored, "z.txt")], lambda *a, **k: None, fair=fair), done.set())
    )
    t.start()
    assert not done.wait(0.5), "the upload waits for the model"
    fair.model.release()
    t.join(60)
    assert done.is_set() and "corpus/z.txt" in pipe.documents()
