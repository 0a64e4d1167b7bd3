"""The one Settings object: environment variables, validation at the edge, paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from rag.core.settings import MAX_TOP, Settings


def test_environment_variables_with_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TOP_PASSAGES", "7")
    monkeypatch.setenv("RAG_LLAMA_EXTRA_BUFFERS", "off")
    monkeypatch.setenv("RAG_VERIFY_MODE", "flag")
    s = Settings()
    assert (s.top_passages, s.llama_extra_buffers, s.verify_mode) == (7, "off", "flag")


@pytest.mark.parametrize(
    ("name", "value"),
    [("top_passages", 0), ("top_passages", MAX_TOP + 1), ("llama_extra_buffers", "maybe"), ("verify_mode", "x")],
)
def test_bad_values_are_refused(name: str, value: object) -> None:
    with pytest.raises(ValidationError):
        Settings(**{name: value})


def test_relative_paths_resolve_against_the_root(tmp_path: Path) -> None:
    s = Settings(root=tmp_path, corpus_dir=Path("articles"), index_dir=tmp_path / "idx")
    assert s.corpus_path == tmp_path / "articles" and s.index_path == tmp_path / "idx"
