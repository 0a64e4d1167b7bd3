"""The vector store (Chroma: embedded PersistentClient, or a server) and the index manifest.

Chroma's nested result dicts never leave this module: callers get `Chunk`s and scores.
The manifest records which file content is indexed, so unchanged files are skipped without
embedding anything. It lives with the data it describes: `manifest.json` (written atomically)
beside an embedded store; a collection of its own in a Chroma server (`RAG_CHROMA_URL`), so
every process and machine using that server sees the same index. `open_index` picks both.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rag.core.days import DayRange, day_number
from rag.core.errors import IndexBusyError, IndexCorruptError, IndexMissingError
from rag.core.types import Chunk, Sentence

COLLECTION = "chunks"
MANIFEST = "manifest.json"
_META_ID = "__index__"
READ_PAGE = 5000  # the manifest collection's record for index-wide facts
# How many chunks an indexing run checks can be found by their own vector (`ChromaStore.unreachable`).
UNREACHABLE_SAMPLE = 2000
# The names a collection has while `ChromaStore.rebuild_vectors` swaps it for its copy.
_NEW, _OLD = "__rebuilt", "__replaced"


class VectorStore(Protocol):
    """What the pipeline needs from a vector database."""

    def add(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None: ...
    def delete_source(self, source: str) -> int: ...
    def delete_ids(self, ids: Sequence[str]) -> None: ...
    def query(
        self,
        embedding: np.ndarray,
        k: int,
        *,
        sources: Sequence[str] | None = None,
        days: DayRange | None = None,
    ) -> list[tuple[Chunk, float]]: ...
    def all_chunks(self) -> list[Chunk]: ...
    def get(self, ids: Sequence[str]) -> list[Chunk]: ...
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
        "day": day_number(c.date),  # YYYYMMDD, 0 when undated: for date-range filters
        "url": c.url or "",
        # [start, end], or [start, end, 1] for a sentence of readers' comments (`Sentence.comment`)
        "sentences": json.dumps([[s.start, s.end, 1] if s.comment else [s.start, s.end] for s in c.sentences]),
        "comments": any(s.comment for s in c.sentences),
    }


def _read_all(col: Any, include: list[str], page: int) -> dict[str, list[Any]]:
    """Every record of a collection, read `page` at a time (one read of ~100k records fails in
    Chroma's SQLite: "too many SQL variables", seen at 96,423 chunks)."""
    out: dict[str, list[Any]] = {"ids": [], **{k: [] for k in include}}
    for offset in range(0, int(col.count()), page):
        res: Any = col.get(include=include, limit=page, offset=offset)
        for k in out:
            out[k].extend(res[k])  # embeddings come as one array: its rows
    return out


def _chunks_of(res: Any) -> list[Chunk]:
    return [
        _chunk_from(cid, doc, md) for cid, doc, md in zip(res["ids"], res["documents"], res["metadatas"], strict=True)
    ]


def _all_of(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    """Chroma's `where` for all of these clauses (its `$and` wants two or more)."""
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _day_clause(days: DayRange) -> dict[str, Any]:
    """Chroma's `where` for a date range over the chunks' `day` (YYYYMMDD, 0 = no full date)."""
    bounds: list[dict[str, Any]] = [{"day": {"$gt": 0}}]  # an undated article is not "before" anything
    if days.since is not None:
        bounds.append({"day": {"$gte": days.since}})
    if days.until is not None:
        bounds.append({"day": {"$lte": days.until}})
    dated = _all_of(bounds)
    return {"$or": [dated, {"day": 0}]} if days.undated else dated


def _chunk_from(cid: str, text: str, md: dict[str, Any]) -> Chunk:
    # Chunk text is the sentences joined by single spaces, so each sentence's text is recovered
    # from its length without storing it twice.
    sents = []
    pos = 0
    for s, e, *comment in json.loads(md["sentences"]):
        sents.append(Sentence(s, e, text[pos : pos + (e - s)], comment=bool(comment)))
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


def _http_client(url: str) -> Any:
    """A `chromadb.HttpClient` for `http(s)://HOST:PORT`; raises IndexMissingError naming the fix."""
    from urllib.parse import urlsplit

    import chromadb
    from chromadb.config import Settings as ChromaSettings

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise IndexMissingError(f"RAG_CHROMA_URL must look like http://HOST:PORT, not {url!r}.")
    try:
        client = chromadb.HttpClient(
            host=parts.hostname,
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            settings=ChromaSettings(anonymized_telemetry=False),
        )
        client.heartbeat()
    except Exception as exc:  # noqa: BLE001 - connection errors come in many types
        raise IndexMissingError(
            f"No Chroma server answers at {url} ({type(exc).__name__}: {exc}). Start one "
            "(`chroma run --path DIR --port PORT`) or unset RAG_CHROMA_URL to use the embedded index."
        ) from exc
    return client


class ChromaStore:
    """Chunks and their embeddings in a Chroma collection (cosine space), embedded or on a server."""

    def __init__(
        self, path: Path | None = None, *, create: bool = True, url: str | None = None, collection: str = COLLECTION
    ) -> None:
        """Open the store: embedded under `path`, or on the server at `url`.

        Args:
            path: the embedded store's folder (ignored with `url`).
            create: create an embedded store that does not exist yet (else IndexMissingError).
            url: a Chroma server, `http://HOST:PORT` (`RAG_CHROMA_URL`).
            collection: the collection name (one server can hold several indexes).
        """
        self.path = path
        self.url = url
        self.collection = collection
        if url:
            self._client = _http_client(url)
        else:
            assert path is not None
            if not create and not (path / "chroma.sqlite3").exists():
                raise IndexMissingError(f"No index at {path.parent}: run `rag index` to build it.")
            self._client = _local_client(path)
        try:
            _finish_rebuild(self._client, collection)
            self._col = self._client.get_or_create_collection(
                collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
            # A server takes at most this many records per request.
            self.max_batch = int(self._client.get_max_batch_size())
            self.read_page = min(READ_PAGE, self.max_batch)
        except Exception as exc:  # noqa: BLE001 - sqlite/rust/http errors come in many types
            raise IndexCorruptError(
                f"The index at {url or path} cannot be opened ({type(exc).__name__}: {exc}). "
                "Rebuild it with `rag index --rebuild`."
            ) from exc

    @property
    def client(self) -> Any:
        return self._client

    def reset(self) -> None:
        """Drop every chunk (the collection is deleted and created again)."""
        self._client.delete_collection(self.collection)
        self._col = self._client.get_or_create_collection(
            self.collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )

    def add(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        vecs = embeddings.astype(np.float32)
        for i in range(0, len(chunks), self.max_batch):
            batch = chunks[i : i + self.max_batch]
            self._col.upsert(
                ids=[c.id for c in batch],
                embeddings=vecs[i : i + len(batch)],
                documents=[c.text for c in batch],
                metadatas=[_chunk_metadata(c) for c in batch],
            )

    def delete_source(self, source: str) -> int:
        found = self._col.get(where={"source": source}, include=[])
        ids = found["ids"]
        self.delete_ids(ids)
        return len(ids)

    def delete_ids(self, ids: Sequence[str]) -> None:
        """Delete these chunks (ids that are not in the store are ignored)."""
        ids = list(ids)
        for i in range(0, len(ids), self.max_batch):
            self._col.delete(ids=ids[i : i + self.max_batch])

    def ids(self) -> set[str]:
        """Every chunk id in the store (reads the whole id list: for checks, not for questions)."""
        return set(self._again(lambda: _read_all(self._col, [], self.read_page))["ids"])

    def query(
        self,
        embedding: np.ndarray,
        k: int,
        *,
        sources: Sequence[str] | None = None,
        days: DayRange | None = None,
    ) -> list[tuple[Chunk, float]]:
        """The `k` nearest chunks, optionally only from `sources` and dated within `days` (YYYYMMDD;
        articles without a full date, stored as day 0, only when the range includes them)."""
        n = self.count()
        if n == 0:
            return []
        clauses: list[dict[str, Any]] = []
        if sources:
            clauses.append({"source": {"$in": list(sources)}})
        if days is not None:
            clauses.append(_day_clause(days))
        where: dict[str, Any] | None = None
        if clauses:
            where = _all_of(clauses)
        res: Any = self._again(
            lambda: self._col.query(
                query_embeddings=[embedding.astype(np.float32).tolist()],
                n_results=min(k, n),
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        )
        out = []
        for cid, doc, md, dist in zip(
            res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
        ):
            out.append((_chunk_from(cid, doc, md), 1.0 - float(dist)))
        return out

    def get(self, ids: Sequence[str]) -> list[Chunk]:
        """The chunks with these ids (those that exist), in any order."""
        ids = list(ids)
        out: list[Chunk] = []
        for i in range(0, len(ids), self.read_page):
            part = ids[i : i + self.read_page]
            res: Any = self._again(lambda: self._col.get(ids=part, include=["documents", "metadatas"]))  # noqa: B023
            out += _chunks_of(res)
        return out

    def vectors(self) -> dict[str, np.ndarray]:
        """{chunk id: its stored embedding} of every chunk (for comparing two indexes, not for questions)."""
        res = _read_all(self._col, ["embeddings"], self.read_page)
        return {cid: np.asarray(v, dtype=np.float32) for cid, v in zip(res["ids"], res["embeddings"], strict=True)}

    def all_chunks(self) -> list[Chunk]:
        return _chunks_of(_read_all(self._col, ["documents", "metadatas"], self.read_page))

    def count(self) -> int:
        return int(self._again(lambda: self._col.count()))

    def _again(self, call: Callable[[], Any]) -> Any:
        """`call()`, once more on the collection under its name when another process rebuilt it
        (`rebuild_vectors`: the collection this handle points at was replaced)."""
        try:
            return call()
        except Exception as exc:
            if type(exc).__name__ != "NotFoundError":
                raise
            self._col = self._client.get_collection(self.collection, embedding_function=None)
            return call()

    def unreachable(self, *, limit: int = UNREACHABLE_SAMPLE, k: int = 10) -> tuple[int, list[str]]:
        """(chunks checked, ids of those a query with their own stored vector does not return among
        the `k` nearest). Chroma's HNSW graph can lose records after many deletions and upserts
        while `get` still returns them (chromadb issue #7758, open for 1.5.9): on this project's
        long-lived BBC eval index, re-embedded in place, 183 of 3,850 chunks could not be found
        by any question. Up to `limit` chunks, evenly spread over the ids, are checked (2,000 take
        about 2 s on 2 cores)."""
        ids = sorted(self.ids())
        picked = [ids[int(i)] for i in np.unique(np.linspace(0, len(ids) - 1, num=min(limit, len(ids))).astype(int))]
        lost: list[str] = []
        for i in range(0, len(picked), 256):
            res: Any = self._col.get(ids=picked[i : i + 256], include=["embeddings"])
            vecs = np.asarray(res["embeddings"], dtype=np.float32)
            found: Any = self._col.query(query_embeddings=vecs, n_results=min(k, len(ids)), include=[])
            lost += [cid for cid, got in zip(res["ids"], found["ids"], strict=True) if cid not in got]
        return len(picked), lost

    def rebuild_vectors(self) -> None:
        """Build the collection's vector index again from its stored records (ids, embeddings,
        texts, metadata: nothing is embedded again), in a new collection that then takes the
        old one's name. The old one is kept, renamed, until the new one holds every record; an
        interrupted rebuild is finished or undone when the store is next opened (`_finish_rebuild`).

        Raises:
            IndexCorruptError: the copy does not hold every record (the old collection is kept).
        """
        res = _read_all(self._col, ["embeddings", "documents", "metadatas"], self.read_page)
        client, name = self._client, self.collection
        with contextlib.suppress(Exception):  # a copy left by an earlier, interrupted rebuild
            client.delete_collection(f"{name}{_NEW}")
        new = client.create_collection(
            f"{name}{_NEW}", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        for i in range(0, len(res["ids"]), self.max_batch):
            part = slice(i, i + self.max_batch)
            new.add(
                ids=res["ids"][part],
                embeddings=np.asarray(res["embeddings"][part], dtype=np.float32),
                documents=res["documents"][part],
                metadatas=res["metadatas"][part],
            )
        if int(new.count()) != len(res["ids"]):
            raise IndexCorruptError(
                f"Rebuilding the vector index copied {new.count()} of {len(res['ids'])} chunks; the index is "
                "unchanged. Rebuild it with `rag index --rebuild`."
            )
        self._col.modify(name=f"{name}{_OLD}")
        new.modify(name=name)
        client.delete_collection(f"{name}{_OLD}")
        self._col = client.get_collection(name, embedding_function=None)


def _finish_rebuild(client: Any, name: str) -> None:
    """Complete or undo a rebuild that stopped midway: a collection renamed away with no new one
    named in its place gets its name back; a full copy already in place makes it redundant."""
    names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    if f"{name}{_OLD}" not in names:
        return
    if name in names:
        client.delete_collection(f"{name}{_OLD}")
    else:
        client.get_collection(f"{name}{_OLD}", embedding_function=None).modify(name=name)


def _local_client(path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(
            path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        )
    except Exception as exc:  # noqa: BLE001 - sqlite/rust errors come in many types
        raise IndexCorruptError(
            f"The index at {path} cannot be opened ({type(exc).__name__}: {exc}). "
            "Rebuild it with `rag index --rebuild`."
        ) from exc


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
    size: int = 0  # the file's size and modification time when indexed: unchanged files are not read again
    mtime_ns: int = 0


@dataclass
class Manifest:
    """Index-wide facts: chunking signature, embedder, and the indexed documents by source.

    The manifest is the index's commit record: a chunk is part of the index only when its
    document's `doc_id` is listed in `documents`. `pending` lists documents (doc_id: chunk count)
    whose chunks may be in the store without being part of the index: written before a batch's
    chunks are added, and for replaced or removed documents before their chunks are deleted. A
    run killed at any moment leaves such chunks only; readers ignore them, and the next run
    deletes them (`rag.index.indexer`).
    """

    signature: str = ""
    embedder: str = ""
    documents: dict[str, DocEntry] = field(default_factory=dict)
    version: int = 0
    pending: dict[str, int] = field(default_factory=dict)

    def live(self) -> frozenset[str]:
        """The doc_ids that are part of the index."""
        return frozenset(e.doc_id for e in self.documents.values())

    @classmethod
    def load(cls, index_dir: Path) -> Manifest:
        path = index_dir / MANIFEST
        if not path.exists():
            raise IndexMissingError(f"No index at {index_dir}: run `rag index` to build it.")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            docs = {k: DocEntry(**v) for k, v in raw["documents"].items()}
            pending = {str(k): int(v) for k, v in raw.get("pending", {}).items()}
            return cls(raw["signature"], raw["embedder"], docs, int(raw.get("version", 0)), pending)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
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
            "pending": dict(sorted(self.pending.items())),
            "documents": {k: vars(v) for k, v in sorted(self.documents.items())},
        }
        tmp = index_dir / f".{MANIFEST}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            # Compact: json's C encoder (an indented dump runs in pure Python, ~10x slower on a large archive).
            f.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
            f.flush()
            os.fsync(f.fileno())  # on disk before it replaces the last commit
        os.replace(tmp, index_dir / MANIFEST)


class ManifestStore(Protocol):
    """Where an index's manifest is kept: beside an embedded store, or in the Chroma server."""

    def exists(self) -> bool: ...
    def load(self) -> Manifest: ...
    def save(self, manifest: Manifest) -> None: ...
    def delete(self) -> None: ...
    def version(self) -> object:
        """A cheap token that changes whenever the manifest is saved (polled on every question)."""
        ...


class FileManifests:
    """`manifest.json` in the index folder, replaced atomically on save."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir

    def exists(self) -> bool:
        return (self.index_dir / MANIFEST).exists()

    def load(self) -> Manifest:
        return Manifest.load(self.index_dir)

    def save(self, manifest: Manifest) -> None:
        manifest.save(self.index_dir)

    def delete(self) -> None:
        (self.index_dir / MANIFEST).unlink(missing_ok=True)

    def version(self) -> object:
        try:
            st = (self.index_dir / MANIFEST).stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)


class ChromaManifests:
    """The manifest as a collection of the Chroma server: one record per document, one for the index.

    Documents are written before the index record, whose `version` goes up on every save, so a
    reader that sees a new version sees the documents it describes.
    """

    def __init__(self, store: ChromaStore) -> None:
        self.name = f"{store.collection}__manifest"
        self._client = store.client
        self.max_batch = store.max_batch
        self._col = self._client.get_or_create_collection(self.name, embedding_function=None)
        self._saved: dict[str, DocEntry | None] | None = None  # the documents as last loaded or saved

    def _meta(self) -> dict[str, Any] | None:
        got: Any = self._col.get(ids=[_META_ID], include=["metadatas"])
        return dict(got["metadatas"][0]) if got["ids"] else None

    def exists(self) -> bool:
        return self._meta() is not None

    def version(self) -> object:
        meta = self._meta()
        return None if meta is None else int(meta.get("version", 0))

    def load(self) -> Manifest:
        meta = self._meta()
        if meta is None:
            raise IndexMissingError(f"No index in the Chroma server's {self.name!r}: run `rag index` to build it.")
        got = _read_all(self._col, ["metadatas"], min(READ_PAGE, self.max_batch))
        docs = {}
        try:
            for rid, md in zip(got["ids"], got["metadatas"], strict=True):
                if rid != _META_ID:
                    entry = {k: md[k] for k in DocEntry.__dataclass_fields__ if k in md}
                    entry["date"] = entry.get("date") or None
                    entry["url"] = entry.get("url") or None
                    docs[rid] = DocEntry(**entry)
            self._saved = dict(docs)
            pending = {str(k): int(v) for k, v in json.loads(str(meta.get("pending") or "{}")).items()}
            return Manifest(str(meta["signature"]), str(meta["embedder"]), docs, int(meta["version"]), pending)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IndexCorruptError(
                f"The manifest in the Chroma server's {self.name!r} is damaged ({exc}): run `rag index --rebuild`."
            ) from exc

    def save(self, manifest: Manifest) -> None:
        """Write the documents that changed since the last load or save (all, the first time), then the version."""
        if self._saved is None:
            have = _read_all(self._col, [], min(READ_PAGE, self.max_batch))
            self._saved = {rid: None for rid in have["ids"] if rid != _META_ID}
        saved = self._saved
        gone = [rid for rid in saved if rid not in manifest.documents]
        for i in range(0, len(gone), self.max_batch):
            self._col.delete(ids=gone[i : i + self.max_batch])
        items = sorted((k, v) for k, v in manifest.documents.items() if saved.get(k) != v)
        for i in range(0, len(items), self.max_batch):
            batch = items[i : i + self.max_batch]
            self._col.upsert(
                ids=[k for k, _ in batch],
                embeddings=[[1.0]] * len(batch),  # Chroma stores a vector with every record
                metadatas=[{k: ("" if x is None else x) for k, x in vars(v).items()} for _, v in batch],
            )
        manifest.version += 1
        meta = {
            "signature": manifest.signature,
            "embedder": manifest.embedder,
            "version": manifest.version,
            "pending": json.dumps(manifest.pending, sort_keys=True),
        }
        self._col.upsert(ids=[_META_ID], embeddings=[[1.0]], metadatas=[meta])
        self._saved = dict(manifest.documents)

    def delete(self) -> None:
        self._client.delete_collection(self.name)
        self._col = self._client.get_or_create_collection(self.name, embedding_function=None)
        self._saved = {}


def open_index(index_dir: Path, *, url: str | None, collection: str, create: bool) -> tuple[ChromaStore, ManifestStore]:
    """The store and its manifest: embedded under `index_dir`, or in the Chroma server at `url`."""
    if url:
        store = ChromaStore(url=url, collection=collection)
        return store, ChromaManifests(store)
    return ChromaStore(index_dir / "chroma", create=create, collection=collection), FileManifests(index_dir)


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
