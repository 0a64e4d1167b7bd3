"""The synthetic archive for scale benchmarks: deterministic, seed-like, with planted facts."""

from __future__ import annotations

import json
from pathlib import Path

from rag.faces.archive import write_archive
from rag.reading.ingest import parse_article


def test_archive_is_deterministic_and_plants_answerable_facts(tmp_path: Path) -> None:
    a = write_archive(tmp_path / "a", 300, planted_every=30)
    b = write_archive(tmp_path / "b", 300, planted_every=30)
    assert a == b and 8 <= len(a) <= 10  # wire copies carry no planted fact of their own
    files = sorted((tmp_path / "a").glob("*.txt"))
    assert len(files) == 300
    assert all(f.read_bytes() == (tmp_path / "b" / f.name).read_bytes() for f in files)
    for p in a:
        text = (tmp_path / "a" / p.source).read_text(encoding="utf-8")
        place = p.question.removeprefix("How many homes in ").removesuffix(" lost power after the strikes?")
        assert f"{p.answer} homes in {place} lost power" in text
    assert json.loads((tmp_path / "a" / "planted.json").read_text())[0]["answer"] == a[0].answer
    wires = [f for f in files if f.read_text(encoding="utf-8").splitlines()[0].endswith("wire)")]
    assert 15 <= len(wires) <= 45, "about 10% near-duplicate wire copies"
    parsed = parse_article(files[0].read_text(encoding="utf-8"))
    assert parsed.date is not None and parsed.url is not None and parsed.title
