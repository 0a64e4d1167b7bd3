"""The first question of a process gets the answer the same question gets later (issue 26, real models).

In a fresh process over two small articles, "Where will the farmers market move?" was refused the
first time and answered the second and third (llama.cpp read the first prompt in other batches
than later ones). Here a fresh process asks one question first, at once again, and again after
three others; the three answers must hold the same statements with the same citations.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.real

ROOT = Path(__file__).resolve().parents[2]

ARTICLES = {
    "market.txt": "Farmers market moves to Station Square\n\n"
    "The Saturday farmers market will move from Mill Street to Station Square on 6 April, the town council "
    "said on Tuesday. The council said the new site has room for 60 stalls, twice as many as Mill Street. "
    "Stallholders will pay the same fees for the first year. The market opens at 8am and closes at 1pm.\n",
    "pool.txt": "Eastgate pool reopens after refit\n\n"
    "The pool at the Eastgate leisure centre reopens on Monday after a three-month refit. The refit cost "
    "1.2 million pounds and replaced the roof and the changing rooms. Swimming lessons for children restart "
    "on 15 April. The centre manager, Ana Brooks, said 400 people had already booked sessions.\n",
}
FIRST = "Where will the farmers market move?"
OTHERS = [
    "When does the Eastgate pool reopen?",
    "How much did the refit cost?",
    "How many stalls does the new site have?",
]

SCRIPT = """
import json, sys
from pathlib import Path
from rag.core.settings import Settings
from rag.pipeline import Pipeline
root = Path(sys.argv[1])
pipe = Pipeline(Settings(root=root, corpus_dir=root / "corpus", index_dir=root / "index"))
pipe.index()
for q in json.loads(sys.argv[2]):
    a = pipe.ask(q)
    said = [[s.text, [[c.source, c.start, c.end] for c in s.citations]] for s in a.statements]
    print(json.dumps({"question": q, "abstained": a.abstained, "text": a.text, "statements": said}), flush=True)
"""


def test_real_the_first_question_is_answered_as_it_is_later(tmp_path: Path, robustness) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in ARTICLES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    asked = [FIRST, FIRST, *OTHERS, FIRST]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), json.dumps(asked)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    answers = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert [a["question"] for a in answers] == asked
    first, again, later = answers[0], answers[1], answers[-1]
    print("\n", json.dumps([first, again, later], indent=1))
    assert not first["abstained"] and "Station Square" in first["text"], first
    assert first["statements"] == again["statements"] == later["statements"]
    assert first["text"] == again["text"] == later["text"]
    robustness.add(
        "Same question, same answer",
        "a question asked first in a fresh process, at once again, and after three others (1.5B model)",
        f"the same {len(first['statements'])} statement(s) with the same citations each time: “{first['text'][:80]}”",
    )


def test_real_the_judges_probability_is_the_same_bit_for_bit_whatever_was_asked_before(robustness) -> None:
    """The mechanism, on the real library (0.5B model, one token each): the same judge question gives
    the same P(yes) to the last bit when first in a context, after another, and asked twice."""
    from rag.core.settings import Settings
    from rag.model.files import prepare
    from rag.model.generation import LlamaCppGenerator

    gen = LlamaCppGenerator(prepare("fast", Settings().model_cache_dir), n_ctx=2048)
    passage = ARTICLES["market.txt"].split("\n\n")[1]
    claim = "The market moves to Station Square."
    first = gen.entailment(passage, claim)
    gen.entailment(ARTICLES["pool.txt"].split("\n\n")[1], "The pool reopens on Monday.")
    after_another = gen.entailment(passage, claim)
    again = gen.entailment(passage, claim)
    assert first == after_another == again, (first, after_another, again)
    robustness.add(
        "Same question, same answer",
        "the judge's P(yes) for one question first in a context, after another question, and asked twice",
        f"equal to the last bit: {first!r}",
    )
