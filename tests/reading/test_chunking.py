from __future__ import annotations

from pathlib import Path

from rag.core.tokens import count
from rag.reading.chunking import chunk_document
from rag.reading.ingest import load_document, make_document

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _docs():
    for p in sorted(SEEDS.glob("*.txt")):
        doc, _ = load_document(p, root=SEEDS.parent, max_bytes=10**7)
        assert doc is not None
        yield doc


def test_chunks_are_token_sized_sentence_runs_with_one_sentence_overlap() -> None:
    for doc in _docs():
        chunks = chunk_document(doc, target_tokens=200, max_tokens=240, overlap=1)
        assert [c.id for c in chunks] == [f"{doc.id}:{i}" for i in range(len(chunks))]
        covered = set()
        for c in chunks:
            size = sum(count(s.text) + 1 for s in c.sentences)
            assert size <= 240 or len(c.sentences) == 1
            assert c.text == " ".join(s.text for s in c.sentences)
            assert (c.start, c.end) == (c.sentences[0].start, c.sentences[-1].end)
            covered.update(s.start for s in c.sentences)
        # Every sentence is in some chunk, and consecutive chunks share exactly one sentence.
        assert covered == {s.start for s in doc.sentences}
        for a, b in zip(chunks, chunks[1:], strict=False):
            assert a.sentences[-1] == b.sentences[0]


def test_chunk_ids_are_deterministic() -> None:
    doc = next(_docs())
    assert [c.id for c in chunk_document(doc)] == [c.id for c in chunk_document(doc)]


def test_small_known_case_by_hand() -> None:
    # Four sentences of 3 words (+1 separator) each = 4 "tokens" with a word counter;
    # target 8 -> two sentences a chunk, overlap 1 -> chunks [0,1], [1,2], [2,3].
    doc = make_document("x.txt", "One two three. Four five six. Seven eight nine. Ten eleven twelve.")
    chunks = chunk_document(doc, target_tokens=8, max_tokens=8, overlap=1, count=lambda t: len(t.split()))
    assert [c.text for c in chunks] == [
        "One two three. Four five six.",
        "Four five six. Seven eight nine.",
        "Seven eight nine. Ten eleven twelve.",
    ]
    assert (chunks[1].start, chunks[1].end) == (15, 47)


def test_embedding_text_carries_title_and_date() -> None:
    doc = next(_docs())
    c = chunk_document(doc)[0]
    assert c.embedding_text().startswith(f"{doc.title} (2016-10-02)\n")
