"""A separate process for the fault tests: index a project, or inspect its index afresh.

    python tests/index_worker.py index ROOT   # `rag index` of ROOT/corpus with the fake embedder
    python tests/index_worker.py check ROOT   # one JSON line: what a fresh process finds

The fake embedder keeps a run short enough to kill it many times; everything else (indexer,
Chroma, manifest, lexical index, pipeline) is the real code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# The project first, then the shared test helpers.
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).parent)]

from fakes import FakeEmbedder, ScriptedGenerator, source_ids  # noqa: E402

from rag.core.settings import Settings  # noqa: E402

QUESTION = "How many doctors remain in eastern Aleppo?"
NEEDLE = "only 30 doctors remained"


def settings(root: Path) -> Settings:
    return Settings(
        answer_style="written",  # the scripted reply writes its statement
        root=root,
        corpus_dir=root / "corpus",
        index_dir=root / "index",
        index_batch_chunks=6,
        lock_timeout_s=30,
        support_low=0.3,
        support_high=0.6,
    )


def index(root: Path) -> None:
    import chromadb  # noqa: F401 - imported before "go", so a kill after it lands in the indexer's work

    from rag.index.indexer import index_paths

    s = settings(root)
    print("go", flush=True)
    report = index_paths([s.corpus_path], settings=s, embedder=FakeEmbedder())
    print(json.dumps(report.to_dict()), flush=True)


def _reply(messages: list[dict[str, str]]) -> str:
    ids = source_ids(messages, NEEDLE)
    return json.dumps({"statements": [{"sources": ids, "text": "SAMS said only 30 doctors remained inside."}]})


def check(root: Path) -> dict[str, object]:
    """The index as a new process sees it: chunk ids by where they are, and one real answer."""
    from rag.index.store import ChromaStore, Manifest
    from rag.pipeline import Pipeline
    from rag.reading.chunking import chunk_id, doc_of
    from rag.reading.ingest import content_hash

    s = settings(root)
    manifest = Manifest.load(s.index_path)
    live = manifest.live()
    listed = {chunk_id(e.doc_id, i) for e in manifest.documents.values() for i in range(e.chunks)}
    store = ChromaStore(s.index_path / "chroma", create=False)
    stored = store.ids()
    dense = store.query(FakeEmbedder().embed([QUESTION])[0], 5)
    pipe = Pipeline(s, embedder=FakeEmbedder(), generator=ScriptedGenerator(_reply))
    found = pipe.retrieve(QUESTION)
    retriever = pipe.components._retriever
    assert retriever is not None and retriever._lexical is not None
    lex = retriever._lexical
    lexical = {i for i in lex.base.ids if doc_of(i) in live} | set(lex.ids)
    answer = pipe.ask(QUESTION)
    quotes_match = all(
        (root / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.quote
        for st in answer.statements
        for c in st.citations
    )
    files = {
        str(p.relative_to(root)): content_hash(p.read_text(encoding="utf-8")) for p in s.corpus_path.rglob("*.txt")
    }
    return {
        "documents": len(manifest.documents),
        "pending": len(manifest.pending),
        "missing": sorted(listed - stored)[:5],
        "unlisted": len(stored - listed),
        "unlisted_not_pending": sorted(i for i in stored - listed if doc_of(i) not in manifest.pending)[:5],
        "lexical_differs": len(lexical ^ listed),
        "dense_hits": len(dense),
        "retrieved_not_live": sum(p.chunk.doc_id not in live for p in found.passages),
        "answered": not answer.abstained and len(answer.statements) == 1,
        "quotes_match": quotes_match,
        "files_differ": sorted(set(files.items()) ^ {(k, e.content_hash) for k, e in manifest.documents.items()})[:5],
    }


if __name__ == "__main__":
    mode, where = sys.argv[1], Path(sys.argv[2])
    if mode == "index":
        index(where)
    else:
        print(json.dumps(check(where)), flush=True)
