"""Hybrid retrieval: dense (Chroma) and lexical (BM25) lists fused by reciprocal rank fusion,
then near-duplicate passages (the same wire copy in two articles) collapsed into one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rag.core.days import DayRange, day_number
from rag.core.types import Passage
from rag.index.embeddings import Embedder
from rag.index.lexical import BM25Index, LexicalIndex
from rag.index.store import DocEntry, Manifest, VectorStore
from rag.reading.chunking import chunk_id, doc_of

_WORDS = re.compile(r"\w+", re.UNICODE)
# Chunks changed since the saved lexical index that are scored as a delta rather than rebuilt:
# up to this many, or this share of the saved index, whichever is more.
DELTA_MAX = 2000
DELTA_SHARE = 0.05


def rrf(rankings: Sequence[Sequence[str]], *, k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: score(d) = sum over lists of 1 / (k + rank), rank from 1."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.casefold())
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def containment(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    """|a ∩ b| / min(|a|, |b|): 1.0 when the smaller text lies wholly inside the larger."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def collapse_duplicates(passages: Sequence[Passage], *, threshold: float) -> list[Passage]:
    """Merge passages from different articles whose text is the same copy; keep every source."""
    kept: list[Passage] = []
    kept_sh: list[set[tuple[str, ...]]] = []
    for p in passages:
        sh = shingles(p.chunk.text)
        for i, q in enumerate(kept):
            if q.chunk.doc_id != p.chunk.doc_id and containment(sh, kept_sh[i]) >= threshold:
                kept[i] = replace(q, duplicates=(*q.duplicates, p.chunk))
                break
        else:
            kept.append(p)
            kept_sh.append(sh)
    return [replace(p, rank=i + 1) for i, p in enumerate(kept)]


@dataclass(frozen=True, slots=True)
class Retrieval:
    """Passages for a question, with the relevance signals used to decide abstention."""

    passages: tuple[Passage, ...]
    best_dense: float
    lexical_hits: int
    vocabulary: frozenset[str] = frozenset()  # every (stemmed) word of the index, for the premise check


def in_days(date: str | None, days: DayRange | None) -> bool:
    """Whether an article's date lies in the range (an undated article lies in none, unless the
    range includes undated articles)."""
    return days is None or days.admits(date)


def _delta(ids: Sequence[str], documents: Mapping[str, DocEntry]) -> tuple[list[str], int] | None:
    """The chunk ids to add to a lexical index of `ids` and how many of its chunks to drop, to index
    `documents`; None when that is too many to score as a delta (the index is rebuilt instead)."""
    had: dict[str, int] = {}
    for cid in ids:
        doc = doc_of(cid)
        had[doc] = had.get(doc, 0) + 1
    now = {e.doc_id: e.chunks for e in documents.values()}
    added = [chunk_id(d, i) for d, n in now.items() if had.get(d) != n for i in range(n)]
    removed = sum(n for d, n in had.items() if now.get(d) != n)
    if len(added) + removed > max(DELTA_MAX, DELTA_SHARE * len(ids)):
        return None
    return added, removed


class Retriever:
    """Dense + BM25 retrieval over a store; the BM25 index follows the index's version.

    The lexical index is kept on disk under `cache_dir`, keyed by the version: a process that
    opens an unchanged archive memory-maps it instead of reading and tokenising every chunk.
    Lexical hits are fetched from the store by id, so no process holds the whole corpus.
    """

    def __init__(self, store: VectorStore, embedder: Embedder, *, cache_dir: Path | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.cache_dir = cache_dir
        self._lexical: LexicalIndex | None = None
        self._version: object = None
        self._live: frozenset[str] | None = None  # the manifest's doc_ids: chunks of others are not indexed
        self._lock = threading.Lock()

    def refresh(self, version: object, manifest: Manifest | None = None) -> None:
        """Bring the lexical index to the store's `version` if it changed since the last call.

        The index saved for this version is memory-mapped; failing that, the one saved last plus
        the chunks of the manifest's documents added since, when they are few and chunked the same
        way; failing that, it is rebuilt from every chunk and saved.
        """
        with self._lock:
            if self._lexical is not None and version == self._version:
                return
            key = repr(version)
            family = manifest.signature if manifest is not None else ""
            saved = BM25Index.load(self.cache_dir, key) if self.cache_dir else None
            lexical = LexicalIndex(saved) if saved is not None else None
            if lexical is None and self.cache_dir and manifest is not None:
                lexical = self._since(BM25Index.load(self.cache_dir, None, family=family), manifest.documents)
            live = manifest.live() if manifest is not None else None
            if lexical is None:
                chunks = [c for c in self.store.all_chunks() if live is None or c.doc_id in live]
                base = BM25Index([c.id for c in chunks], [c.embedding_text() for c in chunks])
                if self.cache_dir:
                    base.save(self.cache_dir, key, family=family)
                lexical = LexicalIndex(base)
            self._lexical = lexical
            self._version = version
            self._live = live

    def prepare(self, version: object, manifest: Manifest) -> None:
        """Leave a lexical index on disk that a new process can open quickly for `version`.

        When the index saved for `version`, or one a small delta away, is there, nothing is loaded
        (a process opens it with the delta on its first question); else it is rebuilt and saved.
        """
        if self.cache_dir is not None:
            if BM25Index.saved_ids(self.cache_dir, repr(version)) is not None:
                return
            ids = BM25Index.saved_ids(self.cache_dir, None, family=manifest.signature)
            if ids is not None and _delta(ids, manifest.documents) is not None:
                return
        self.refresh(version, manifest)

    def _since(self, saved: BM25Index | None, documents: Mapping[str, DocEntry]) -> LexicalIndex | None:
        """`saved` plus the documents' chunks it lacks, or None when there is none or too much changed."""
        if saved is None or not saved.avgdl:
            return None
        delta = _delta(saved.ids, documents)
        if delta is None:
            return None
        added, removed = delta
        chunks = self.store.get(added)
        return LexicalIndex(saved, [c.id for c in chunks], [c.embedding_text() for c in chunks], removed=removed)

    def retrieve(
        self,
        question: str,
        *,
        top: int,
        dense_k: int = 20,
        lexical_k: int = 20,
        rrf_k: int = 60,
        duplicate_threshold: float = 0.6,
        sources: Sequence[str] | None = None,
        days: DayRange | None = None,
        prefer_recent: bool = False,
    ) -> Retrieval:
        """The `top` best passages for `question`.

        Args:
            question: the standalone question.
            top: passages to return.
            dense_k, lexical_k, rrf_k, duplicate_threshold: the retrieval settings.
            sources: only chunks of these articles.
            days: only chunks of articles dated from/to these days (YYYYMMDD, either may be None).
            prefer_recent: a third ranking, newest article first, joins the fusion (for questions
                about the latest state of things).
        """
        vec = self.embedder.embed([question])[0]
        live = self._live
        # Chunks of documents the manifest does not list (an indexing run in progress or killed) are not used.
        dense = [
            (c, s)
            for c, s in self.store.query(vec, dense_k, sources=sources, days=days)
            if live is None or c.doc_id in live
        ]
        dense_ids = [c.id for c, _ in dense]
        dense_score = {c.id: s for c, s in dense}
        # The dense hits come with their chunks; BM25 hits are fetched from the store by id.
        chunks = {c.id: c for c, _ in dense}
        lexical: list[tuple[str, float]] = []
        if self._lexical is not None:
            wanted = set(sources) if sources else None
            # Ask for more when filtering, so the filter still leaves `lexical_k` candidates.
            k = lexical_k * (4 if wanted or days else 1)
            hits = self._lexical.search(question, k)
            chunks.update({c.id: c for c in self.store.get([cid for cid, _ in hits if cid not in chunks])})
            lexical = [
                (cid, s)
                for cid, s in hits
                if cid in chunks
                and (live is None or chunks[cid].doc_id in live)
                and (wanted is None or chunks[cid].source in wanted)
                and in_days(chunks[cid].date, days)
            ][:lexical_k]
        rankings = [dense_ids, [cid for cid, _ in lexical]]
        if prefer_recent:
            candidates = list(dict.fromkeys(rankings[0] + rankings[1]))
            rankings.append(sorted(candidates, key=lambda cid: -day_number(chunks[cid].date)))
        fused = rrf(rankings, k=rrf_k)
        passages = [
            Passage(chunks[cid], score, i + 1, dense_score.get(cid))
            for i, (cid, score) in enumerate(fused)
            if cid in chunks
        ]
        collapsed = collapse_duplicates(passages, threshold=duplicate_threshold)[:top]
        best = max(dense_score.values(), default=0.0)
        vocabulary = self._lexical.vocabulary if self._lexical is not None else frozenset()
        return Retrieval(tuple(collapsed), best, len(lexical), vocabulary)
