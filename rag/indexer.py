"""Incremental indexing: only new or changed files are chunked and embedded.

A file is identified by its path as indexed and its content hash. Re-running on an unchanged
corpus embeds nothing; an edited file's old chunks are replaced; a deleted file's chunks are
removed. The manifest is saved after every file, so an interrupted run loses no finished work.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from rag.chunking import chunk_document, signature
from rag.embeddings import Embedder
from rag.errors import EmptyCorpusError, IndexCorruptError, IndexMissingError
from rag.ingest import discover, load_document, resolve_source
from rag.settings import Settings
from rag.store import ChromaStore, DocEntry, Manifest, ManifestStore, index_lock, open_index, wipe

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


def index_paths(
    paths: Sequence[Path],
    *,
    settings: Settings,
    embedder: Embedder,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> IndexReport:
    """Index the article files under `paths` into the store at `settings.index_path`.

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
    files = list(discover(paths))
    if not files:
        where = ", ".join(map(str, paths))
        raise EmptyCorpusError(
            f"No .txt or .md articles found in {where}: add article files and run `rag index` again."
        )
    warnings: list[str] = []
    with index_lock(index_dir, exclusive=True, timeout=settings.lock_timeout_s):
        sig = chunk_signature(settings)
        manifest, store, manifests = _open(settings, rebuild=rebuild)
        added = unchanged = removed = documents = 0
        if manifest.documents and (manifest.signature != sig or manifest.embedder != embedder.name):
            log.warning("chunking or embedder changed: re-indexing everything")
            for source in list(manifest.documents):
                removed += store.delete_source(source)
            manifest.documents.clear()
        manifest.signature, manifest.embedder = sig, embedder.name

        seen: set[str] = set()
        for i, path in enumerate(files):
            if progress:
                progress(i, len(files), str(path))
            doc, warning = load_document(path, root=settings.root, max_bytes=settings.max_file_bytes)
            if warning:
                log.warning(warning)
                warnings.append(warning)
            if doc is None:
                continue
            documents += 1
            seen.add(doc.source)
            entry = manifest.documents.get(doc.source)
            if entry is not None and entry.content_hash == doc.content_hash:
                unchanged += entry.chunks
                continue
            chunks = chunk_document(
                doc,
                target_tokens=settings.chunk_tokens,
                max_tokens=settings.chunk_max_tokens,
                overlap=settings.chunk_overlap_sentences,
            )
            # Delete by source, not by the manifest's count: this also cleans up after a run that
            # was interrupted between writing chunks and saving the manifest.
            removed += store.delete_source(doc.source)
            store.add(chunks, embedder.embed([c.embedding_text() for c in chunks]))
            added += len(chunks)
            manifest.documents[doc.source] = DocEntry(
                doc.id, doc.content_hash, doc.title, doc.date, doc.url, len(chunks), doc.encoding
            )
            manifests.save(manifest)
        # Files that were indexed from these folders but are gone (or no longer readable).
        for source in list(manifest.documents):
            gone = not resolve_source(source, settings.root).exists()
            if source not in seen and (gone or _is_under(source, roots, settings.root)):
                removed += store.delete_source(source)
                del manifest.documents[source]
        manifests.save(manifest)
        if progress:
            progress(len(files), len(files), "")
    if documents == 0:
        raise EmptyCorpusError(
            "No readable article found: " + "; ".join(warnings[:5]) + ". Add UTF-8 .txt or .md files."
        )
    return IndexReport(documents, added, unchanged, removed, time.perf_counter() - t0, tuple(warnings))


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
