from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes import FakeEmbedder

from rag.core.errors import EmptyCorpusError, IndexBusyError, IndexCorruptError
from rag.core.settings import Settings
from rag.index.indexer import index_paths
from rag.index.store import ChromaStore, Manifest, index_lock


def _index(settings: Settings, paths=None, **kw):
    return index_paths(
        paths or [settings.corpus_path], settings=settings, embedder=kw.pop("embedder", FakeEmbedder()), **kw
    )


def _store_sources(settings: Settings) -> dict[str, int]:
    counts: dict[str, int] = {}
    for c in ChromaStore(settings.index_path / "chroma").all_chunks():
        counts[c.source] = counts.get(c.source, 0) + 1
    return counts


def test_incremental_add_edit_delete(settings: Settings, corpus: Path) -> None:
    first = _index(settings)
    assert first.documents == 5 and first.chunks_added > 5 and first.chunks_removed == 0
    total = first.chunks_added

    emb = FakeEmbedder()
    again = _index(settings, embedder=emb)
    assert (again.chunks_added, again.chunks_unchanged, again.chunks_removed) == (0, total, 0)
    assert emb.calls == 0  # nothing embedded on an unchanged corpus

    # Add a file.
    (corpus / "new.txt").write_text("Water returned to west Aleppo on Monday. Engineers fixed the pumps.\n")
    added = _index(settings)
    assert added.documents == 6 and added.chunks_added == 1 and added.chunks_unchanged == total

    # Edit it: its old chunk is replaced, not duplicated.
    (corpus / "new.txt").write_text("Water returned to west Aleppo on Tuesday. Engineers fixed two pumps.\n")
    edited = _index(settings)
    assert (edited.chunks_added, edited.chunks_removed) == (1, 1)
    chunks = [c for c in ChromaStore(settings.index_path / "chroma").all_chunks() if c.source.endswith("new.txt")]
    assert [c.text for c in chunks] == ["Water returned to west Aleppo on Tuesday. Engineers fixed two pumps."]

    # Delete it: its chunks go.
    (corpus / "new.txt").unlink()
    deleted = _index(settings)
    assert deleted.documents == 5 and deleted.chunks_removed == 1
    assert sum(_store_sources(settings).values()) == total
    assert not any(s.endswith("new.txt") for s in Manifest.load(settings.index_path).documents)


def test_another_embedder_name_embeds_the_whole_index_again(settings: Settings) -> None:
    """Switching to int8 (`embed_precision`) names the embedder anew: nothing is mixed."""

    class Int8(FakeEmbedder):
        name = "fake-bow-256+int8.1"

    first = _index(settings)
    int8 = Int8()
    again = _index(settings, embedder=int8)
    assert (again.chunks_added, again.chunks_unchanged) == (first.chunks_added, 0)
    assert int8.calls == first.chunks_added and Manifest.load(settings.index_path).embedder == Int8.name
    assert sum(_store_sources(settings).values()) == first.chunks_added  # replaced, not added beside
    same = Int8()
    assert _index(settings, embedder=same).chunks_unchanged == first.chunks_added and same.calls == 0


def test_sources_are_relative_to_the_project_root(settings: Settings) -> None:
    _index(settings)
    assert sorted(Manifest.load(settings.index_path).documents)[0] == "corpus/000_3bf8b3bce0af6ef9.txt"


def test_report_json_has_the_contract_keys(settings: Settings) -> None:
    d = _index(settings).to_dict()
    assert {"documents", "chunks_added", "chunks_unchanged", "chunks_removed", "seconds"} <= set(d)
    json.dumps(d)


def test_empty_corpus_is_a_clear_error(tmp_path: Path, settings: Settings) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(EmptyCorpusError, match="No .txt or .md articles found"):
        _index(settings, [empty])
    with pytest.raises(EmptyCorpusError, match="does not exist"):
        _index(settings, [tmp_path / "nope"])


def test_only_binary_files_is_an_empty_corpus(tmp_path: Path, settings: Settings) -> None:
    d = tmp_path / "bin"
    d.mkdir()
    (d / "x.txt").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(EmptyCorpusError, match="binary"):
        _index(settings, [d])


def test_binary_file_among_articles_is_skipped_with_warning(settings: Settings, corpus: Path) -> None:
    (corpus / "broken.txt").write_bytes(b"\x00\xff" * 50)
    rep = _index(settings)
    assert rep.documents == 5
    assert any("broken.txt" in w and "binary" in w for w in rep.warnings)


def test_chunking_change_reindexes_everything(settings: Settings) -> None:
    first = _index(settings)
    changed = settings.model_copy(update={"chunk_tokens": 120, "chunk_max_tokens": 150})
    rep = _index(changed)
    assert rep.chunks_removed == first.chunks_added and rep.chunks_added > first.chunks_added


def test_corrupt_manifest_is_reported_and_rebuild_recovers(settings: Settings) -> None:
    _index(settings)
    (settings.index_path / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match="rag index --rebuild"):
        _index(settings)
    rep = _index(settings, rebuild=True)
    assert rep.documents == 5 and rep.chunks_added > 0


def test_second_writer_is_refused_while_one_runs(settings: Settings) -> None:
    with index_lock(settings.index_path, exclusive=True, timeout=1), pytest.raises(IndexBusyError):
        _index(settings)


class _CountingEmbedder(FakeEmbedder):
    """Counts embedding calls (batches); fails on call number `fail_on`."""

    def __init__(self, fail_on: int | None = None) -> None:
        super().__init__()
        self.batches = 0
        self.fail_on = fail_on

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.batches += 1
        if self.batches == self.fail_on:
            raise KeyboardInterrupt  # as if the run were stopped mid-batch
        return super().embed(texts)


def _settle(corpus: Path, seconds_ago: float = 100.0) -> None:
    """Give every file a modification time in the past (files written this instant are re-read)."""
    import os
    import time

    for p in corpus.glob("*.txt"):
        os.utime(p, ns=(p.stat().st_atime_ns, time.time_ns() - int(seconds_ago * 1e9)))


def test_changed_files_are_embedded_and_recorded_in_batches(settings: Settings) -> None:
    one = _CountingEmbedder()
    whole = _index(settings, embedder=one)
    assert one.batches == 1  # five small articles: one batch of the default size
    small = settings.model_copy(update={"index_dir": settings.root / "index2", "index_batch_chunks": 8})
    emb = _CountingEmbedder()
    report = _index(small, embedder=emb)
    assert report.chunks_added == whole.chunks_added
    assert 1 < emb.batches < 5 and emb.calls == whole.chunks_added  # fewer calls than files, each chunk once
    manifest = Manifest.load(small.index_path)
    counts: dict[str, int] = {}
    for c in ChromaStore(small.index_path / "chroma").all_chunks():
        counts[c.source] = counts.get(c.source, 0) + 1
    assert counts == {s: e.chunks for s, e in manifest.documents.items()}


def test_an_interrupted_batch_loses_only_itself_and_the_next_run_completes(settings: Settings) -> None:
    small = settings.model_copy(update={"index_batch_chunks": 8})
    with pytest.raises(KeyboardInterrupt):
        _index(small, embedder=_CountingEmbedder(fail_on=2))
    recorded = Manifest.load(small.index_path).documents
    assert 0 < len(recorded) < 5  # the first batch was recorded, after its chunks were written
    stored = _store_sources(small)
    assert all(stored.get(s) == e.chunks for s, e in recorded.items())
    report = _index(small)
    assert report.documents == 5
    manifest = Manifest.load(small.index_path)
    assert _store_sources(small) == {s: e.chunks for s, e in manifest.documents.items()}


def test_unchanged_files_are_not_read_and_a_no_op_run_keeps_the_version(
    settings: Settings, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.index.indexer

    _settle(corpus)
    _index(settings)
    version = Manifest.load(settings.index_path).version
    reads: list[Path] = []
    real = rag.index.indexer.load_documents
    monkeypatch.setattr(rag.index.indexer, "load_documents", lambda p, **kw: (reads.append(p), real(p, **kw))[1])
    emb = _CountingEmbedder()
    again = _index(settings, embedder=emb)
    assert (reads, emb.batches, again.documents) == ([], 0, 5)
    assert Manifest.load(settings.index_path).version == version  # readers keep their lexical index

    # Touched (same text, new time): read once, not embedded, then not read again.
    _settle(corpus, seconds_ago=50)
    touched = _index(settings, embedder=emb)
    assert len(reads) == 5 and emb.batches == 0 and touched.chunks_unchanged == again.chunks_unchanged
    reads.clear()
    _index(settings, embedder=emb)
    assert reads == []


def test_a_run_stopped_between_commit_and_delete_leaves_old_chunks_pending_and_the_next_run_removes_them(
    settings: Settings, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fakes import ScriptedGenerator

    from rag.pipeline import Pipeline

    _index(settings)
    target = corpus / "002_75629192de6a8d8b.txt"
    old = Manifest.load(settings.index_path).documents["corpus/002_75629192de6a8d8b.txt"]
    target.write_text(target.read_text(encoding="utf-8").replace("only 30 doctors", "only 29 doctors"))

    def stop(self, ids):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt  # killed right after the commit, before the replaced chunks go

    monkeypatch.setattr(ChromaStore, "delete_ids", stop)
    with pytest.raises(KeyboardInterrupt):
        _index(settings)
    monkeypatch.undo()
    manifest = Manifest.load(settings.index_path)
    assert manifest.pending == {old.doc_id: old.chunks}  # the edit is committed, the old chunks pending
    stored = ChromaStore(settings.index_path / "chroma").ids()
    assert f"{old.doc_id}:0" in stored
    # A reader uses the committed (edited) article only.
    pipe = Pipeline(settings, embedder=FakeEmbedder(), generator=ScriptedGenerator("{}"))
    texts = [p.chunk.text for p in pipe.retrieve("How many doctors remained inside?").passages]
    assert any("only 29 doctors" in t for t in texts) and not any("only 30 doctors" in t for t in texts)
    _index(settings)
    manifest = Manifest.load(settings.index_path)
    assert manifest.pending == {} and f"{old.doc_id}:0" not in ChromaStore(settings.index_path / "chroma").ids()
    assert _store_sources(settings) == {s: e.chunks for s, e in manifest.documents.items()}


def test_an_index_whose_chunks_search_cannot_find_is_rebuilt_and_says_so(tmp_path: Path, monkeypatch) -> None:
    """`repair_vectors`: a run checks that its chunks can be found by their own vector and, when
    some cannot (chromadb #7758), rebuilds the vector index; a sound index is left alone."""
    from rag.index import indexer
    from rag.index.store import ChromaStore

    store = ChromaStore(tmp_path / "chroma")
    rebuilt: list[bool] = []
    monkeypatch.setattr(ChromaStore, "rebuild_vectors", lambda self: rebuilt.append(True))
    assert indexer.repair_vectors(store) == [] and rebuilt == []
    answers = iter([(2000, ["a:0", "b:1"]), (2000, [])])
    monkeypatch.setattr(ChromaStore, "unreachable", lambda self, **kw: next(answers))
    (note,) = indexer.repair_vectors(store)
    assert rebuilt == [True]
    assert note.startswith("2 of 2000 chunks checked could not be found by search") and "#7758" in note
    assert note.endswith("rebuilt from the stored vectors.")
