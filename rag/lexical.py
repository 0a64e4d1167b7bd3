"""Lexical retrieval with BM25 (the `bm25s` library) over the indexed chunks.

Names, numbers and dates need exact matching that embeddings blur, so numbers are normalised
("250,000" -> "250000") and words are stemmed before indexing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "said",
        "says",
        "say",
    ]
)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:  # pragma: no cover - PyStemmer is a dependency
        return None


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens without stopwords; numbers without separators."""
    out = []
    for m in _WORD.finditer(text.casefold()):
        tok = m.group(0).replace("’", "'")
        if tok[0].isdigit():
            out.append(tok.replace(",", ""))
        elif tok not in STOPWORDS and len(tok) > 1:
            out.append(tok)
    stem = _stemmer()
    if stem is not None:
        out = [t if t[0].isdigit() else stem.stemWord(t) for t in out]
    return out


# Words that frame a question rather than say what it is about: question words, and what an
# instruction in a question asks of the answer ("answer without citations"). Stemmed.
QUESTION_FRAME = frozenset(
    tokenize(
        "many much why which what who whom whose when where how does did do answer answers citation citations "
        "cite source sources system instruction instructions ignore previous reply tell please"
    )
)


def _bm25s() -> Any:
    import bm25s

    # bm25s sets its own logger to DEBUG on import, which prints "DEBUG: Building index from
    # tokens" to every user of `rag`; its messages follow the application's level instead.
    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


class BM25Index:
    """A BM25 index over a fixed list of (id, text); rebuilt when the corpus changes.

    `save`/`load` keep it on disk under a key (the index's version), so a new process opens an
    archive's lexical index in milliseconds (memory-mapped) instead of re-tokenising every chunk.
    """

    def __init__(self, ids: Sequence[str], texts: Sequence[str] | None = None, *, retriever: Any = None) -> None:
        self.ids = list(ids)
        self._retriever: Any = retriever
        if retriever is not None:
            self.vocabulary = frozenset(str(t) for t in retriever.vocab_dict if t not in ("_", ""))
            return
        tokens = [tokenize(t) or ["_"] for t in texts or []]  # bm25s wants at least one token per document
        self.vocabulary = frozenset(t for doc in tokens for t in doc)
        if self.ids:
            self._retriever = _bm25s().BM25()
            self._retriever.index(tokens, show_progress=False)

    @staticmethod
    def _folder(root: Path, key: str) -> Path:
        return root / ("bm25-" + hashlib.sha256(key.encode()).hexdigest()[:16])

    def save(self, root: Path, key: str) -> None:
        """Write the index under `root` for `key`, atomically (a folder renamed into place); older keys go."""
        if self._retriever is None:
            return
        target = self._folder(root, key)
        if target.exists():
            return
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".bm25-", dir=root))
        try:
            self._retriever.save(str(tmp), show_progress=False)
            (tmp / "ids.json").write_text(json.dumps({"key": key, "ids": self.ids}), encoding="utf-8")
            os.replace(tmp, target)
        except OSError:  # another process saved the same key first
            shutil.rmtree(tmp, ignore_errors=True)
            return
        for old in root.glob("bm25-*"):
            if old != target:
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, root: Path, key: str) -> BM25Index | None:
        """The index saved for `key`, memory-mapped; None when there is none (or it is unreadable)."""
        folder = cls._folder(root, key)
        try:
            meta = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
            if meta["key"] != key:
                return None
            retriever = _bm25s().BM25.load(str(folder), mmap=True, show_progress=False)
        except (OSError, ValueError, KeyError):
            return None
        return cls(meta["ids"], retriever=retriever)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The top-`k` (id, score) pairs with a positive score, best first."""
        q = tokenize(query)
        if not q or self._retriever is None:
            return []
        k = min(k, len(self.ids))
        docs, scores = self._retriever.retrieve([q], k=k, show_progress=False)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
