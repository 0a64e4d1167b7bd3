"""The vector store (Chroma, embedded PersistentClient) and the index manifest.

Chroma's nested result dicts never leave this module: callers get `Chunk`s and scores.
The manifest (`manifest.json`, written atomically) records which file content is indexed,
so unchanged files are skipped without embedding anything.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rag.errors import IndexBusyError, IndexCorruptError, IndexMissingError
from rag.types import Chunk, Sentence

COLLECTION = "chunks"
MANIFEST = "manifest.json"


class VectorStore(Protocol):
    """What the pipeline needs from a vector database."""

    def add(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None: ...
    def delete_source(self, source: str) -> int: ...
    def query(
        self, embedding: np.ndarray, k: int, *, sources: Sequence[str] | None = None
    ) -> list[tuple[Chunk, float]]: ...
    def all_chunks(self) -> list[Chunk]: ...
    def count(self) -> int: ...


def _chunk_metadata(c: Chunk) -> dict[str, Any]:
    return {
        "doc_id": c.doc_id,
        "source": c.source,
        "ordinal": c.ordinal,
        "start": c.start,
        "end": c.end,
        "title": c.title,
        "date": c.date or "",
        "url": c.url or "",
        "sentences": json.dumps([[s.start, s.end] for s in c.sentences]),
    }


def _chunk_from(cid: str, text: str, md: dict[str, Any]) -> Chunk:
    # Chunk text is the sentences joined by single spaces, so each sentence's text is recovered
    # from its length without storing it twice.
    sents = []
    pos = 0
    for s, e in json.loads(md["sentences"]):
        sents.append(Sentence(s, e, text[pos : pos + (e - s)]))
        pos += e - s + 1
    return Chunk(
        id=cid,
        doc_id=md["doc_id"],
        source=md["source"],
        ordinal=int(md["ordinal"]),
        text=text,
        start=int(md["start"]),
        end=int(md["end"]),
        sentences=tuple(sents),
        title=md.get("title", ""),
        date=md.get("date") or None,
        url=md.get("url") or None,
    )


class ChromaStore:
    """Chunks and their embeddings in a persistent Chroma collection (cosine space)."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        if not create and not (path / "chroma.sqlite3").exists():
            raise IndexMissingError(f"No index at {path.parent}: run `rag index` to build it.")
        try:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(
                path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
            )
            self._col = self._client.get_or_create_collection(
                COLLECTION, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
        except (IndexMissingError, ImportError):
            raise
        except Exception as exc:  # noqa: BLE001 - sqlite/rust errors come in many types
            raise IndexCorruptError(
                f"The index at {path} cannot be opened ({type(exc).__name__}: {exc}). "
                "Rebuild it with `rag index --rebuild`."
            ) from exc

    def reset(self) -> None:
        """Drop every chunk (the collection is deleted and created again)."""
        self._client.delete_collection(COLLECTION)
        self._col = self._client.get_or_create_collection(
            COLLECTION, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )

    def add(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        if not chunks:
            return
        self._col.upsert(
            ids=[c.id for c in chunks],
            embeddings=embeddings.astype(np.float32),
            documents=[c.text for c in chunks],
            metadatas=[_chunk_metadata(c) for c in chunks],
        )

    def delete_source(self, source: str) -> int:
        found = self._col.get(where={"source": source}, include=[])
        ids = found["ids"]
        if ids:
            self._col.delete(ids=ids)
        return len(ids)

    def query(
        self, embedding: np.ndarray, k: int, *, sources: Sequence[str] | None = None
    ) -> list[tuple[Chunk, float]]:
        n = self.count()
        if n == 0:
            return []
        where: dict[str, Any] | None = None
        if sources:
            where = {"source": {"$in": list(sources)}}
        res: Any = self._col.query(
            query_embeddings=[embedding.astype(np.float32).tolist()],
            n_results=min(k, n),
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        out = []
        for cid, doc, md, dist in zip(
            res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
        ):
            out.append((_chunk_from(cid, doc, md), 1.0 - float(dist)))
        return out

    def all_chunks(self) -> list[Chunk]:
        res: Any = self._col.get(include=["documents", "metadatas"])
        return [
            _chunk_from(cid, doc, md)
            for cid, doc, md in zip(res["ids"], res["documents"], res["metadatas"], strict=True)
        ]

    def count(self) -> int:
        return int(self._col.count())


def wipe(path: Path) -> None:
    """Delete a Chroma folder that cannot be opened, and Chroma's in-process handle on it."""
    import shutil

    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except ImportError:  # pragma: no cover
        pass
    shutil.rmtree(path, ignore_errors=True)


@dataclass
class DocEntry:
    """What the manifest records for one indexed file."""

    doc_id: str
    content_hash: str
    title: str
    date: str | None
    url: str | None
    chunks: int
    encoding: str = "utf-8"


@dataclass
class Manifest:
    """Index-wide facts: chunking signature, embedder, and the indexed documents by source."""

    signature: str = ""
    embedder: str = ""
    documents: dict[str, DocEntry] = field(default_factory=dict)
    version: int = 0

    @classmethod
    def load(cls, index_dir: Path) -> Manifest:
        path = index_dir / MANIFEST
        if not path.exists():
            raise IndexMissingError(f"No index at {index_dir}: run `rag index` to build it.")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            docs = {k: DocEntry(**v) for k, v in raw["documents"].items()}
            return cls(raw["signature"], raw["embedder"], docs, int(raw.get("version", 0)))
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexCorruptError(
                f"The index manifest {path} is damaged ({exc}). Rebuild with `rag index --rebuild`."
            ) from exc

    def save(self, index_dir: Path) -> None:
        index_dir.mkdir(parents=True, exist_ok=True)
        self.version += 1
        data = {
            "signature": self.signature,
            "embedder": self.embedder,
            "version": self.version,
            "documents": {k: vars(v) for k, v in sorted(self.documents.items())},
        }
        tmp = index_dir / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, index_dir / MANIFEST)


@contextlib.contextmanager
def index_lock(index_dir: Path, *, exclusive: bool, timeout: float) -> Iterator[None]:
    """A file lock on the index: one writer, or any number of readers.

    Each acquisition opens its own file descriptor, so the lock also separates threads of one
    process (flock locks belong to open file descriptions).
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        "The index is being updated right now (`rag index` or an upload is running). "
                        "Try again when it finishes."
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)
