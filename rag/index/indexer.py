"""Incremental indexing: only new or changed files are chunked and embedded.

A file is identified by its path as indexed and its content hash. Re-running on an unchanged
corpus embeds nothing (a file whose size and modification time are as recorded is not even
read); an edited file's old chunks are replaced; a deleted file's chunks are removed.

An export (JSON, JSONL, CSV) is indexed a record at a time: editing one record of a changed file
re-embeds that record's chunks only, and a record that is gone is removed. The extracted text of
every file that is not plain text is kept in the index's text layer (`rag.index.texts`).

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
from rag.index.texts import Layer, TextLayer, open_texts
from rag.reading.chunking import chunk_document, chunk_id, signature
from rag.reading.formats import Fields, is_plain, split_key
from rag.reading.ingest import Found, corpus_notes, find_articles, load_documents, resolve_source

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
    notes: tuple[str, ...] = ()  # files left out on purpose (a corpus folder's README), and why

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["seconds"] = round(self.seconds, 3)
        d["warnings"] = list(self.warnings)
        d["notes"] = list(self.notes)
        return d


def chunk_signature(settings: Settings) -> str:
    """What chunking depends on; with `record_fields` set, those too (a record's text is chosen by them)."""
    sig = signature(settings.chunk_tokens, settings.chunk_max_tokens, settings.chunk_overlap_sentences)
    if settings.record_fields:
        sig += "|fields=" + ",".join(f"{k}={v}" for k, v in sorted(settings.record_fields.items()))
    return sig


def _is_under(source: str, roots: Sequence[Path], project_root: Path) -> bool:
    path = resolve_source(split_key(source)[0], project_root).resolve()
    return any(path == r or r in path.parents for r in roots)


class _Writer:
    """Writes an indexing run's changes so that a kill at any moment leaves a consistent index.

    Each batch is embedded, announced in the manifest's `pending` (saved), added to the store,
    then committed: the manifest lists the new documents and moves the ones they replace to
    `pending` (saved), and only then are the replaced chunks deleted. Readers use the chunks of
    listed documents only, so they see the last commit; `recover()` deletes what a killed run
    left pending.
    """

    def __init__(
        self, manifest: Manifest, store: ChromaStore, manifests: ManifestStore, embedder: Embedder, texts: TextLayer
    ) -> None:
        self.manifest, self.store, self.manifests, self.embedder = manifest, store, manifests, embedder
        self.texts = texts
        self.batch: list[tuple[Document, list[Chunk], tuple[int, int]]] = []
        self.removed = 0
        self.unsaved = False  # the manifest in memory differs from the saved one
        self.dropped: set[str] = set()  # text layers (digests) that may no longer be cited

    def recover(self) -> None:
        """Delete the chunks (and text layers) a killed run left in the store without committing them."""
        if self.manifest.pending:
            log.warning("the last indexing run was interrupted: removing its unfinished chunks")
            self._delete_pending()
            self.dropped |= self.texts.digests()
            self._drop_texts()
            self.save()

    def save(self) -> None:
        self.manifests.save(self.manifest)
        self.unsaved = False

    def _commit(self) -> None:
        """Save the manifest (readers now see the change), then delete the chunks it made pending
        and the text layers no document has any more."""
        self.save()
        self._delete_pending()
        self._drop_texts()

    def _drop_texts(self) -> None:
        if self.dropped:
            live = {e.content_hash for e in self.manifest.documents.values()}
            self.texts.delete(self.dropped - live)
            self.dropped.clear()

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
        self.texts.put({d.content_hash: Layer(d.text, d.pages) for d, _, _ in self.batch if not is_plain(d.source)})
        self.store.add(chunks, vectors)
        for doc, cs, (size, mtime) in self.batch:
            old = m.documents.get(doc.source)
            if old is not None and old.doc_id != doc.id:
                m.pending[old.doc_id] = old.chunks
                self.removed += old.chunks
                self.dropped.add(old.content_hash)
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
            self.dropped.add(old.content_hash)
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
            raise EmptyCorpusError(f"{p} does not exist: give a folder or file of articles ({KINDS}).")
    files = list(find_articles(paths, settings.root, skip=[index_dir]))
    if not files:
        where = ", ".join(map(str, paths))
        raise EmptyCorpusError(
            f"No .txt or .md articles found in {where} (nor .html, .pdf, .docx or .json/.jsonl/.csv exports): "
            "add article files and run `rag index` again."
        )
    fields = Fields.with_overrides(settings.record_fields)
    warnings: list[str] = []
    with index_lock(index_dir, exclusive=True, timeout=settings.lock_timeout_s):
        sig = chunk_signature(settings)
        manifest, store, manifests, texts = _open(settings, rebuild=rebuild)
        writer = _Writer(manifest, store, manifests, embedder, texts)
        writer.recover()
        if manifest.documents and (manifest.signature != sig or manifest.embedder != embedder.name):
            log.warning("chunking or embedder changed: re-indexing everything")
            writer.remove(list(manifest.documents))
        manifest.signature, manifest.embedder = sig, embedder.name
        before = dict(manifest.documents)
        tally = _Tally(warnings=warnings, fields=fields, by_file=_by_file(manifest))
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
                and (
                    not resolve_source(split_key(source)[0], settings.root).exists()
                    or _is_under(source, roots, settings.root)
                )
            ]
        )
        if writer.unsaved or manifest.documents != before or not manifests.exists():
            writer.save()  # an unchanged index keeps its version (and its saved lexical index)
        repaired = repair_vectors(store)
        if done:
            done(manifest)
        if progress:
            progress(len(files), len(files), "")
    if tally.documents == 0:
        raise EmptyCorpusError("No readable article found: " + "; ".join(warnings[:5]) + f". Add articles ({KINDS}).")
    return IndexReport(
        tally.documents,
        tally.added,
        tally.unchanged,
        writer.removed,
        time.perf_counter() - t0,
        tuple(warnings),
        (*corpus_notes(paths), *repaired),
    )


def repair_vectors(store: ChromaStore) -> list[str]:
    """Check that the store's chunks can be found by search (`ChromaStore.unreachable`) and, when
    some cannot, rebuild its vector index from the stored vectors; the note that says so, or none.
    Nothing is embedded again and the manifest is unchanged."""
    checked, lost = store.unreachable()
    if not lost:
        return []
    log.warning("%d of %d chunks checked cannot be found by search: rebuilding the vector index", len(lost), checked)
    store.rebuild_vectors()
    _, still = store.unreachable()
    return [
        f"{len(lost)} of {checked} chunks checked could not be found by search (a fault of Chroma's vector "
        "index after many deletions and updates, chromadb issue #7758); the vector index was rebuilt from "
        f"the stored vectors{'' if not still else f', and {len(still)} still cannot: run `rag index --rebuild`'}."
    ]


KINDS = ".txt, .md, .html, .pdf, .docx, or .json/.jsonl/.csv exports"


def _by_file(manifest: Manifest) -> dict[str, list[str]]:
    """The indexed names of each file: itself, or an export's records."""
    out: dict[str, list[str]] = {}
    for source in manifest.documents:
        out.setdefault(split_key(source)[0], []).append(source)
    return out


@dataclass(slots=True)
class _Tally:
    """What an indexing run has taken in so far."""

    warnings: list[str]
    fields: Fields
    by_file: dict[str, list[str]]  # file -> its indexed names (`_by_file`)
    # A file written in the last moments may change again within its clock tick, keeping its
    # size and time: files changed after this moment are recorded without a time, so the next
    # run reads them.
    settled_ns: int = field(default_factory=lambda: time.time_ns() - 2_000_000_000)
    documents: int = 0
    added: int = 0
    unchanged: int = 0
    seen: set[str] = field(default_factory=set)


def _take_in(found: Found, writer: _Writer, tally: _Tally, *, settings: Settings) -> None:
    """One article file: skipped when its size and time are as indexed, else read; each of its
    articles (an export's records) whose content changed is chunked and written."""
    manifest = writer.manifest
    path, st, source = found.path, found.stat, found.source
    entries = [manifest.documents[k] for k in tally.by_file.get(source, ()) if k in manifest.documents]
    if entries and st is not None and all((e.size, e.mtime_ns) == (st.st_size, st.st_mtime_ns) for e in entries):
        tally.documents += len(entries)
        tally.seen.update(tally.by_file[source])
        tally.unchanged += sum(e.chunks for e in entries)
        return
    docs, warnings = load_documents(
        path,
        root=settings.root,
        max_bytes=settings.max_file_bytes,
        max_export_bytes=settings.max_export_bytes,
        source=source,
        fields=tally.fields,
    )
    for warning in warnings:
        log.warning(warning)
        tally.warnings.append(warning)
    size, mtime = (st.st_size, st.st_mtime_ns if st.st_mtime_ns < tally.settled_ns else 0) if st else (0, 0)
    for doc in docs:
        tally.documents += 1
        tally.seen.add(doc.source)
        entry = manifest.documents.get(doc.source)
        if entry is not None and entry.content_hash == doc.content_hash:
            tally.unchanged += entry.chunks
            manifest.documents[doc.source] = replace(entry, size=size, mtime_ns=mtime)  # touched, not changed
            continue
        chunks = chunk_document(
            doc,
            target_tokens=settings.chunk_tokens,
            max_tokens=settings.chunk_max_tokens,
            overlap=settings.chunk_overlap_sentences,
        )
        writer.add(doc, chunks, (size, mtime), settings.index_batch_chunks)
        tally.added += len(chunks)


def _open(settings: Settings, *, rebuild: bool) -> tuple[Manifest, ChromaStore, ManifestStore, TextLayer]:
    store, manifests, manifest = _open_store(settings, rebuild=rebuild)
    texts = open_texts(settings.index_path, store)
    if rebuild:
        texts.reset()
    return manifest, store, manifests, texts


def _open_store(settings: Settings, *, rebuild: bool) -> tuple[ChromaStore, ManifestStore, Manifest]:
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
        return store, manifests, Manifest()
    store, manifests = open_index(index_dir, url=url, collection=collection, create=True)
    try:
        manifest = manifests.load()
    except IndexMissingError:
        manifest = Manifest()
    if not manifest.documents and store.count():
        # Chunks without a manifest: an interrupted first run. Start clean.
        store.reset()
    return store, manifests, manifest
