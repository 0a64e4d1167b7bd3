"""Serve the chat with the fake embedder and a scripted generator (for browser tests).

    python tests/ui_server.py ROOT PORT [--real]

ROOT is a temporary project root holding `corpus/` (a copy of seeds). The scripted generator
answers from the prompt: it cites the numbered sentences that share most words with the question.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from fakes import FakeEmbedder, ScriptedGenerator  # noqa: E402

from rag.lexical import tokenize  # noqa: E402
from rag.pipeline import Pipeline  # noqa: E402
from rag.settings import Settings  # noqa: E402
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


def main() -> None:
    root, port = Path(sys.argv[1]), int(sys.argv[2])
    real = "--real" in sys.argv
    settings = Settings(root=root, corpus_dir=root / "corpus", index_dir=root / "index")
    if real:
        pipe = Pipeline(settings)
    else:
        settings = settings.model_copy(update={"support_low": 0.3, "support_high": 0.6})
        pipe = Pipeline(settings, embedder=FakeEmbedder(), generator=ScriptedGenerator(best_sentence_reply))
    launch(settings, host="127.0.0.1", port=port, pipe=pipe, block=True)


if __name__ == "__main__":
    main()
