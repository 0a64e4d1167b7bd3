"""Serve the chat with the fake embedder and a scripted generator (for browser tests).

    python tests/ui_server.py ROOT PORT [--real | --slow] [--users FILE]

ROOT is a temporary project root holding `corpus/` (a copy of seeds). The scripted generator
answers from the prompt: it cites the numbered sentences that share most words with the question.
With --slow it writes its reply piece by piece, 0.2 s apart, and logs to ROOT/generator.log
whether each reply finished or was stopped (a user who closed the page). With --users, the chat asks
for a login from the users in FILE (written with `rag.core.access.add_user`), as `rag chat` does.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# The project first, then the shared test helpers.
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).parent)]

from fakes import FakeEmbedder, ScriptedGenerator  # noqa: E402

from rag.core.settings import Settings  # noqa: E402
from rag.index.lexical import tokenize  # noqa: E402
from rag.pipeline import Pipeline  # noqa: E402
from ui.app import launch  # noqa: E402


def best_sentence_reply(messages) -> str:
    user = messages[-1]["content"]
    if "Follow-up question:" in user:  # the rewrite prompt
        q = user.rsplit("Follow-up question:", 1)[1].strip()
        return json.dumps({"question": q})
    question = user.rsplit("Question:", 1)[1].strip()
    q = set(tokenize(question))
    lines = re.findall(r"^\[(\d+)\] (.*)$", user, re.M)
    scored = sorted(lines, key=lambda m: -len(q & set(tokenize(m[1]))))
    if not scored or not q & set(tokenize(scored[0][1])):
        return json.dumps({"statements": []})
    n, text = scored[0]
    text = re.sub(r" \(also in: .*\)$", "", text)
    return json.dumps({"statements": [{"sources": [int(n)], "text": text}]})


class SlowGenerator(ScriptedGenerator):
    """The scripted generator, writing like a slow model, with a log of what became of each reply."""

    def __init__(self, log: Path) -> None:
        super().__init__(best_sentence_reply)
        self.log = log

    def stream(self, messages: Any, *, schema: dict[str, Any], max_tokens: int) -> Iterator[str]:
        question = messages[-1]["content"].rsplit("Question:", 1)[-1].strip()
        pieces = 0
        try:
            for piece in super().stream(messages, schema=schema, max_tokens=max_tokens):
                time.sleep(0.2)
                pieces += 1
                yield piece
        except GeneratorExit:
            self._note("stopped", question, pieces)
            raise
        self._note("finished", question, pieces)

    def _note(self, what: str, question: str, pieces: int) -> None:
        with self.log.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"event": what, "question": question, "pieces": pieces, "t": time.time()}) + "\n")


def main() -> None:
    root, port = Path(sys.argv[1]), int(sys.argv[2])
    real = "--real" in sys.argv
    users = sys.argv[sys.argv.index("--users") + 1] if "--users" in sys.argv else "users.json"
    # Eight slow browser users (tests/system/test_load.py) may wait longer than a team should.
    settings = Settings(
        root=root, corpus_dir=root / "corpus", index_dir=root / "index", users_file=Path(users), queue_wait_s=600
    )
    if real:
        pipe = Pipeline(settings)
    else:
        # The scripted replies write their statements.
        settings = settings.model_copy(update={"support_low": 0.3, "support_high": 0.6, "answer_style": "written"})
        gen = SlowGenerator(root / "generator.log") if "--slow" in sys.argv else ScriptedGenerator(best_sentence_reply)
        pipe = Pipeline(settings, embedder=FakeEmbedder(), generator=gen)
    launch(settings, host="127.0.0.1", port=port, pipe=pipe, block=True)


if __name__ == "__main__":
    main()
