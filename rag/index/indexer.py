"""Incremental indexing: only new or changed files are chunked and embedded.

A file is identified by its path as indexed and its content hash. Re-running on an unchanged
corpus embeds nothing (a file whose size and modification time are as recorded is not even
read); an edited file's old chunks are replaced; a deleted file's chunks are removed.

Changed files are embedded and written in batches of about `index_batch_chunks` chunks (one
embedding call and one store write per batch), each committed in the manifest (see `_Writer`):
a run killed at any moment leaves the index as of its last commit, readers keep answering from
it, and the next run removes the unfinished batch and goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from rag.core.errors import EmptyCorpusError, IndexCorruptError, IndexMissingError
from rag.core.settings import Settings
from rag.core.types import Chunk, Document
from rag.index.embeddings import Embedder
from rag.index.store import ChromaStore, DocEntry, Manifest, ManifestStore, index_lock, open_index, wipe
from rag.reading.chunking import chunk_document, chunk_id, signature
from rag.reading.ingest import Found, find_articles, load_document, resolve_source

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What one indexing run did; `to_dict()` is the `rag index --json` summary."""

    documents: int
    chunks_added: int
    chunks_unchanged: int
    chunks_removed: int
    seconds: float
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["seconds"] = round(self.seconds, 3)
        d["warnings"] = list(self.warnings)
        return d


def chunk_signature(settings: Settings) -> str:
    return signature(settings.chunk_tokens, settings.chunk_max_tokens, settings.chunk_overlap_sentences)


def _is_under(source: str, roots: Sequence[Path], project_root: Path) -> bool:
    path = resolve_source(source, project_root).resolve()
    return any(path == r or r in path.parents for r in roots)


class _Writer:
    """Writes an indexing run's changes so that a kill at any moment leaves a consistent index.

    Each batch is embedded, announced in the manifest's `pending` (saved), added to the store,
    then committed: the manifest lists the new documents and moves the ones they replace to
    `pending` (saved), and only then are the replaced chunks deleted. Readers use the chunks of
    listed documents only, so they see the last commit; `recover()` deletes what a killed run
    left pending.
    """

    def __init__(self, manifest: Manifest, store: ChromaStore, manifests: ManifestStore, embedder: Embedder) -> None:
        self.manifest, self.store, self.manifests, self.embedder = manifest, store, manifests, embedder
        self.batch: list[tuple[Document, list[Chunk], tuple[int, int]]] = []
        self.removed = 0
        self.unsaved = False  # the manifest in memory differs from the saved one

    def recover(self) -> None:
        """Delete the chunks a killed run left in the store without committing them."""
        if self.manifest.pending:
            log.warning("the last indexing run was interrupted: removing its unfinished chunks")
            self._delete_pending()
            self.save()

    def save(self) -> None:
        self.manifests.save(self.manifest)
        self.unsaved = False

    def _commit(self) -> None:
        """Save the manifest (readers now see the change), then delete the chunks it made pending."""
        self.save()
        self._delete_pending()

    def _delete_pending(self) -> None:
        live = self.manifest.live()
        ids = [chunk_id(d, i) for d, n in self.manifest.pending.items() if d not in live for i in range(n)]
        self.store.delete_ids(ids)
        self.manifest.pending.clear()
        self.unsaved = True

    def add(self, doc: Document, chunks: list[Chunk], stat: tuple[int, int], limit: int) -> None:
        self.batch.append((doc, chunks, stat))
        if sum(len(cs) for _, cs, _ in self.batch) >= limit:
            self.flush()

    def flush(self) -> None:
        """Embed and write the batch, commit it in the manifest, then delete what it replaced."""
        if not self.batch:
            return
        chunks = [c for _, cs, _ in self.batch for c in cs]
        vectors = self.embedder.embed([c.embedding_text() for c in chunks])
        m = self.manifest
        m.pending.update({doc.id: len(cs) for doc, cs, _ in self.batch})
        self.save()
        self.store.add(chunks, vectors)
        for doc, cs, (size, mtime) in self.batch:
            old = m.documents.get(doc.source)
            if old is not None and old.doc_id != doc.id:
                m.pending[old.doc_id] = old.chunks
                self.removed += old.chunks
            m.documents[doc.source] = DocEntry(
                doc.id, doc.content_hash, doc.title, doc.date, doc.url, len(cs), doc.encoding, size, mtime
            )
            m.pending.pop(doc.id, None)
        self._commit()
        self.batch.clear()

    def remove(self, sources: Sequence[str]) -> None:
        """Take these documents out of the index (commit), then delete their chunks."""
        if not sources:
            return
        for source in sources:
            old = self.manifest.documents.pop(source)
            self.manifest.pending[old.doc_id] = old.chunks
            self.removed += old.chunks
        self._commit()


def index_paths(
    paths: Sequence[Path],
    *,
    settings: Settings,
    embedder: Embedder,
    rebuild: bool = False,
    progress: Progress | None = None,
    done: Callable[[Manifest], None] | None = None,
) -> IndexReport:
    """Index the article files under `paths` into the store at `settings.index_path`.

    `done` is called with the saved manifest before the index's lock is let go.

    Raises:
        EmptyCorpusError: no readable article was found.
        IndexBusyError: another indexing run holds the index.
    """
    t0 = time.perf_counter()
    index_dir = settings.index_path
    roots = [p.resolve() for p in paths]
    for p in paths:
        if not p.exists():
            raise EmptyCorpusError(f"{p} does not exist: give a folder or file of .txt/.md articles.")
    files = list(find_articles(paths, settings.root))
    if not files:
        where = ", ".join(map(str, paths))
        raise EmptyCorpusError(
            f"No .txt or .md articles found in {where}: add article files and run `rag index` again."
        )
    warnings: list[str] = []
    with index_lock(index_dir, exclusive=True, timeout=settings.lock_timeout_s):
        sig = chunk_signature(settings)
        manifest, store, manifests = _open(settings, rebuild=rebuild)
        writer = _Writer(manifest, store, manifests, embedder)
        writer.recover()
        if manifest.documents and (manifest.signature != sig or manifest.embedder != embedder.name):
            log.warning("chunking or embedder changed: re-indexing everything")
            writer.remove(list(manifest.documents))
        manifest.signature, manifest.embedder = sig, embedder.name
        before = dict(manifest.documents)
        tally = _Tally(warnings=warnings)
        for i, found in enumerate(files):
            if progress:
                progress(i, len(files), str(found.path))
            _take_in(found, writer, tally, settings=settings)
        writer.flush()
        # Files that were indexed from these folders but are gone (or no longer readable).
        writer.remove(
            [
                source
                for source in manifest.documents
                if source not in tally.seen
                and (not resolve_source(source, settings.root).exists() or _is_under(source, roots, settings.root))
            ]
        )
        if writer.unsaved or manifest.documents != before or not manifests.exists():
            writer.save()  # an unchanged index keeps its version (and its saved lexical index)
        if done:
            done(manifest)
        if progress:
            progress(len(files), len(files), "")
    if tally.documents == 0:
        raise EmptyCorpusError(
            "No readable article found: " + "; ".join(warnings[:5]) + ". Add UTF-8 .txt or .md files."
        )
    return IndexReport(
        tally.documents, tally.added, tally.unchanged, writer.removed, time.perf_counter() - t0, tuple(warnings)
    )


@dataclass(slots=True)
class _Tally:
    """What an indexing run has taken in so far."""

    warnings: list[str]
    # A file written in the last moments may change again within its clock tick, keeping its
    # size and time: files changed after this moment are recorded without a time, so the next
    # run reads them.
    settled_ns: int = field(default_factory=lambda: time.time_ns() - 2_000_000_000)
    documents: int = 0
    added: int = 0
    unchanged: int = 0
    seen: set[str] = field(default_factory=set)


def _take_in(found: Found, writer: _Writer, tally: _Tally, *, settings: Settings) -> None:
    """One article file: skipped when its size and time (or content) are as indexed, else read,
    chunked and written."""
    manifest = writer.manifest
    path, st, source = found.path, found.stat, found.source
    entry = manifest.documents.get(source)
    if entry is not None and st is not None and (entry.size, entry.mtime_ns) == (st.st_size, st.st_mtime_ns):
        tally.documents += 1
        tally.seen.add(source)
        tally.unchanged += entry.chunks
        return
    doc, warning = load_document(path, root=settings.root, max_bytes=settings.max_file_bytes, source=found.source)
    if warning:
        log.warning(warning)
        tally.warnings.append(warning)
    if doc is None:
        return
    tally.documents += 1
    tally.seen.add(doc.source)
    size, mtime = (st.st_size, st.st_mtime_ns if st.st_mtime_ns < tally.settled_ns else 0) if st else (0, 0)
    if entry is not None and entry.content_hash == doc.content_hash:
        tally.unchanged += entry.chunks
        manifest.documents[doc.source] = replace(entry, size=size, mtime_ns=mtime)  # touched, not changed
        return
    chunks = chunk_document(
        doc,
        target_tokens=settings.chunk_tokens,
        max_tokens=settings.chunk_max_tokens,
        overlap=settings.chunk_overlap_sentences,
    )
    writer.add(doc, chunks, (size, mtime), settings.index_batch_chunks)
    tally.added += len(chunks)


def _open(settings: Settings, *, rebuild: bool) -> tuple[Manifest, ChromaStore, ManifestStore]:
    index_dir, url, collection = settings.index_path, settings.chroma_url, settings.chroma_collection
    if rebuild:
        # The index is derived data: --rebuild throws it away and starts again.
        try:
            store, manifests = open_index(index_dir, url=url, collection=collection, create=True)
            manifests.delete()
            store.reset()
        except IndexCorruptError:
            if url:
                raise
            wipe(index_dir / "chroma")
            store, manifests = open_index(index_dir, url=url, collection=collection, create=True)
            manifests.delete()
        return Manifest(), store, manifests
    store, manifests = open_index(index_dir, url=url, collection=collection, create=True)
    try:
        manifest = manifests.load()
    except IndexMissingError:
        manifest = Manifest()
    if not manifest.documents and store.count():
        # Chunks without a manifest: an interrupted first run. Start clean.
        store.reset()
    return manifest, store, manifests
