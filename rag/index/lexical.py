"""Lexical retrieval with BM25 (the `bm25s` library) over the indexed chunks.

Names, numbers and dates need exact matching that embeddings blur, so numbers are normalised
("250,000" -> "250000") and words are stemmed before indexing. Scripts written without spaces
between words (Chinese, Japanese kana, Thai, Lao, Khmer, Myanmar) are indexed as overlapping
character bigrams ("東京都庁" -> 東京 京都 都庁), the standard CJK analysis of Lucene's
`CJKBigramFilter`: no dictionary to bundle, and a literal question finds its sentence.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
# Han (with the compatibility and extension blocks), hiragana, katakana (and half-width), Thai,
# Lao, Myanmar, Khmer: letters of scripts that put no space between words.
_UNSPACED = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
    "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff\U00020000-\U0002ffff]+"
)
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


def unspaced(token: str) -> bool:
    """Whether a token is a bigram (or lone character) of an unspaced script, not a word."""
    return _UNSPACED.fullmatch(token) is not None


def bigrams(run: str) -> list[str]:
    """A run of an unspaced script as overlapping character bigrams; one character stands alone."""
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def _word_tokens(word: str, stem: Any) -> Iterator[str]:
    """The tokens of one word: a stemmed word, or the bigrams of its unspaced-script runs."""
    at = 0
    for m in _UNSPACED.finditer(word):
        if m.start() > at:
            yield from _word_tokens(word[at : m.start()], stem)
        yield from bigrams(m.group(0))
        at = m.end()
    if at == 0:
        if word not in STOPWORDS and len(word) > 1:
            yield stem.stemWord(word) if stem is not None else word
    elif at < len(word):
        yield from _word_tokens(word[at:], stem)


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens without stopwords; numbers without separators; character
    bigrams for scripts written without spaces (see the module docstring)."""
    out: list[str] = []
    stem = _stemmer()
    for m in _WORD.finditer(text.casefold()):
        tok = m.group(0).replace("’", "'")
        if tok[0].isdigit():
            out.append(tok.replace(",", ""))
        else:
            out.extend(_word_tokens(tok, stem))
    return out


# Words that frame a question rather than say what it is about: question words, and what an
# instruction in a question asks of the answer ("answer without citations"). Stemmed.
QUESTION_FRAME = frozenset(
    tokenize(
        "many much why which what who whom whose when where how does did do answer answers citation citations "
        "cite source sources system instruction instructions ignore previous reply tell please "
        # Chinese and Japanese question words, as the bigrams `tokenize` makes of them.
        "什么 多少 哪里 哪儿 几点 几个 为什么 怎么 何时 时候 是否 何人 何処 何時"
    )
)
_KANA_ONLY = re.compile("[\u3040-\u309f]+")


def frames_question(token: str) -> bool:
    """A token that frames a question rather than says what it is about: a `QUESTION_FRAME` word,
    or a bigram of hiragana alone (particles and endings: "です", "どこ", "はど"), which Japanese
    writes around its content words in kanji and katakana."""
    return token in QUESTION_FRAME or _KANA_ONLY.fullmatch(token) is not None


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

    def __init__(
        self,
        ids: Sequence[str],
        texts: Sequence[str] | None = None,
        *,
        retriever: Any = None,
        avgdl: float = 0.0,
    ) -> None:
        self.ids = list(ids)
        self._retriever: Any = retriever
        self.avgdl = avgdl  # mean tokens per chunk: a delta (`LexicalIndex`) is scored with it
        if retriever is not None:
            self.vocabulary = frozenset(str(t) for t in retriever.vocab_dict if t not in ("_", ""))
            return
        tokens = [tokenize(t) or ["_"] for t in texts or []]  # bm25s wants at least one token per document
        self.vocabulary = frozenset(t for doc in tokens for t in doc)
        self.avgdl = sum(map(len, tokens)) / len(tokens) if tokens else 0.0
        if self.ids:
            self._retriever = _bm25s().BM25()
            self._retriever.index(tokens, show_progress=False)

    def df(self, token: str) -> int:
        """How many chunks contain `token`."""
        if self._retriever is None or token not in self._retriever.vocab_dict:
            return 0
        tid = self._retriever.vocab_dict[token]
        indptr = self._retriever.scores["indptr"]
        return int(indptr[tid + 1] - indptr[tid])

    @property
    def params(self) -> tuple[float, float]:
        """BM25's k1 and b."""
        r = self._retriever
        return (float(r.k1), float(r.b)) if r is not None else (1.5, 0.75)

    @staticmethod
    def _folder(root: Path, key: str) -> Path:
        return root / ("bm25-" + hashlib.sha256(key.encode()).hexdigest()[:16])

    def save(self, root: Path, key: str, *, family: str = "") -> None:
        """Write the index under `root` for `key`, atomically (a folder renamed into place); older keys go.

        `family` (the chunking signature) says which indexes a later version may extend.
        """
        if self._retriever is None:
            return
        target = self._folder(root, key)
        if target.exists():
            return
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".bm25-", dir=root))
        try:
            self._retriever.save(str(tmp), show_progress=False)
            meta = {"key": key, "family": family, "ids": self.ids, "avgdl": self.avgdl}
            (tmp / "ids.json").write_text(json.dumps(meta), encoding="utf-8")
            os.replace(tmp, target)
        except OSError:  # another process saved the same key first
            shutil.rmtree(tmp, ignore_errors=True)
            return
        for old in root.glob("bm25-*"):
            if old != target:
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def _saved(cls, root: Path, key: str | None, family: str) -> Iterator[tuple[Path, dict[str, Any]]]:
        """(folder, ids.json) of the saved indexes for `key` (None: of this `family`, whatever their key)."""
        folders = [cls._folder(root, key)] if key is not None else sorted(root.glob("bm25-*"))
        for folder in folders:
            try:
                meta = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
                if (meta["key"] != key) if key is not None else (meta.get("family", "") != family):
                    continue
            except (OSError, ValueError, KeyError):
                continue
            yield folder, meta

    @classmethod
    def saved_ids(cls, root: Path, key: str | None, *, family: str = "") -> list[str] | None:
        """The chunk ids of the index `load` would open, without opening it (None: there is none)."""
        return next((list(meta["ids"]) for _, meta in cls._saved(root, key, family)), None)

    @classmethod
    def load(cls, root: Path, key: str | None, *, family: str = "") -> BM25Index | None:
        """The index saved for `key` (None: the one saved last of this `family`, whatever its key), memory-mapped.

        None when there is none, or it is unreadable.
        """
        for folder, meta in cls._saved(root, key, family):
            try:
                retriever = _bm25s().BM25.load(str(folder), mmap=True, show_progress=False)
            except (OSError, ValueError, KeyError):
                continue
            return cls(meta["ids"], retriever=retriever, avgdl=float(meta.get("avgdl", 0.0)))
        return None

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The top-`k` (id, score) pairs with a positive score, best first."""
        q = tokenize(query)
        if not q or self._retriever is None:
            return []
        k = min(k, len(self.ids))
        docs, scores = self._retriever.retrieve([q], k=k, show_progress=False)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


class LexicalIndex:
    """A saved BM25 index plus the chunks added since it was saved, scored with its statistics.

    Re-indexing one article of a large archive must not re-tokenise every chunk: the new chunks
    form a small delta, scored by BM25 with the saved index's document frequencies and mean
    length (so its scores and the saved index's are on one scale), and chunks removed since are
    dropped from the results by the caller (they are no longer in the store).
    """

    def __init__(
        self, base: BM25Index, ids: Sequence[str] = (), texts: Sequence[str] = (), *, removed: int = 0
    ) -> None:
        self.base = base
        self.removed = removed
        self.ids = list(ids)
        self._tokens = [tokenize(t) for t in texts]
        self.vocabulary = base.vocabulary | frozenset(t for doc in self._tokens for t in doc)
        self._counts = [_counts(doc) for doc in self._tokens]

    @property
    def size(self) -> int:
        return len(self.base.ids) - self.removed + len(self.ids)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The top-`k` (id, score) pairs, best first; may name removed chunks (the caller drops those)."""
        hits = self.base.search(query, k + self.removed)
        if self.ids:
            hits = sorted(hits + self._delta(query), key=lambda h: -h[1])
        return hits[: k + self.removed]

    def _delta(self, query: str) -> list[tuple[str, float]]:
        q = tokenize(query)
        n = max(self.size, 1)
        k1, b = self.base.params
        avgdl = self.base.avgdl or (sum(map(len, self._tokens)) / max(len(self._tokens), 1)) or 1.0
        idf = {}
        for t in set(q):
            df = self.base.df(t) + sum(t in c for c in self._counts)
            idf[t] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        out = []
        for cid, doc, counts in zip(self.ids, self._tokens, self._counts, strict=True):
            norm = k1 * (1 - b + b * len(doc) / avgdl)
            score = sum(idf[t] * counts[t] / (counts[t] + norm) for t in q if t in counts)
            if score > 0:
                out.append((cid, score))
        return out


def _counts(tokens: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for t in tokens:
        out[t] = out.get(t, 0) + 1
    return out
