"""The Chroma store (a real Chroma in a temporary folder) and the manifest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.core.errors import IndexCorruptError, IndexMissingError
from rag.core.types import Chunk, Sentence
from rag.index.store import ChromaStore, DocEntry, Manifest


def _chunk(doc: str, n: int, text: str, source: str) -> Chunk:
    # Two sentences joined by one space; offsets into a made-up raw file.
    first, second = text.split(". ", 1)
    s1 = Sentence(100, 100 + len(first) + 1, first + ".")
    s2 = Sentence(s1.end + 2, s1.end + 2 + len(second), second)
    return Chunk(
        f"{doc}:{n}", doc, source, n, f"{s1.text} {s2.text}", s1.start, s2.end, (s1, s2), title="T", date="2016-10-01"
    )


def _vec(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_chunks_round_trip_with_their_sentences_and_nearest_first(tmp_path: Path) -> None:
    store = ChromaStore(tmp_path / "chroma")
    a = _chunk("a", 0, "Only 30 doctors remain. They work day and night.", "seeds/a.txt")
    b = _chunk("b", 0, "A convoy was hit. Twenty people died.", "seeds/b.txt")
    store.add([a, b], np.stack([_vec(1, 0, 0), _vec(0, 1, 0)]))
    assert store.count() == 2
    hits = store.query(_vec(0.9, 0.1, 0), 2)
    assert [c.id for c, _ in hits] == ["a:0", "b:0"]
    assert hits[0][0] == a  # sentences, offsets, title and date survive the round trip
    assert hits[0][1] == pytest.approx(float(_vec(1, 0, 0) @ _vec(0.9, 0.1, 0)), abs=1e-5)
    assert [c.id for c, _ in store.query(_vec(1, 0, 0), 5, sources=["seeds/b.txt"])] == ["b:0"]
    assert store.delete_source("seeds/a.txt") == 1 and store.count() == 1
    assert sorted(c.id for c in ChromaStore(tmp_path / "chroma", create=False).all_chunks()) == ["b:0"]


def test_whole_store_reads_go_page_by_page(tmp_path: Path) -> None:
    """One `get` of 96,423 chunks failed in Chroma's SQLite ("too many SQL variables"): reads are paged."""
    store = ChromaStore(tmp_path / "chroma")
    chunks = [_chunk(f"d{i}", 0, f"Sentence {i} here. And one more.", f"seeds/{i}.txt") for i in range(23)]
    store.add(chunks, np.stack([_vec(1, i, 0.5) for i in range(23)]))
    calls = []
    real_get = store._col.get

    def get(**kw):
        calls.append(kw.get("limit") or len(kw.get("ids") or []))
        return real_get(**kw)

    store._col.get = get  # type: ignore[method-assign]
    store.read_page = 5
    got = store.all_chunks()
    assert sorted(c.id for c in got) == sorted(c.id for c in chunks) and len(got) == 23
    assert {c.id: c for c in got} == {c.id: c for c in chunks}
    assert calls == [5, 5, 5, 5, 5]
    calls.clear()
    assert store.ids() == {c.id for c in chunks} and calls == [5] * 5
    calls.clear()
    assert {c.id for c in store.get([c.id for c in chunks[:12]])} == {c.id for c in chunks[:12]}
    assert calls == [5, 5, 2]
    calls.clear()
    vectors = store.vectors()  # the stored embeddings, by id, for comparing two indexes
    assert calls == [5] * 5 and set(vectors) == {c.id for c in chunks}
    np.testing.assert_allclose(vectors["d7:0"], _vec(1, 7, 0.5), atol=1e-6)
    assert vectors["d7:0"].dtype == np.float32


def test_manifest_saves_atomically_and_counts_versions(tmp_path: Path) -> None:
    m = Manifest("sig", "emb", {"seeds/a.txt": DocEntry("a", "h", "T", None, None, 3)})
    m.save(tmp_path)
    m.save(tmp_path)
    back = Manifest.load(tmp_path)
    assert back.version == 2 and back.documents["seeds/a.txt"].chunks == 3 and back.signature == "sig"
    assert not list(tmp_path.glob(".*.tmp"))


def test_manifest_errors_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="rag index"):
        Manifest.load(tmp_path)
    (tmp_path / "manifest.json").write_text('{"signature": "s"')
    with pytest.raises(IndexCorruptError, match="rag index --rebuild"):
        Manifest.load(tmp_path)


def test_rebuilding_the_vector_index_keeps_every_record_and_other_handles_follow(tmp_path: Path) -> None:
    """chromadb #7758: after many deletions and updates some chunks drop out of the HNSW graph
    (183 of 3,850 on a long-lived BBC index: docs/vector-reach-2026-12-01.json). The rebuild copies
    the stored records, embedding nothing; a reader's handle on the replaced collection follows it."""
    store = ChromaStore(tmp_path / "chroma")
    chunks = [_chunk(f"d{i}", 0, f"Sentence {i} here. And one more.", f"seeds/{i}.txt") for i in range(12)]
    store.add(chunks, np.stack([_vec(1, i, 0.5) for i in range(12)]))
    store.delete_ids(["d3:0"])
    reader = ChromaStore(tmp_path / "chroma", create=False)
    before = store.vectors()
    assert store.unreachable() == (11, [])
    store.max_batch = 5  # the copy goes in batches, as to a server
    store.rebuild_vectors()
    assert store.vectors().keys() == before.keys()
    for cid, v in store.vectors().items():
        np.testing.assert_allclose(v, before[cid], atol=1e-6)
    assert {c.id: c for c in store.all_chunks()} == {c.id: c for c in chunks if c.id != "d3:0"}
    assert [c.id for c, _ in reader.query(_vec(1, 7, 0.5), 1)] == ["d7:0"]  # the old handle, reopened
    assert reader.count() == 11 and [c.name for c in store.client.list_collections()] == ["chunks"]


def test_a_rebuild_interrupted_midway_is_undone_or_finished_on_opening(tmp_path: Path) -> None:
    store = ChromaStore(tmp_path / "chroma")
    store.add([_chunk("a", 0, "One here. Two there.", "seeds/a.txt")], np.stack([_vec(1, 0, 0)]))
    # stopped after the old collection was renamed away, before the copy took its name
    store._col.modify(name="chunks__replaced")
    assert ChromaStore(tmp_path / "chroma", create=False).count() == 1  # renamed back, nothing lost
    # stopped after the copy took the name, before the old one was deleted
    fresh = ChromaStore(tmp_path / "chroma", create=False)
    fresh.client.create_collection("chunks__replaced", embedding_function=None)
    again = ChromaStore(tmp_path / "chroma", create=False)
    assert again.count() == 1 and sorted(c.name for c in again.client.list_collections()) == ["chunks"]
