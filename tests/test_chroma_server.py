"""Chroma as a real server (`chroma run`): the same passages as the embedded store, the manifest in
the server, and a second process's article found by a running one without a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakes import FakeEmbedder, ScriptedGenerator
from servers import chroma_server

from rag.errors import IndexMissingError
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.store import ChromaStore

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
        "from pathlib import Path\nfrom fakes import FakeEmbedder\nfrom rag.indexer import index_paths\n"
        "from rag.settings import Settings\n"
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
    root = Path(__file__).resolve().parent.parent
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
    from rag.types import Chunk, Sentence

    chunks = [
        Chunk(f"d:{i}", "d", "a.txt", i, f"text {i}", 0, 6, (Sentence(0, 6, f"text {i}"),), "T") for i in range(7)
    ]
    store.add(chunks, FakeEmbedder().embed([c.text for c in chunks]))
    assert store.count() == 7
    assert store.delete_source("a.txt") == 7 and store.count() == 0


def test_no_server_at_the_url_names_the_fix(settings: Settings) -> None:
    from servers import free_port

    pipe = _pipe(settings, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(IndexMissingError, match="chroma run --path DIR --port PORT"):
        pipe.index()
    with pytest.raises(IndexMissingError, match="http://HOST:PORT"):
        ChromaStore(url="localhost:8000")
