from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakes import FakeEmbedder, ScriptedGenerator  # noqa: E402

from rag.pipeline import Pipeline  # noqa: E402
from rag.settings import Settings  # noqa: E402

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
    # The fake bag-of-words embedder puts similarities on its own scale: a band of its own.
    return Settings(
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
