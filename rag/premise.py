"""The question: what it presupposes, checked before anything is generated, and what it asks for.

"When did the United States bomb the M10 hospital?" presupposes an event; a model shown the
passages about M10 answers "on Saturday" — every word cited, the answer false. So before the
model writes anything, the question's own claims are looked for in what retrieval found:

- every name and figure the question uses must be in the retrieved text;
- every content word the question uses ("chemical", "rebuild", "mayor") must be there, unless
  a question about it can be answered in other words (see `_FREE`);
- the names it puts together ("Joanne Liu" and "M10", "Kerry" and "Assad") must be named
  together, in one sentence or the next, somewhere in the retrieved text.

A question that fails gets "The articles do not report <what is missing>", with what they do
say shown as related, never as an answer.

`asked_for` tells what kind of item the question asks for (a figure for "how many", a date for
"when", a name for "who"/"which"/"where"), and `bears` whether a statement states one, so the
first statement of an answer is the answer. Pure functions over text; no model call.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from rag.lexical import tokenize
from rag.relations import normalize
from rag.verify import name_found, names_in, numbers_in

# Words a question may use that its answer need not repeat: question words, verbs of saying and
# asking, generic nouns. Stemmed, as `tokenize` gives them.
_FREE = frozenset(
    tokenize(
        "many much why which what who whom whose when where how does did do is are was were has have had "
        "say said says tell told describe described mean happen happened report reported reports call called "
        "give given take taken make made get got number people person thing things time times day days year "
        "years kind sort type reason reasons according article articles source sources state stated stating "
        "explain explained latest current currently now still today situation happening event events "
        "role part way ways result results detail details about exactly total overall main name names see saw seen "
        "compare compared comparison among run ran answer answers citation citations"
    )
)
_MONTHS = frozenset(tokenize("january february march april may june july august september october november december"))
_NOT_PREMISE_NAMES = frozenset(["which", "where", "whom", "whose", "did", "does", "do", "is", "are", "was", "were"])
_NEAR = 1  # sentences apart that still count as "named together"
# "according to the Observatory and according to activists" names sources to answer from, not
# something the question claims happened: the verifier checks each statement's attribution.
_ATTRIBUTION = re.compile(r"\baccording to\s+(?:the\s+)?(?:[\w’'.-]+\s*){1,4}?(?=\s+and\b|\s+or\b|[,?.]|$)", re.I)


@dataclass(frozen=True, slots=True)
class PremiseCheck:
    """What the retrieved text lacks of the question's premises; empty when they hold."""

    missing: tuple[str, ...] = ()  # names, figures and words of the question found nowhere
    apart: tuple[str, ...] = ()  # names the question puts together that the text never does

    @property
    def holds(self) -> bool:
        return not (self.missing or self.apart)

    def message(self) -> str:
        """'The articles do not report ...', naming what is missing."""
        if self.missing:
            return "The articles do not report anything about " + _listing(self.missing) + "."
        return "The articles do not report " + _listing(self.apart) + " together, as the question assumes."


def _listing(items: Sequence[str]) -> str:
    quoted = [f"“{x}”" for x in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def question_names(question: str) -> list[str]:
    """The names in a question, without its question words."""
    out = []
    for name in names_in(question):
        words = [w for w in name.split() if w.casefold() not in _NOT_PREMISE_NAMES]
        # Months are dates, not names; "Answer ..." or "Tell ..." opens a sentence, it names nothing.
        words = [w for w in words if not (set(tokenize(w)) & (_MONTHS | _FREE))]
        if words:
            out.append(" ".join(words))
    return out


def _split_sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|(?<=[.!?][”\"’])\s+", text) if s.strip()]


def check_premise(question: str, texts: Sequence[str], vocabulary: Collection[str] = frozenset()) -> PremiseCheck:
    """Check a question's names, figures and content words against the retrieved passages' texts.

    Args:
        question: the (standalone) question.
        texts: the retrieved passages' texts.
        vocabulary: every stemmed word of the index: a word the retrieved passages lack but the
            index has is taken as retrieval's miss, not as a false premise.
    """
    hay = normalize(" ".join(texts))
    question = _ATTRIBUTION.sub(" ", question)
    names = question_names(question)
    missing: list[str] = []
    for name in names:
        if not (_has(name, hay) or all(t in vocabulary for t in tokenize(name))):
            missing.append(name)
    have_numbers = numbers_in(" ".join(texts))
    missing += [f"{n:g}" for n in sorted(numbers_in(question)) if n not in have_numbers and not 1900 <= n <= 2100]
    name_words = set(tokenize(" ".join(names)))
    have_words = set(tokenize(" ".join(texts)))
    for word in dict.fromkeys(tokenize(question)):
        if (
            word in _FREE
            or word in _MONTHS
            or word in name_words
            or word[0].isdigit()
            or word in have_words
            or word in vocabulary
        ):
            continue
        missing.append(_surface(question, word))
    if missing:
        return PremiseCheck(missing=tuple(dict.fromkeys(missing)))
    return PremiseCheck(apart=_apart(names, texts))


def _surface(question: str, stem: str) -> str:
    """The question's own word for a stem (tokens are stemmed)."""
    for w in re.findall(r"[\w’'-]+", question):
        if tokenize(w) == [stem]:
            return w
    return stem


def _apart(names: Sequence[str], texts: Sequence[str]) -> tuple[str, ...]:
    """Names that no sentence window of the text holds together (background names excepted)."""
    if len(names) < 2:
        return ()
    windows: list[list[str]] = []  # the names in each window of neighbouring sentences
    for text in texts:
        sents = _split_sentences(text)
        windows += [names_in(" ".join(sents[max(0, i - _NEAR) : i + _NEAR + 1])) for i in range(len(sents))]
    found = {n: [i for i, w in enumerate(windows) if any(_names(n, other) for other in w)] for n in names}
    # A name in most windows ("Aleppo" in articles about Aleppo) is background, not a premise.
    salient = [n for n in names if len(found[n]) < 0.5 * len(windows)]
    if len(salient) < 2:
        return ()
    together = set(found[salient[0]])
    for n in salient[1:]:
        together &= set(found[n])
    return () if together else tuple(salient)


def _names(name: str, other: str) -> bool:
    """Whether a name in the text names the question's `name`, which must end it.

    "President Bashar al-Assad" names Assad and "the U.S." the United States; the "Syrian
    American Medical Society" does not name the United States: it is another entity.
    """
    tail = " ".join(other.split()[-len(name.split()) :])
    return _has(name, normalize(tail))


def _has(name: str, window: str) -> bool:
    return name_found(name, window) or all(name_found(w, window) for w in name.split())


Asked = Literal["figure", "date", "name"]
_ASKS = (
    ("figure", re.compile(r"\b(how (many|much)|what (number|percentage|share|proportion)|death toll)\b", re.I)),
    ("date", re.compile(r"\b(when|what (day|date|month|year)|which (day|date|month|year))\b", re.I)),
    (
        "name",
        re.compile(
            r"\b(who|whom|whose|where|which \w+|what is the name|what (organi[sz]ation|group|hospital))\b", re.I
        ),
    ),
)
_DATE = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight|"
    r"(last|this|next) (week|month|year|weekend)|earlier this (week|month|year)|"
    r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sept?(ember)?|oct(ober)?|"
    r"nov(ember)?|dec(ember)?|(19|20)\d\d|\d{4}-\d\d-\d\d)\b\.?",
    re.I,
)


def asked_for(question: str) -> Asked | None:
    """The kind of item the question asks for, or None ("why", "what did X say")."""
    for kind, pattern in _ASKS:
        if pattern.search(question):
            return kind  # type: ignore[return-value]
    return None


def bears(statement: str, kind: Asked | None, question: str) -> bool:
    """Whether a statement states an item of the asked kind that the question does not already give."""
    if kind is None:
        return True
    if kind == "figure":
        return bool(numbers_in(statement) - numbers_in(question))
    if kind == "date":
        asked = {m.group(0).casefold() for m in _DATE.finditer(question)}
        return any(m.group(0).casefold() not in asked for m in _DATE.finditer(statement))
    given = normalize(question)
    return any(not (_has(name, given) or _DATE.fullmatch(name)) for name in names_in(statement))
