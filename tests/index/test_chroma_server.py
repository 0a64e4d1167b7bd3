"""Chroma as a real server (`chroma run`): the same passages as the embedded store, the manifest in
the server, and a second process's article found by a running one without a restart."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import FakeEmbedder, ScriptedGenerator
from servers import chroma_server

from rag.core.errors import IndexMissingError
from rag.core.settings import Settings
from rag.index.store import ChromaStore
from rag.pipeline import Pipeline

QUESTIONS = [
    "How many doctors remain in eastern Aleppo?",
    "Which hospital was hit by two barrel bombs?",
    "What did Maria Zakharova warn the US against?",
    "Who is the president of MSF?",
]
NEW_ARTICLE = (
    "date 2016-10-05 Water restored in Aleppo\n\nEngineers restored water to 40 percent of west Aleppo "
    "on Wednesday, the water authority said.\n"
)


@contextlib.contextmanager
def _no_server() -> Iterator[None]:
    yield None


@pytest.fixture
def server(tmp_path: Path):
    with chroma_server(tmp_path / "chroma-server") as url:
        yield url


def _pipe(settings: Settings, **kw) -> Pipeline:
    return Pipeline(settings.model_copy(update=kw), embedder=FakeEmbedder(), generator=ScriptedGenerator("{}"))


def test_server_store_retrieves_what_the_embedded_store_does(settings: Settings, server: str, tmp_path) -> None:
    embedded = _pipe(settings)
    remote = _pipe(settings, chroma_url=server, index_dir=tmp_path / "remote-index")
    a, b = embedded.index(), remote.index()
    assert (a.documents, a.chunks_added) == (b.documents, b.chunks_added) == (5, a.chunks_added)
    assert not (tmp_path / "remote-index" / "manifest.json").exists(), "with a server the manifest is in it"
    for q in QUESTIONS:
        here = [(p.chunk.id, p.chunk.text) for p in embedded.retrieve(q).passages]
        there = [(p.chunk.id, p.chunk.text) for p in remote.retrieve(q).passages]
        assert here == there and here, q
    # Re-indexing through the server skips every unchanged article.
    again = remote.index()
    assert again.chunks_added == 0 and again.chunks_unchanged == a.chunks_added


def test_a_second_machine_sees_the_index_and_a_second_process_adds_to_it(
    settings: Settings, server: str, tmp_path: Path, corpus: Path
) -> None:
    first = _pipe(settings, chroma_url=server, index_dir=tmp_path / "machine-1")
    first.index()
    # Another machine: its own (empty) index folder, the same server.
    other = _pipe(settings, chroma_url=server, index_dir=tmp_path / "machine-2")
    assert other.has_index() and sorted(other.documents()) == sorted(first.documents())
    before = {p.chunk.source for p in other.retrieve("How much water did engineers restore in west Aleppo?").passages}

    # A separate process indexes one new article through the server while `other` keeps running.
    new = corpus / "water.txt"
    new.write_text(NEW_ARTICLE, encoding="utf-8")
    code = (
        "import sys, json; sys.path.insert(0, 'tests')\n"
        "from pathlib import Path\nfrom fakes import FakeEmbedder\nfrom rag.index.indexer import index_paths\n"
        "from rag.core.settings import Settings\n"
        "s = Settings(**json.loads(sys.argv[1]))\n"
        "r = index_paths([Path(sys.argv[2])], settings=s, embedder=FakeEmbedder())\n"
        "print(r.chunks_added)\n"
    )
    conf = {
        "root": str(settings.root),
        "corpus_dir": str(corpus),
        "index_dir": str(tmp_path / "machine-3"),
        "chroma_url": server,
    }
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(conf), str(new)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "1", proc.stderr
    after = {p.chunk.source for p in other.retrieve("How much water did engineers restore in west Aleppo?").passages}
    assert "corpus/water.txt" in after and "corpus/water.txt" not in before
    assert other.documents()["corpus/water.txt"].date == "2016-10-05"


def test_server_batches_respect_its_maximum(server: str) -> None:
    store = ChromaStore(url=server, collection="batching")
    assert store.max_batch >= 1
    store.max_batch = 3  # as if the server took three records per request
    from rag.core.types import Chunk, Sentence

    chunks = [
        Chunk(f"d:{i}", "d", "a.txt", i, f"text {i}", 0, 6, (Sentence(0, 6, f"text {i}"),), "T") for i in range(7)
    ]
    store.add(chunks, FakeEmbedder().embed([c.text for c in chunks]))
    assert store.count() == 7
    # the vector index rebuilt on the server (chromadb #7758), in batches; a second client follows
    other = ChromaStore(url=server, collection="batching")
    store.rebuild_vectors()
    assert store.count() == 7 and other.count() == 7 and store.unreachable() == (7, [])
    assert sorted(c.id for c in other.get([c.id for c in chunks])) == sorted(c.id for c in chunks)
    assert store.delete_source("a.txt") == 7 and store.count() == 0


def test_no_server_at_the_url_names_the_fix(settings: Settings) -> None:
    from servers import free_port

    pipe = _pipe(settings, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(IndexMissingError, match="chroma run --path DIR --port PORT"):
        pipe.index()
    with pytest.raises(IndexMissingError, match="http://HOST:PORT"):
        ChromaStore(url="localhost:8000")


@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_an_index_past_a_thousand_embeddings_reopens_after_a_restart(
    settings: Settings, tmp_path: Path, corpus: Path, mode: str
) -> None:
    """A chromadb release failed to load its HNSW index after a restart past ~1,000 embeddings (chroma #7090)."""
    from rag.faces.archive import write_archive

    planted = write_archive(corpus / "archive", 240, seed=3, planted_every=40)
    data = tmp_path / "chroma-data"
    q = planted[0].question
    with chroma_server(data) if mode == "server" else _no_server() as url:
        pipe = _pipe(settings, chroma_url=url)
        report = pipe.index()
        assert report.chunks_added > 1000
        count = ChromaStore(url=url, collection=settings.chroma_collection).count() if url else None
        before = [p.chunk.id for p in pipe.retrieve(q).passages]
    assert before, "the planted question finds passages"
    # The server (or the embedded store) starts again on the same files, in a new process.
    with chroma_server(data) if mode == "server" else _no_server() as url:
        code = (
            "import sys, json; sys.path.insert(0, 'tests')\n"
            "from fakes import FakeEmbedder, ScriptedGenerator\nfrom rag.pipeline import Pipeline\n"
            "from rag.core.settings import Settings\nfrom rag.index.store import ChromaStore\n"
            "s = Settings(**json.loads(sys.argv[1]))\n"
            "p = Pipeline(s, embedder=FakeEmbedder(), generator=ScriptedGenerator('{}'))\n"
            "store = ChromaStore(url=s.chroma_url, collection=s.chroma_collection) if s.chroma_url else "
            "ChromaStore(s.index_path / 'chroma')\n"
            "print(json.dumps({'count': store.count(), 'ids': [x.chunk.id for x in p.retrieve(sys.argv[2]).passages]}))\n"
        )
        conf = {
            "root": str(settings.root),
            "corpus_dir": str(corpus),
            "index_dir": str(settings.index_path),
            "chroma_url": url,
            "support_low": 0.3,
            "support_high": 0.6,
        }
        root = Path(__file__).resolve().parents[2]
        proc = subprocess.run(
            [sys.executable, "-c", code, json.dumps(conf), q],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(root)},
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["ids"] == before
    assert got["count"] == (count if count is not None else report.chunks_added)


def test_the_text_layer_lives_in_the_server_for_every_machine(settings: Settings, server: str, tmp_path) -> None:
    """A web page's and a PDF's extracted text is kept in the server: another machine (no local
    folder in common) reads the same text, so the citation contract holds there too."""
    import documents as D

    from rag.index.texts import ChromaTexts

    D.two_column_pdf(settings.corpus_path / "page3.pdf")
    (settings.corpus_path / "flood.html").write_text(
        D.news_page(D.FLOOD_TITLE, D.FLOOD, author="Jane Roe", date="2024-03-05", url="https://courier.example/f")
    )
    first = _pipe(settings, chroma_url=server, index_dir=tmp_path / "one")
    first.index()
    other = _pipe(settings, chroma_url=server, index_dir=tmp_path / "two")
    assert not (tmp_path / "one" / "texts").exists()
    for name in ("corpus/page3.pdf", "corpus/flood.html"):
        text = other.source_text(name)
        assert text == first.source_text(name) and "Exeter" in text
    docs = other.documents()
    layer = ChromaTexts(ChromaStore(url=server))
    assert layer.digests() == {docs["corpus/page3.pdf"].content_hash, docs["corpus/flood.html"].content_hash}
    assert other.source_page("corpus/flood.html", 10) is None  # a web page has no pages
    pdf = other.source_text("corpus/page3.pdf")
    assert other.source_page("corpus/page3.pdf", pdf.index("Insurers")) == 2
