"""Relation checks: who did what to whom, and which figure goes with which event.

Every word and number of a false statement can be in the cited text: "15 civilians were killed
and wounded" from "killed 15 civilians and wounded 40", "20 people were killed by independent
observers" from "a strike—blamed by independent observers on Syria and Russia—... killing 20
people", a quote put in the mouth of a speaker named in another cited sentence, a cause the
text never states. The exact checks of `rag.answering.verify` (every number, name and quoted phrase is
in the cited text) pass all of these; the checks here look at how the pieces are bound:

- figures: each number of the statement is bound to the outcome words next to it ("killed",
  "wounded", "displaced", ...) the way one cited sentence binds them (nearest number);
- agents: "<done> by <agent>" in the statement needs that agent next to that verb in one
  cited sentence;
- one sentence: a quoted phrase or a figure, and the names with it, come from one cited sentence
  (or the text just before it, where news copy names the speaker);
- causes: "because", "leading to", ... only where the cited text states a cause;
- qualifiers: a cited sentence copied without the phrase that limits it ("Reportedly,", "Only at night,");
- copies: a statement that copies a cited sentence may leave words out, but not put one name or
  figure in place of another ("John Kirby, the American secretary of state" from "John Kerry, the
  American secretary of state");
- borrowed claims: the statement's predicate ("made an urgent call for help from inside M10")
  is worded as in an uncited sentence of the cited article and not in what it cites, so the
  claim, and often its subject, comes from a sentence the reader is not shown.

Each check returns the reason a statement fails, or None; all are pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"[^\W_][\w'’]*(?:[.,]\d+)*")
_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")
# A figure as news copy abbreviates its scale ("133m text messages", "$1.5bn"): its digits are the
# figure, as `verify.numbers_in` reads them.
_FIGURE_SCALED = re.compile(rf"({_FIGURE.pattern})(?:m|bn|tn|k)?")
NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90})
# Outcome words a figure is bound to in news copy (prefixes of the word forms).
_OUTCOMES = (
    "kill",
    "wound",
    "injur",
    "dead",
    "death",
    "died",
    "die",
    "displac",
    "trapped",
    "evacuat",
    "remain",
    "fled",
    "flee",
    "arrest",
    "rescu",
    "hurt",
    "missing",
)
# Words for one outcome: "killed", "died" and "dead" bind a figure the same way.
_CLASSES = {
    "kill": "die",
    "dead": "die",
    "death": "die",
    "died": "die",
    "injur": "wound",
    "hurt": "wound",
    "fled": "flee",
}
_MAX_BIND = 12  # words between a figure and its outcome word, at most
_AGENT_REACH = 6  # words between an agent and its verb in the cited sentence, at most
_PASSIVE = re.compile(
    r"\b([^\W\d_]+(?:ed|en)|hit|struck|shot|led|run|held|made|told|hurt|cut|set)\s+by\s+"
    r"(?:the\s+|a\s+|an\s+)?([^\W\d_][\w’'-]*)(?:\s+([^\W\d_][\w’'-]*))?",
    re.IGNORECASE,
)
_AGENT_SKIP = frozenset(["the", "a", "an", "of", "on", "in", "and", "at", "to", "its", "their", "his", "her"])
_QUOTED = re.compile(r"[“\"‘]([^”\"’]{3,}?)[”\"’](?![a-z])")
_CAUSE_CLAIMED = re.compile(
    r"\b(because|due to|as a result|lead(?:s|ing)? to|led to|caused?|resulting in|in order to|so that|"
    r"therefore|thus)\b",
    re.IGNORECASE,
)
# A cause stated in a sentence ("because", "blamed … on", "after"): also what a why-question's
# answer leads with (`rag.answering.checking.reason_first`).
CAUSE_STATED = re.compile(
    r"\b(because|due to|as a result|lead(?:s|ing)? to|led to|caus\w*|result\w*|in order to|so that|therefore|thus|"
    r"reason\w*|blam\w*|prompt\w*|spark\w*|forc\w*|after|following|since|amid)\b",
    re.IGNORECASE,
)


# "Dozens of civilians killed" binds "killed" to dozens, not to a figure further on. Each vague
# count has a value of its own that no written figure can equal.
_VAGUE = {"dozens": -12.0, "scores": -20.0, "hundreds": -100.0, "thousands": -1000.0}


@dataclass(frozen=True, slots=True)
class _Word:
    text: str  # lower-cased
    value: float | None  # the number it writes, if any


def _words(text: str) -> list[_Word]:
    out = []
    for m in _TOKEN.finditer(text.replace("-", " ").replace("—", " ").replace("–", " ")):
        w = m.group(0).casefold().replace("’", "'")
        value: float | None = None
        if m_fig := _FIGURE_SCALED.fullmatch(w):
            try:
                value = float(m_fig.group(1).replace(",", ""))
            except ValueError:  # pragma: no cover - the pattern only matches numbers
                value = None
            if value is not None and value.is_integer() and 1900 <= value <= 2100:
                value = None  # a year is not a count
        elif w in NUMBER_WORDS:
            value = float(NUMBER_WORDS[w])
        elif w in _VAGUE:
            value = _VAGUE[w]
        out.append(_Word(w, value))
    return out


def figure_words(text: str) -> list[tuple[str, float | None]]:
    """The text's words, lower-cased, each with the figure it writes (digits or a number word), if any."""
    return [(w.text, w.value) for w in _words(text)]


def outcomes_in(text: str) -> set[str]:
    """The outcome classes a text mentions ("die" for "killed" or "dead", "wound", ...)."""
    return {_CLASSES.get(o, o) for w in _words(text) if (o := _outcome(w.text))}


def _outcome(word: str) -> str | None:
    return next((o for o in _OUTCOMES if word.startswith(o)), None)


def figure_bindings(text: str, *, both_ways: bool) -> set[tuple[float, str]]:
    """(figure, outcome) pairs: each outcome word with its nearest figure (ties: the one before).

    "killed 15 civilians and wounded 40" gives {(15, die), (40, wound)}; "15 civilians were
    killed and wounded" gives {(15, die), (15, wound)}. With `both_ways`, each figure is also
    bound to its nearest outcome word, so the cited "250 civilians, including 49 children and 31
    women, had been killed" binds all three figures to "killed" (what a statement may say).
    """
    pairs: set[tuple[float, str]] = set()
    words = _words(text)
    numbers = [(i, w.value) for i, w in enumerate(words) if w.value is not None]
    outcomes = [(i, _CLASSES.get(o, o)) for i, w in enumerate(words) if (o := _outcome(w.text))]
    if not (numbers and outcomes):
        return pairs
    for i, outcome in outcomes:
        j, value = min(numbers, key=lambda n: (abs(n[0] - i), n[0] > i))
        if abs(j - i) <= _MAX_BIND and value is not None:
            pairs.add((value, outcome))
    for j, value in numbers if both_ways else ():
        i, outcome = min(outcomes, key=lambda o: (abs(o[0] - j), o[0] > j))
        if abs(j - i) <= _MAX_BIND and value is not None:
            pairs.add((value, outcome))
    return pairs


def figure_check(statement: str, quotes: Sequence[str]) -> str | None:
    """A figure bound to an outcome that no cited sentence binds it to (bent or merged figures)."""
    have: set[tuple[float, str]] = set()
    for q in quotes:
        have |= figure_bindings(q, both_ways=True)
    for value, outcome in sorted(figure_bindings(statement, both_ways=False) - have):
        if any(v == value for v, _ in have) or any(o == outcome for _, o in have):
            return f"binds {value:g} to “{outcome}…”, which no cited sentence does"
    return None


def _stem(word: str) -> str:
    from rag.index.lexical import tokenize

    toks = tokenize(word)
    return toks[0] if toks else word.casefold()


def agent_check(statement: str, quotes: Sequence[str]) -> str | None:
    """'<done> by <agent>': one cited sentence must put that agent next to that verb."""
    for m in _PASSIVE.finditer(statement):
        verb = _stem(m.group(1))
        agent = [_stem(w) for w in (m.group(2), m.group(3)) if w and w.casefold() not in _AGENT_SKIP]
        if not agent:
            continue
        bound = False
        for q in quotes:
            stems = [_stem(w.text) for w in _words(q)]
            verbs = [i for i, s in enumerate(stems) if s == verb]
            heads = [i for i, s in enumerate(stems) if s in agent]
            if any(abs(i - j) <= _AGENT_REACH for i in verbs for j in heads):
                bound = True
                break
        if not bound:
            who = " ".join(w for w in (m.group(2), m.group(3)) if w)
            return f"says “{m.group(0)}”, but no cited sentence has {who} doing that"
    return None


def quotes_of(text: str) -> list[str]:
    """Quoted phrases of two or more words, in straight, double or single curly quotes."""
    return [q.strip(" ,.") for q in _QUOTED.findall(text) if len(q.split()) >= 2]


def normalize(text: str) -> str:
    """Case-folded, curly quotes straightened, whitespace collapsed: for finding phrases in text."""
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("\u00a0", " ")):
        text = text.replace(a, b)
    return " ".join(text.casefold().split())


_PRONOUN = re.compile(r"\b(?:he|she|they|it|his|her|their)\b", re.IGNORECASE)
_RUN = 3  # consecutive content words that make a wording a sentence's own


def _content_words(text: str) -> list[tuple[str, re.Match[str]]]:
    """The text's content words, each as (stem, the word as written)."""
    from rag.index.lexical import tokenize

    return [(t, m) for m in _TOKEN.finditer(text) for t in tokenize(m.group(0))]


def _grams(text: str) -> set[tuple[str, ...]]:
    ws = [w for w, _ in _content_words(text)]
    return {tuple(ws[i : i + _RUN]) for i in range(len(ws) - _RUN + 1)}


def _runs(statement: str) -> list[tuple[tuple[str, ...], str]]:
    """The statement's runs of `_RUN` content words, at least two not names: (stems, wording as written)."""
    words = _content_words(statement)
    out = []
    for i in range(len(words) - _RUN + 1):
        run = words[i : i + _RUN]
        if sum(m.group(0).islower() for _, m in run) >= 2:
            out.append((tuple(w for w, _ in run), statement[run[0][1].start() : run[-1][1].end()]))
    return out


def one_sentence_check(
    statement: str, quotes: Sequence[str], contexts: Sequence[str], names: Sequence[str]
) -> str | None:
    """With several cited sentences, a quoted phrase or a figure, and the names with it, come from one of them.

    "Six children were killed in the bombing of the M10 hospital", citing "Two barrel bombs hit
    the M10 hospital" and "...more than 220 people have been killed..., including six children",
    binds a figure from one sentence to a place from the other: each piece is cited, the claim is
    not. Names found only in titles or lead-in text do not count against a statement.

    Args:
        statement: the statement.
        quotes: the cited sentences.
        contexts: per cited sentence, its article title and the text just before it.
        names: the names in the statement (`rag.answering.verify.names_in`).
    """
    if len(quotes) < 2:
        return None
    texts = [normalize(q) for q in quotes]
    around = [normalize(f"{q} {contexts[i] if i < len(contexts) else ''}") for i, q in enumerate(quotes)]
    cited_names = [n for n in names if any(normalize(n) in t for t in texts)]
    # A quote or figure may take its speaker from the text just before the sentence; a wording of
    # the sentence's own (its claim) takes its subject from the sentence, unless that is a pronoun.
    pronoun = [bool(_PRONOUN.search(q)) for q in quotes]
    pieces: list[tuple[str, list[int], bool]] = []
    for phrase in quotes_of(statement):
        pieces.append((f"“{phrase}”", [i for i, t in enumerate(texts) if normalize(phrase) in t], True))
    for value in {w.value for w in _words(statement) if w.value is not None}:
        homes = [i for i, q in enumerate(quotes) if any(w.value == value for w in _words(q))]
        pieces.append((f"{value:g}", homes, True))
    grams = [_grams(q) for q in quotes]
    for stems, wording in _runs(statement):
        homes = [i for i, g in enumerate(grams) if stems in g]
        if 0 < len(homes) < len(quotes):
            pieces.append((f"“{wording}”", homes, False))
    for piece, homes, lead_in in pieces:
        if not homes:
            continue  # the exact checks report a quote or figure that is not in the cited text
        for name in cited_names:
            if normalize(name) in normalize(piece):
                continue
            if not any(normalize(name) in (around[i] if lead_in or pronoun[i] else texts[i]) for i in homes):
                return f"puts {piece} with {name}, but {name} is named in another cited sentence"
    return None


def cause_check(statement: str, cited: str) -> str | None:
    """A cause ("because", "leading to", ...) the cited text does not state."""
    m = _CAUSE_CLAIMED.search(statement)
    if m and not CAUSE_STATED.search(cited):
        return f"states a cause (“{m.group(0)}”) that the cited text does not"
    return None


# Words that open a limiting phrase: dropping "Only at night," or "Reportedly," changes what is
# claimed (dropping "In west Aleppo," says less; "Especially at night," only emphasises).
_QUALIFIERS = frozenset(
    [
        "only",
        "sometimes",
        "partly",
        "reportedly",
        "allegedly",
        "apparently",
        "possibly",
        "probably",
        "perhaps",
        "if",
        "unless",
    ]
)


def qualifier_check(statement: str, quotes: Sequence[str]) -> str | None:
    """A cited sentence copied without the limiting phrase that opens it ("Only at night, ...")."""
    body = normalize(statement).rstrip(" .!?")
    if len(body.split()) < 4:
        return None
    for q in quotes:
        text = normalize(q)
        at = text.find(body)
        if at <= 0:
            continue
        before = text[:at].rstrip()
        lead = re.split(r"[.!?]\s", before)[-1].lstrip(" \"'“‘")
        if before.endswith(",") and lead.split()[:1] and lead.split()[0].strip(",") in _QUALIFIERS:
            return f"drops the qualifier “{lead.rstrip(',')}” that limits the cited sentence"
    return None


def borrowed_check(statement: str, cited: Sequence[str], uncited: Sequence[str]) -> str | None:
    """A run of the statement's wording, with words the cited text lacks, found in an uncited part of its articles.

    "Adham Sahloul of SAMS made an urgent call for help from inside M10", citing Sahloul's
    sentence, takes "urgent call for help" from the next sentence, where another man makes the
    call. Runs of names alone ("Syrian Observatory for Human Rights") do not count: the name
    checks see to names.

    Args:
        statement: the statement.
        cited: the cited sentences and the text around them (titles, lead-in).
        uncited: the rest of the cited articles' text, cited spans cut out.
    """
    if not uncited:
        return None
    have = set().union(*map(_grams, cited))
    elsewhere = set().union(*map(_grams, uncited))
    cited_words = {w for t in cited for w, _ in _content_words(t)}
    for stems, wording in _runs(statement):
        if stems in elsewhere and stems not in have and not set(stems) <= cited_words:  # words the cited text lacks
            return f"says “{wording}” as an uncited sentence of its article does, not the cited text"
    return None


_NOT_NAMES = frozenset(
    [
        "it",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "this",
        "that",
        "these",
        "those",
        "the",
        "a",
        "an",
        "there",
        "his",
        "her",
        "its",
        "their",
        "our",
        "according",
    ]
)
_GROUPED = re.compile(r"(\d)[ ,\u202f](?=\d{3}\b)")
_INITIALS = re.compile(r"\b([A-Z])\.\s+(?=[A-Z]\.)")
_SWAP = 3  # words on either side of a substitution, at most: more is a rewording, left to the other checks
_COPIED = 0.6  # share of a statement's words that, in order, make it a copy of a cited sentence


def _copy_words(text: str) -> tuple[list[str], list[bool], list[str]]:
    """Whitespace words, compared without case or punctuation ("U.S." = "US"), whether each is a name or
    figure, and each word as written."""
    raw = _GROUPED.sub(r"\1", _INITIALS.sub(r"\1.", text)).split()  # "U. S." as "U.S.", "250 000" as "250000"
    keys = [re.sub(r"[\W_]+", "", w).casefold() for w in raw]
    named = [
        any(ch.isdigit() for ch in w) or (w.lstrip("“\"‘'(")[:1].isupper() and keys[i] not in _NOT_NAMES)
        for i, w in enumerate(raw)
    ]
    keep = [i for i, k in enumerate(keys) if k]
    return [keys[i] for i in keep], [named[i] for i in keep], [raw[i] for i in keep]


def _one_name(a: str, b: str) -> bool:
    """Two forms of one name or word ("russias", "russian"): they differ only in the last letters."""
    from os.path import commonprefix

    return len(commonprefix([a, b])) >= max(4, min(len(a), len(b)) - 2)


def copy_check(statement: str, quotes: Sequence[str]) -> str | None:
    """A statement that copies a cited sentence but puts one name or figure in place of another."""
    from difflib import SequenceMatcher

    words, named, written = _copy_words(statement)
    if len(words) < 6:
        return None
    best: tuple[int, list[str], list[bool], list[str], Any] | None = None
    for quote in quotes:  # the cited sentence the statement copies most
        qwords, qnamed, qwritten = _copy_words(quote)
        m = SequenceMatcher(None, words, qwords, autojunk=False)
        size = sum(b.size for b in m.get_matching_blocks())
        if best is None or size > best[0]:
            best = (size, qwords, qnamed, qwritten, m)
    if best is None or best[0] < _COPIED * len(words):
        return None
    _, qwords, qnamed, qwritten, m = best
    for op, i1, i2, j1, j2 in m.get_opcodes():
        if op != "replace" or i2 - i1 > _SWAP or j2 - j1 > _SWAP:
            continue
        # A name put in is more often in the statement than in the sentence, one taken out less often:
        # a name moved elsewhere ("in west Aleppo" after the figures) keeps its count. Figures in
        # each other's place are a change even when both stay ("31 children and 49 women").
        ours = {w for w in words[i1:i2] if w.isdigit() or words.count(w) > qwords.count(w)} & {
            words[i] for i in range(i1, i2) if named[i]
        }
        theirs = {w for w in qwords[j1:j2] if w.isdigit() or words.count(w) < qwords.count(w)} & {
            qwords[j] for j in range(j1, j2) if qnamed[j]
        }
        swapped = False
        for figures in (True, False):  # a figure for a figure, a name for a name
            put = {w for w in ours if w.isdigit() == figures}
            out = {w for w in theirs if w.isdigit() == figures}
            # "Russia's" for "Russian" is one name; "Kirby" for "Kerry" is another.
            swapped = swapped or bool(put and out and not all(any(_one_name(a, b) for b in out) for a in put))
        if swapped:
            said, cited = " ".join(written[i1:i2]), " ".join(qwritten[j1:j2])
            return f"copies the cited sentence but says “{said}” where it says “{cited}”"
    return None


def relation_check(
    statement: str,
    quotes: Sequence[str],
    contexts: Sequence[str],
    names: Sequence[str],
    uncited: Sequence[str] = (),
) -> str | None:
    """The reason the statement binds the cited text's pieces differently from it, or None."""
    return (
        figure_check(statement, quotes)
        or agent_check(statement, quotes)
        or one_sentence_check(statement, quotes, contexts, names)
        or cause_check(statement, " ".join(quotes))
        or qualifier_check(statement, quotes)
        or copy_check(statement, quotes)
        or borrowed_check(statement, [*quotes, *contexts], uncited)
    )
