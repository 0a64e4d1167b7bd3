"""The README's commands and Python blocks with the fake embedder and the scripted generator
(`tests/system/test_readme.py`): every `Pipeline` built in this process gets them.

    python tests/readme_run.py cli ARG ...     # as `rag ARG ...`
    python tests/readme_run.py python FILE     # a Python block of the README

The scripted generator cites the prompt's sentence that shares most words with the question
(`tests/ui_server.py`), so answers carry real citations into the files.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).parent)]

from fakes import FakeEmbedder, ScriptedGenerator  # noqa: E402
from ui_server import best_sentence_reply  # noqa: E402

from rag.pipeline import pipeline  # noqa: E402

_real_init = pipeline.Pipeline.__init__


def _fake_init(self, settings=None, *, embedder=None, generator=None, judge=None) -> None:  # type: ignore[no-untyped-def]
    _real_init(
        self,
        settings,
        embedder=embedder or FakeEmbedder(),
        generator=generator or ScriptedGenerator(best_sentence_reply),
        judge=judge,
    )


pipeline.Pipeline.__init__ = _fake_init  # type: ignore[method-assign]


def main() -> None:
    kind, rest = sys.argv[1], sys.argv[2:]
    if kind == "cli":
        from rag.faces.cli import main as cli

        sys.argv = ["rag", *rest]
        sys.exit(cli(rest))
    sys.argv = rest
    runpy.run_path(rest[0], run_name="__main__")


if __name__ == "__main__":
    main()
