"""Verification: does the cited text support the statement? Cheapest layers first.

1. Exact checks in code: every number, quoted phrase and name in the statement must be in the
   cited text (names may also come from the article title or the sentences just before the
   quote); a statement whose figures come from different articles is a merged claim.
2. Lexical and embedding similarity between the statement and the cited text.
3. For what 1-2 leave undecided (a score between `low` and `high`), an entailment judgement by
   the local model (yes/no under a grammar, with its probability), when a judge is given.

The scoring is pure (no model calls but the embedder and the optional judge), so each layer is
unit-tested, and the thresholds are calibrated on `tests/eval/support_labels.jsonl`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from rag.answering.relations import NUMBER_WORDS as _NUM_WORDS
from rag.answering.relations import normalize as _norm
from rag.answering.relations import quotes_of, relation_check
from rag.core.errors import ModelError
from rag.core.types import Citation, Statement
from rag.index.embeddings import Embedder
from rag.index.lexical import frames_question, tokenize
from rag.reading.layout import word_count

_SCALE = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:(?:,|\s|\u00a0|\u202f)\d{3})+(?![\d])|\d+(?:\.\d+)?")
_NUM_WORD = re.compile(
    r"\b("
    + "|".join(sorted(_NUM_WORDS, key=len, reverse=True))
    + r")(?:[-\s](one|two|three|four|five|six|seven|eight|nine))?"
    r"(?:\s+(hundred|thousand|million|billion))?\b",
    re.IGNORECASE,
)
_SCALED = re.compile(r"(\d+(?:\.\d+)?)\s+(hundred|thousand|million|billion)\b", re.IGNORECASE)
_NAME = re.compile(r"\b(?:[A-Z](?:\.[A-Z])+\.?|[A-Z][\w’'-]*\.?)(?:\s+(?:al-|de\s)?[A-Z][\w’'-]*)*")
_NOT_NAMES = frozenset(
    [
        "until",
        "during",
        "unless",
        "although",
        "though",
        "whereas",
        "besides",
        "despite",
        "among",
        "within",
        "without",
        "between",
    ]
    + [
        "according",
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "it",
        "he",
        "she",
        "they",
        "this",
        "that",
        "these",
        "those",
        "both",
        "after",
        "before",
        "as",
        "since",
        "while",
        "when",
        "and",
        "but",
        "however",
        "there",
        "its",
        "their",
        "his",
        "her",
        "our",
        "we",
        "i",
        "what",
        "who",
        "why",
        "how",
        "some",
        "many",
        "most",
        "all",
        "only",
        "more",
        "also",
        "yet",
        "so",
        "then",
        "if",
        "for",
        "from",
        "with",
        "by",
        "to",
        "of",
    ]
)
ALIASES = {
    "us": ("us", "u.s", "united states", "american", "washington"),
    "u.s": ("us", "u.s", "united states", "american", "washington"),
    "un": ("un", "u.n", "united nations"),
    "u.n": ("un", "u.n", "united nations"),
    "uk": ("uk", "u.k", "britain", "british"),
    "united states": ("us", "u.s", "united states", "american", "washington"),
    "united nations": ("un", "u.n", "united nations"),
}


def numbers_in(text: str) -> set[float]:
    """Numeric values in text: digits with any thousands separator, and number words."""
    out: set[float] = set()
    for m in _SCALED.finditer(text):
        out.add(float(m.group(1)) * _SCALE[m.group(2).lower()])
    for m in _NUMBER.finditer(text):
        raw = re.sub(r"[,\s\u00a0\u202f]", "", m.group(0))
        try:
            out.add(float(raw))
        except ValueError:  # pragma: no cover - the regex only matches numbers
            continue
    for m in _NUM_WORD.finditer(text):
        value = _NUM_WORDS[m.group(1).lower()]
        if m.group(2):
            value += _NUM_WORDS[m.group(2).lower()]
        if m.group(3):
            value *= _SCALE[m.group(3).lower()]
        out.add(float(value))
    return out


def names_in(text: str) -> list[str]:
    """Capitalised words and runs (a cheap named-entity finder), without sentence-start words."""
    names = []
    for m in _NAME.finditer(text):
        words = [
            w
            for w in m.group(0).replace("’", "'").split()
            if w.lower().strip(".") not in _NOT_NAMES and w.lower() not in _NUM_WORDS
        ]
        words = [re.sub(r"'s$", "", w).strip(".,'") for w in words]
        run = " ".join(w for w in words if len(w) > 1)
        if run:
            names.append(run)
    return names


def name_found(name: str, haystack: str) -> bool:
    key = _norm(name).rstrip(".")
    for alias in ALIASES.get(key, (key,)):
        if re.search(r"(?<!\w)" + re.escape(alias), haystack):
            return True
    # "Russian" for "Russia", "Syria's" for "Syria": a shared stem of at least 5 letters.
    stem = re.sub(r"('s|n|ns|s|es|an|ian)$", "", key)
    return len(stem) >= 5 and re.search(r"(?<!\w)" + re.escape(stem), haystack) is not None


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a statement is checked against: the cited quotes plus each quote's surroundings."""

    quotes: tuple[str, ...]
    articles: tuple[str, ...]  # the source of each quote
    contexts: tuple[str, ...] = ()  # per quote: its article title and the text just before it
    uncited: tuple[str, ...] = ()  # the rest of the cited articles, cited spans cut out

    @staticmethod
    def of(citations: Sequence[Citation], *, context: Sequence[str] = (), uncited: Sequence[str] = ()) -> Evidence:
        ctx = list(context) + [""] * (len(citations) - len(context))
        return Evidence(
            tuple(c.quote for c in citations),
            tuple(c.source for c in citations),
            tuple(f"{c.title} {x}" for c, x in zip(citations, ctx, strict=False)),
            tuple(uncited),
        )

    @staticmethod
    def around(citations: Sequence[Citation], text_of: Callable[[str], str | None], chars: int) -> Evidence:
        """The citations with the `chars` characters before each quote and the rest of their articles."""
        return Evidence.of(citations, context=contexts(citations, text_of, chars), uncited=uncited(citations, text_of))

    def article_text(self, article: str | None = None) -> str:
        """Quotes and contexts, of one article or of all."""
        parts = [
            f"{q} {c}"
            for q, a, c in zip(self.quotes, self.articles, self.contexts or [""] * len(self.quotes), strict=True)
            if article is None or a == article
        ]
        return " ".join(parts)


def contexts(citations: Sequence[Citation], text_of: Callable[[str], str | None], chars: int) -> list[str]:
    """The `chars` characters before each quote, where news copy names who is speaking."""
    return [(text_of(c.source) or "")[max(0, c.start - chars) : c.start] for c in citations]


def uncited(citations: Sequence[Citation], text_of: Callable[[str], str | None]) -> list[str]:
    """The cited articles' text outside the cited spans, one piece per gap (no wording spans a cut)."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for c in citations:
        spans.setdefault(c.source, []).append((c.start, c.end))
    out = []
    for source, cut in spans.items():
        text = text_of(source) or ""
        at = 0
        for start, end in sorted(cut):
            out.append(text[at:start])
            at = max(at, end)
        out.append(text[at:])
    return [piece for piece in out if piece.strip()]


@dataclass(frozen=True, slots=True)
class Verdict:
    supported: bool
    score: float
    layer: str  # "exact", "similarity" or "judge"
    reason: str | None = None


_DANGLING = frozenset(
    ["a", "an", "the", "and", "or", "but", "of", "to", "that", "was", "were", "is", "are", "he", "she"]
)


def fragment(statement: str) -> str | None:
    """Why the statement is a broken piece rather than a sentence ("and reiterated...", "...said he was").

    Two words with a figure state a fact ("Attendance: 900."); words of unspaced scripts are
    counted as `rag.reading.layout.word_count` counts them, and a letter of a script without case
    starts a sentence.
    """
    words = statement.rstrip(" .!?”\"'’。！？").split()
    if word_count(" ".join(words)) < 3 and not (len(words) == 2 and any(ch.isdigit() for ch in words[1])):
        return "not a sentence: too short to state anything"
    first = statement.lstrip("“\"‘'(「『（")[:1]
    if not (first.isupper() or first.isdigit() or (first.isalpha() and not first.islower())):
        return "not a sentence: it starts mid-sentence"
    if words[-1].casefold() in _DANGLING:
        return "not a sentence: it stops mid-sentence"
    return None


def exact_check(statement: str, ev: Evidence) -> str | None:
    """Layer 1: the reason the statement fails exact checks, or None."""
    broken = fragment(statement)
    if broken:
        return broken
    cited = " ".join(ev.quotes)
    nums = numbers_in(statement)
    by_article: dict[str, set[float]] = {}
    for q, a in zip(ev.quotes, ev.articles, strict=True):
        by_article.setdefault(a, set()).update(numbers_in(q))
    all_nums = set().union(*by_article.values()) if by_article else set()
    missing = sorted(n for n in nums if n not in all_nums)
    if missing:
        return "number not in the cited text: " + ", ".join(f"{m:g}" for m in missing)
    norm_cited = _norm(cited)
    for q in quotes_of(statement):
        if _norm(q) not in norm_cited:
            return f"quoted text not in the cited text: “{q}”"
    names = names_in(statement)
    absent = _absent_names(names, _norm(ev.article_text()))
    if absent:
        return f"name not in the cited text: {absent}"
    if nums and len(by_article) > 1:
        # A figure and who reported it must come from one article: "According to SAMS, eight
        # hospitals..." citing SAMS's sentence and MSF's "eight" merges two sources' claims.
        whole = any(nums <= by_article[a] and not _absent_names(names, _norm(ev.article_text(a))) for a in by_article)
        if not whole:
            return "merges figures from different sources into one claim"
    return relation_check(statement, ev.quotes, ev.contexts, names, ev.uncited)


def name_in(name: str, hay: str) -> bool:
    """Whether a (normalized) text names `name`: the whole name, or each of its words."""
    return name_found(name, hay) or all(name_found(w, hay) for w in name.split())


def _absent_names(names: Sequence[str], hay: str) -> str | None:
    for name in names:
        if not name_in(name, hay):
            return " ".join(w for w in name.split() if not name_found(w, hay)) or name
    return None


def lexical_support(statement: str, cited: str, *, ignore: frozenset[str] = frozenset()) -> float:
    """Share of the statement's content words (stemmed, less `ignore`) that the cited text contains."""
    st = [t for t in tokenize(statement) if t not in ignore]
    if not st:
        return 0.0
    have = set(tokenize(cited))
    return sum(t in have for t in st) / len(st)


class Judge(Protocol):
    """A model asked narrow yes/no questions: does a passage state a statement, does a sentence
    answer a question. Each gives P(yes)."""

    def entailment(self, passage: str, statement: str) -> float: ...

    def answers(self, question: str, sentence: str) -> float: ...


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Similarity band and judge cut-off; `calibrated()` gives the fitted values."""

    low: float = 0.2  # similarity under which a statement is unsupported
    high: float = 0.95  # similarity at or over which it is supported
    judge: float = 0.5  # judge probability at or over which it is supported
    lexical_weight: float = 0.5


CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


def calibrated(*, with_judge: bool, path: Path = CALIBRATION_FILE) -> Thresholds:
    """The thresholds `rag calibrate --write` fitted on the labelled set (with or without the judge).

    Raises:
        ModelError: the file is missing or damaged (the fix: `rag calibrate --write`).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        t = data["thresholds"]["with_judge" if with_judge else "without_judge"]
        return Thresholds(low=float(t["low"]), high=float(t["high"]), judge=float(t["judge"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(
            f"The verifier's calibration {path} is missing or damaged ({exc}): run `rag calibrate --write`."
        ) from exc


def in_judge_band(score: float, t: Thresholds) -> bool:
    """Whether layers 1-2 leave a statement with this similarity undecided (the judge's band)."""
    return t.low <= score < t.high


def decide(*, exact_reason: str | None, score: float, judge_p: float | None, t: Thresholds) -> Verdict:
    """The verification decision, from the three layers' results; `rag calibrate` fits `t` with it.

    Args:
        exact_reason: why the exact checks failed, or None.
        score: the similarity (layer 2).
        judge_p: the judge's probability of "supported", or None when there is no judge.
        t: the thresholds.
    """
    if exact_reason:
        return Verdict(False, 0.0, "exact", exact_reason)
    if score >= t.high:
        return Verdict(True, score, "similarity")
    if score < t.low:
        return Verdict(False, score, "similarity", "the cited text does not say this")
    if judge_p is not None:
        ok = judge_p >= t.judge
        return Verdict(ok, judge_p, "judge", None if ok else "the model judges the cited text does not say this")
    ok = score >= (t.low + t.high) / 2
    return Verdict(ok, score, "similarity", None if ok else "the cited text does not clearly say this")


class Verifier:
    """Scores statements against their citations; see the module docstring for the layers."""

    def __init__(self, embedder: Embedder, *, judge: Judge | None = None, thresholds: Thresholds | None = None) -> None:
        self.embedder = embedder
        self.judge = judge
        self.t = thresholds or calibrated(with_judge=judge is not None)

    def similarity(self, statement: str, ev: Evidence) -> float:
        """Layer 2 score in [0, 1]: weighted lexical support and embedding cosine."""
        cited = " ".join(ev.quotes)
        lex = lexical_support(statement, cited)
        vecs = self.embedder.embed([statement, cited])
        cos = float(np.clip(vecs[0] @ vecs[1], 0.0, 1.0))
        w = self.t.lexical_weight
        return w * lex + (1 - w) * cos

    def check(self, statement: str, ev: Evidence, *, use_judge: bool = True) -> Verdict:
        """Layers 1-3, cheapest first; the judge is asked only inside its band."""
        reason = exact_check(statement, ev)
        score = 0.0 if reason else self.similarity(statement, ev)
        judge_p = None
        if not reason and self.judge is not None and use_judge and in_judge_band(score, self.t):
            judge_p = self.judge.entailment(" ".join(ev.quotes), statement)
        return decide(exact_reason=reason, score=score, judge_p=judge_p, t=self.t)

    def verify(self, st: Statement, ev: Evidence) -> Statement:
        """The statement with `verified`/`support` set on it and on each of its citations (`ev`: theirs)."""
        verdict = self.check(st.text, ev)
        cites = []
        for i, c in enumerate(st.citations):
            one = Evidence(ev.quotes[i : i + 1], ev.articles[i : i + 1], ev.contexts[i : i + 1], ev.uncited)
            alone = self.check(st.text, one, use_judge=False)
            cites.append(replace(c, verified=alone.supported, support=round(alone.score, 4)))
        return replace(
            st,
            citations=tuple(cites),
            verified=verdict.supported,
            support=round(verdict.score, 4),
            reason=verdict.reason,
        )


def addresses_question(question: str, statement: str, cited: str, embedder: Embedder) -> float:
    """How well a statement addresses the question, in [0, 1].

    The share of the question's content words found in the statement or its evidence (the
    quotes, their article titles and the text just before them), or, if higher, the mean of
    that share and the embedding cosine between question and statement (for paraphrases). A
    statement that is true but about something else (asked for the population of Damascus, a
    truce around Damascus) scores low.
    """
    q = [t for t in tokenize(question) if not frames_question(t)]
    have = set(tokenize(statement + " " + cited))
    coverage = sum(t in have for t in q) / len(q) if q else 1.0
    vecs = embedder.embed([question, statement])
    cos = float(np.clip(vecs[0] @ vecs[1], 0.0, 1.0))
    return max(coverage, 0.5 * coverage + 0.5 * cos)
