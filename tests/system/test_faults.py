"""Faults, run for real: `rag index` killed with SIGKILL at random moments, two indexers at once.

Each indexing run and each check is its own process (`tests/index_worker.py`): a check reopens
the store afresh, as Chroma's own persistence tests do.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.faults

WORKER = Path(__file__).resolve().parents[1] / "index_worker.py"
ROOT = Path(__file__).resolve().parents[2]
TRIALS = 20

_WORDS = [
    "Aleppo",
    "convoy",
    "hospital",
    "shelling",
    "ceasefire",
    "council",
    "residents",
    "water",
    "doctors",
    "aid",
    "siege",
    "district",
    "bombardment",
    "officials",
    "monitor",
    "rebels",
    "army",
    "talks",
    "Geneva",
    "statement",
    "workers",
    "fuel",
    "bread",
    "clinic",
]


def _article(rng: random.Random, n: int) -> str:
    sentences = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 16))).capitalize() + "." for _ in range(n)]
    return f"Dispatch {rng.randint(1, 10**6)}\n\n" + " ".join(sentences) + "\n"


def _mutate(corpus: Path, rng: random.Random) -> str:
    """Add, edit and delete synthetic articles (the bundled ones stay as they are)."""
    extra = corpus / "extra"
    extra.mkdir(exist_ok=True)
    have = sorted(extra.glob("*.txt"))
    gone = rng.sample(have, min(len(have), 3))
    for p in gone:
        p.unlink()
    edited = rng.sample([p for p in have if p not in gone], min(len(have) - len(gone), 6))
    for p in edited:
        p.write_text(_article(rng, rng.randint(4, 20)), encoding="utf-8")
    for _ in range(10):
        (extra / f"a{rng.randint(0, 10**9):09d}.txt").write_text(_article(rng, rng.randint(4, 20)), encoding="utf-8")
    return f"+10 ~{len(edited)} -{len(gone)}"


def _worker(*args: str, timeout: float = 120) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, str(WORKER), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _start_index(root: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), "index", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "go"  # the indexer starts now
    return proc


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(ROOT / "seeds", root / "corpus")
    return root


def test_indexing_killed_at_random_moments_keeps_a_consistent_index(tmp_path: Path, robustness) -> None:
    rng = random.Random(20261123)
    root = _project(tmp_path)
    _mutate(root / "corpus", rng)
    _mutate(root / "corpus", rng)
    proc = _start_index(root)
    out, _ = proc.communicate(timeout=120)
    full_s = json.loads(out.strip().splitlines()[-1])["seconds"]  # the indexer's own time, after "go"
    assert _worker("check", str(root))["answered"] is True
    mid_run = 0
    failures = []
    for trial in range(TRIALS):
        change = _mutate(root / "corpus", rng)
        proc = _start_index(root)
        delay = rng.uniform(0.0, full_s)
        time.sleep(delay)
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        mid_run += not finished
        after_kill = _worker("check", str(root))
        # The index as of the last commit: every listed chunk is there, the rest is pending, the
        # lexical index covers exactly the listed chunks, and a new process answers from it.
        kill_ok = (
            after_kill["missing"] == []
            and after_kill["unlisted_not_pending"] == []
            and after_kill["lexical_differs"] == 0
            and after_kill["retrieved_not_live"] == 0
            and after_kill["answered"] is True
            and after_kill["quotes_match"] is True
        )
        proc = _start_index(root)
        assert proc.wait(timeout=120) == 0
        done = _worker("check", str(root))
        done_ok = (
            done["pending"] == 0
            and done["missing"] == []
            and done["unlisted"] == 0
            and done["lexical_differs"] == 0
            and done["files_differ"] == []
            and done["answered"] is True
        )
        robustness.add(
            "Faults: `rag index` killed (SIGKILL)",
            f"trial {trial + 1}: {change}, killed after {delay:.2f} s" + (" (run had finished)" if finished else ""),
            f"after the kill: {after_kill['documents']} articles listed, {after_kill['pending']} pending, "
            f"{after_kill['unlisted']} unlisted chunks ignored, answered; next run: {done['documents']} "
            "articles, ids, manifest and lexical index agree",
            kill_ok and done_ok,
        )
        if not (kill_ok and done_ok):
            failures.append((trial, after_kill, done))
    assert failures == []
    assert mid_run >= TRIALS // 2  # most kills landed while the indexer was writing


def test_two_indexers_at_once_one_waits_and_nothing_is_corrupted(tmp_path: Path, robustness) -> None:
    rng = random.Random(7)
    root = _project(tmp_path)
    for _ in range(4):
        _mutate(root / "corpus", rng)
    # Both start together and reach the index at about the same moment.
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "index", str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    one, two = (json.loads(o.strip().splitlines()[-1]) for o, _ in outs)
    # One indexed everything; the other waited for the lock and then found nothing to do.
    assert sorted([one["chunks_added"] > 0, two["chunks_added"] > 0]) == [False, True]
    done = _worker("check", str(root))
    assert done["pending"] == 0 and done["missing"] == [] and done["unlisted"] == 0 and done["files_differ"] == []
    robustness.add(
        "Faults: concurrent indexing",
        "two `rag index` processes at once",
        "the second waited for the index lock, then found nothing to do; the index is consistent",
    )
