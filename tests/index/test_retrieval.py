from __future__ import annotations

import pytest

from rag.core.types import Chunk, Passage, Sentence
from rag.index.retrieval import collapse_duplicates, containment, rrf, shingles


def test_rrf_known_answer() -> None:
    # a: 1/(60+1) + 1/(60+2) = 0.032522..., b: 1/62 + 1/61 (same), c: 1/63 only.
    fused = rrf([["a", "b", "c"], ["b", "a"]], k=60)
    assert [x for x, _ in fused] == ["a", "b", "c"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[2][1] == pytest.approx(1 / 63)


def test_rrf_rewards_agreement_over_one_top_rank() -> None:
    fused = dict(rrf([["x", "y"], ["z", "y"]], k=1))
    # y: 1/3 + 1/3 = 0.667 beats x: 1/2 and z: 1/2
    assert max(fused, key=fused.get) == "y"


def _chunk(cid: str, source: str, text: str) -> Chunk:
    return Chunk(cid, cid.split(":")[0], source, 0, text, 0, len(text), (Sentence(0, len(text), text),))


def test_wire_copy_in_two_articles_collapses_and_keeps_both_sources() -> None:
    a = _chunk(
        "d1:0",
        "a.txt",
        "Russian Foreign Ministry spokeswoman Maria Zakharova warned the US against taking any direct action against Damascus or the Syrian army.",
    )
    b = _chunk(
        "d2:0",
        "b.txt",
        "And Russian Foreign Ministry spokeswoman Maria Zakharova warned the U.S. against taking any direct action against Damascus or the Syrian army.",
    )
    c = _chunk("d3:0", "c.txt", "The offensive has seen dozens of civilians killed in the east.")
    out = collapse_duplicates([Passage(a, 0.3, 1), Passage(c, 0.2, 2), Passage(b, 0.1, 3)], threshold=0.6)
    assert [p.chunk.id for p in out] == ["d1:0", "d3:0"]
    assert out[0].sources == ("a.txt", "b.txt")
    assert [p.rank for p in out] == [1, 2]


def test_containment_by_hand() -> None:
    a = shingles("one two three four")  # (1,2,3), (2,3,4)
    b = shingles("two three four five")  # (2,3,4), (3,4,5)
    assert containment(a, b) == 0.5
    assert containment(a, set()) == 0.0


def _dated(corpus, name: str, date: str, text: str) -> None:
    (corpus / name).write_text(f"date {date} Water in Aleppo\n\n{text}\n", encoding="utf-8")


def test_date_range_and_newer_articles_for_questions_about_now(make_pipeline, corpus) -> None:
    import pytest

    from rag.core.errors import InvalidQuestionError

    _dated(corpus, "w1.txt", "2016-09-20", "Engineers said water pumping in Aleppo stopped after the strikes.")
    _dated(corpus, "w2.txt", "2016-10-10", "Engineers said water pumping in Aleppo resumed after repairs.")
    pipe, _ = make_pipeline("{}")
    pipe.index()
    q = "What did engineers say about water pumping in Aleppo?"

    def sources(**kw) -> list[str]:
        return [p.chunk.source for p in pipe.retrieve(q, **kw).passages]

    assert {"corpus/w1.txt", "corpus/w2.txt"} <= set(sources())
    late = sources(since="2016-10-05")
    assert "corpus/w2.txt" in late and "corpus/w1.txt" not in late
    assert all(pipe.documents()[s].date >= "2016-10-05" for s in late)
    early = sources(until="2016-09-30")
    assert early == ["corpus/w1.txt"], "undated articles lie in no range"
    with pytest.raises(InvalidQuestionError, match="YYYY-MM-DD"):
        pipe.retrieve(q, since="10/05/2016")
    with pytest.raises(InvalidQuestionError, match="swap"):
        pipe.retrieve(q, since="2016-10-10", until="2016-10-01")
    # A question about the latest state ranks the newer of two equally relevant articles first.
    now = [p.chunk.source for p in pipe.retrieve("What is the latest on water pumping in Aleppo?").passages]
    assert now.index("corpus/w2.txt") < now.index("corpus/w1.txt")


def test_lexical_index_is_saved_and_a_new_process_loads_it_without_reading_chunks(
    make_pipeline, corpus, monkeypatch
) -> None:
    from rag.index.store import ChromaStore

    pipe, _ = make_pipeline("{}")
    pipe.index()
    q = "How many doctors remain in eastern Aleppo?"
    first = [p.chunk.id for p in pipe.retrieve(q).passages]
    folders = list((pipe.settings.index_path / "lexical").rglob("bm25-*"))
    assert len(folders) == 1 and (folders[0] / "ids.json").exists()

    def no_full_read(self):
        raise AssertionError("the saved lexical index should be loaded, not rebuilt from every chunk")

    monkeypatch.setattr(ChromaStore, "all_chunks", no_full_read)
    again, _ = make_pipeline("{}")  # a new process on the same index
    assert [p.chunk.id for p in again.retrieve(q).passages] == first
    assert again.retrieve(q).vocabulary == pipe.retrieve(q).vocabulary
    monkeypatch.undo()

    # One added article: the saved index plus a delta of its chunks, still without reading every chunk.
    monkeypatch.setattr(ChromaStore, "all_chunks", no_full_read)
    (corpus / "new.txt").write_text("Doctors in Aleppo\n\nNine doctors arrived in eastern Aleppo on Monday.\n")
    again.index()
    hits = again.retrieve("Nine doctors arrived Monday")
    assert hits.passages[0].chunk.source == "corpus/new.txt" and hits.lexical_hits > 0
    later, _ = make_pipeline("{}")  # and in a new process
    assert later.retrieve("Nine doctors arrived Monday").passages[0].chunk.source == "corpus/new.txt"
    # An edited article: its old chunks are gone from the results, the new text is found.
    (corpus / "new.txt").write_text("Doctors in Aleppo\n\nEleven surgeons arrived in eastern Aleppo on Tuesday.\n")
    later.index()
    found = later.retrieve("Eleven surgeons arrived Tuesday")
    assert found.passages[0].chunk.text.startswith("Eleven surgeons")
    assert not any("Nine doctors" in p.chunk.text for p in later.retrieve("Nine doctors arrived Monday").passages)
    monkeypatch.undo()
    assert len(list((pipe.settings.index_path / "lexical").rglob("bm25-*"))) == 1


def test_indexing_leaves_a_small_change_as_a_delta_and_saves_a_large_one(make_pipeline, corpus, monkeypatch) -> None:
    """`rag index` after a small change loads no lexical index (the next process applies the delta);
    after a large one it rebuilds and saves the index under the new version."""
    import rag.index.retrieval
    from rag.index.lexical import BM25Index
    from rag.index.store import ChromaStore

    pipe, _ = make_pipeline("{}")
    pipe.index()
    lexical = pipe.settings.index_path / "lexical"
    (first,) = lexical.rglob("bm25-*")

    def no_load(*args, **kwargs):
        raise AssertionError("a small change should not load or rebuild the lexical index while indexing")

    (corpus / "new.txt").write_text("Doctors in Aleppo\n\nNine doctors arrived in eastern Aleppo on Monday.\n")
    monkeypatch.setattr(BM25Index, "load", no_load)
    monkeypatch.setattr(ChromaStore, "all_chunks", no_load)
    indexer, _ = make_pipeline("{}")  # a separate `rag index` process
    assert indexer.index().chunks_added == 1
    monkeypatch.undo()
    assert list(lexical.rglob("bm25-*")) == [first]
    reader, _ = make_pipeline("{}")
    assert reader.retrieve("Nine doctors arrived Monday").passages[0].chunk.source == "corpus/new.txt"

    monkeypatch.setattr(rag.index.retrieval, "DELTA_MAX", 0)  # every change is now a large one
    monkeypatch.setattr(rag.index.retrieval, "DELTA_SHARE", 0.0)
    (corpus / "new.txt").write_text("Doctors in Aleppo\n\nEleven surgeons arrived in eastern Aleppo on Tuesday.\n")
    indexer.index()
    (second,) = lexical.rglob("bm25-*")
    assert second != first
    assert BM25Index.saved_ids(second.parent, repr(indexer.manifests().version())) is not None
    monkeypatch.setattr(ChromaStore, "all_chunks", no_load)  # a new process opens the saved one
    later, _ = make_pipeline("{}")
    assert later.retrieve("Eleven surgeons arrived Tuesday").passages[0].chunk.text.startswith("Eleven surgeons")


def test_a_delta_is_scored_on_the_saved_index_scale() -> None:
    """New chunks scored with the saved index's statistics rank as a full rebuild ranks them."""
    from rag.index.lexical import BM25Index, LexicalIndex

    texts = [f"Report {i}: shelling in district {i} damaged {i % 7} schools and a bakery." for i in range(60)]
    texts += ["Engineers restored the Suleiman al-Halabi pumping station after the shelling."]
    new = ["Engineers said the pumping station at Suleiman al-Halabi would need weeks of repair."]
    ids = [f"d{i}:0" for i in range(len(texts))]
    full = BM25Index([*ids, "new:0"], [*texts, *new])
    delta = LexicalIndex(BM25Index(ids, texts), ["new:0"], new)
    q = "Suleiman al-Halabi pumping station repair"
    want, got = full.search(q, 3), delta.search(q, 3)
    assert [cid for cid, _ in got] == [cid for cid, _ in want] and got[0][0] == "new:0"
    assert got[0][1] == pytest.approx(want[0][1], rel=0.02)
    assert "repair" in delta.vocabulary and delta.size == len(texts) + 1
