from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakes import FakeEmbedder, ScriptedGenerator  # noqa: E402

from rag.core.settings import Settings  # noqa: E402
from rag.pipeline import Pipeline  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture
def seeds() -> Path:
    return SEEDS


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the bundled corpus inside a temporary project root."""
    dst = tmp_path / "corpus"
    shutil.copytree(SEEDS, dst)
    return dst


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    # The fake bag-of-words embedder puts similarities on its own scale: a band of its own. The
    # scripted replies are written statements; the quoted style's tests set it themselves.
    return Settings(
        answer_style="written",
        root=tmp_path,
        corpus_dir=corpus,
        index_dir=tmp_path / "index",
        lock_timeout_s=0.5,
        support_low=0.3,
        support_high=0.6,
    )


@pytest.fixture
def make_pipeline(settings: Settings):
    def make(replies, **overrides) -> tuple[Pipeline, ScriptedGenerator]:
        gen = ScriptedGenerator(replies)
        s = settings.model_copy(update=overrides) if overrides else settings
        return Pipeline(s, embedder=FakeEmbedder(), generator=gen), gen

    return make


# --- the robustness table (docs/robustness.md) ----------------------------------------------
# Tests of bad input, faults and load record one row per case: the group, the case, what
# happened. A row passes when its test passes (or by its own verdict, for tests that run many
# cases). With RAG_ROBUSTNESS_OUT set (scripts/test.sh sets docs/robustness.md), the rows of
# the run are written there as a Markdown table at the end of the session.

_ROWS: list[dict[str, object]] = []


class Rows:
    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid

    def add(self, group: str, case: str, happened: str, ok: bool | None = None) -> None:
        """One row; `ok=None` takes the verdict of the test that adds it."""
        _ROWS.append({"group": group, "case": case, "happened": happened, "ok": ok, "node": self.nodeid})


@pytest.fixture
def robustness(request: pytest.FixtureRequest) -> Rows:
    return Rows(request.node.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" or (report.when == "setup" and report.failed):
        for row in _ROWS:
            if row["node"] == item.nodeid and row["ok"] is None:
                row["ok"] = report.passed


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    import os

    out = os.environ.get("RAG_ROBUSTNESS_OUT")
    if not out or not _ROWS:
        return
    groups: dict[str, list[dict[str, object]]] = {}
    for row in _ROWS:
        groups.setdefault(str(row["group"]), []).append(row)
    passed = sum(bool(r["ok"]) for r in _ROWS)
    lines = [
        "# Robustness matrix",
        "",
        "Written by the test run (`scripts/test.sh` sets `RAG_ROBUSTNESS_OUT`); each row is a case the "
        "tests ran for real. Tests: `tests/system/test_robustness.py`, `tests/system/test_faults.py`.",
        "",
        f"{passed} of {len(_ROWS)} cases passed.",
    ]

    def cell(x: object) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    for group, rows in groups.items():
        lines += ["", f"## {group}", "", "| case | what happened | result |", "|---|---|---|"]
        for r in rows:
            lines.append(f"| {cell(r['case'])} | {cell(r['happened'])} | {'pass' if r['ok'] else 'FAIL'} |")
    Path(out).write_text("\n".join(lines) + "\n", encoding="utf-8")
