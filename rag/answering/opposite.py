"""A question whose premise the articles report the opposite of.

"Why did Southcorp's board accept Foster's offer?" presupposes an acceptance; the article says
"Southcorp has rejected a takeover offer …". Every word of such a question is in the text, so the
premise check (`premise.check_premise`) lets it through, and the answer quotes the rejection as if
it explained an acceptance. Here a question that presupposes an event ("Why/When/How/Where did
X <verb> …?") is checked against the retrieved sentences that name its subject: when one of them
reports the verb's opposite ("rejected" for "accept", "won" for "lose") and none reports the verb
itself, the premise is false, and the answer says so with that sentence shown as related. So is a
sentence that names every subject and negates one of the question's own words ("… would not be
abolished" for "Why did the Home Office decide to abolish …?", `negated`).

The opposites are pairs of news verbs whose outcomes exclude each other (`OPPOSITES`), as word
forms, so that no stemmer's guess decides; a question without one of them is never judged here.
Measured on the BBC and seeds eval cases (docs/answering-on-an-archive.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answering.premise import named, subject_names
from rag.answering.relations import normalize
from rag.index.lexical import QUESTION_FRAME, tokenize

# The reason an abstention gives (its first note), read by the eval's gate table.
OPPOSITE_NOTE = "the articles report the opposite of the question's premise"
# Questions that presuppose their event: "Why did …", "When was …", "How has …".
_PRESUPPOSES = re.compile(r"^\s*(?:why|when|how|where)\s+(?:did|does|do|has|have|had|was|were|is|are)\b", re.I)


def _forms(*words: str) -> frozenset[str]:
    return frozenset(words)


# Each verb's forms, and its opposite's. Outcomes that exclude each other: a bid accepted is not
# rejected, a case won is not lost, a figure that rose did not fall.
_ACCEPT = _forms("accept", "accepts", "accepted", "accepting")
_REJECT = _forms("reject", "rejects", "rejected", "rejecting", "turned down", "rebuffed", "spurned")
_APPROVE = _forms("approve", "approves", "approved", "approving", "backed", "endorsed")
_WIN = _forms("win", "wins", "won", "winning")
_LOSE = _forms("lose", "loses", "lost", "losing")
_RISE = _forms("rise", "rises", "rose", "risen", "rising", "soar", "soars", "soared", "soaring", "climbed", "jumped")
_FALL = _forms("fall", "falls", "fell", "fallen", "falling", "drop", "drops", "dropped", "plunged", "slumped")
_ACQUIT = _forms("acquit", "acquits", "acquitted", "cleared")
_CONVICT = _forms("convict", "convicts", "convicted", "found guilty")
_CONFIRM = _forms("confirm", "confirms", "confirmed", "admit", "admits", "admitted")
_DENY = _forms("deny", "denies", "denied")
# A departure is forced or chosen, not both ("Why did X sack Y?" / "Y left his post": BBC bw031).
_SACK = _forms("sack", "sacks", "sacked", "sacking", "fired", "dismiss", "dismisses", "dismissed", "ousted")
_RESIGN = _forms(
    "resign",
    "resigns",
    "resigned",
    "resigning",
    "quit",
    "quits",
    "stepped down",
    "steps down",
    "stood down",
    "left his post",
    "left her post",
)
OPPOSITES: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (_ACCEPT, _REJECT),
    (_REJECT, _ACCEPT),
    (_APPROVE, _REJECT),
    (_WIN, _LOSE),
    (_LOSE, _WIN),
    (_RISE, _FALL),
    (_FALL, _RISE),
    (_ACQUIT, _CONVICT),
    (_CONVICT, _ACQUIT),
    (_CONFIRM, _DENY),
    (_DENY, _CONFIRM),
    (_SACK, _RESIGN),
    (_RESIGN, _SACK),
)


# Words that leave an outcome unsettled: a condition, a modal, a plan or a wish. "If the court
# lets Apple get away with this, … the public will lose …" reports no loss, and "both the
# Parliament and the states have to approve" no approval (BBC eval bt054, bt058).
_UNSETTLED = re.compile(
    r"\b(?:if|unless|whether|would|could|might|may|will|shall|should|must|ha(?:ve|s|d) to|needs? to|"
    r"plan\w*|expect\w*|hope\w*|want\w*|seek\w*|tr(?:y|ies|ying) to|urg\w*|calls? for|likely|unlikely|"
    r"possib\w*|propos\w*|threat\w*)\b|[’']ll\b",
    re.I,
)


def asserted(sentence: str) -> bool:
    """Whether a sentence states an outcome as settled: no condition, modal, plan or wish in it."""
    return _UNSETTLED.search(sentence) is None


@dataclass(frozen=True, slots=True)
class Opposite:
    """The question's verb and the retrieved sentence that reports its opposite."""

    verb: str  # as the question words it ("accept")
    sentence: str  # the sentence that reports the opposite, as the article writes it

    def message(self) -> str:
        """What the answer says instead of an answer."""
        return f"The articles do not report that, as the question assumes (“{self.verb}”): they report the opposite."


def _holds(forms: frozenset[str], text: str) -> str | None:
    low = normalize(text)
    return next((f for f in sorted(forms) if re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", low)), None)


def opposite(question: str, passages: Sequence[Sequence[str]]) -> Opposite | None:
    """The retrieved sentence that reports the opposite of the event the question presupposes.

    Args:
        question: the (standalone) question.
        passages: the retrieved passages, each as its article's title ("" when untitled) and then
            its sentences: a passage is about the question when it names all the question's subjects.

    Returns:
        The question's verb and the first sentence of a passage about the question that states its
        opposite as settled (`asserted`), when no sentence of those passages states the verb
        itself; None when the question presupposes no event, names no subject, has no verb of
        `OPPOSITES`, or the text reports it.
    """
    if not _PRESUPPOSES.match(question):
        return None
    subjects = subject_names(question)
    if not subjects:
        return None
    about = [s for p in passages if all(named(n, normalize(" ".join(p))) for n in subjects) for s in p[1:]]
    # Of those, the sentences that name a subject themselves: where the event would be reported.
    naming = [s for s in about if any(named(n, normalize(s)) for n in subjects)]
    for forms, opposites in OPPOSITES:
        verb = _holds(forms, question)
        if verb is None:
            continue
        if any(_holds(forms, s) and asserted(s) for s in naming):
            return None  # the text reports the event itself: not judged false
        against = next((s for s in naming if _holds(opposites, s) and asserted(s)), None)
        return Opposite(verb, against) if against else None
    return negated(question, subjects, naming)


# A word negated: "not be abolished", "never apologised", "hasn't resigned", "no longer sells".
_NEGATED = re.compile(
    r"\b(?:not|never|n[’']t|no longer)\s+(?:(?:be|been|being|have|had|yet|to|actually|formally)\s+){0,2}([a-z]+)", re.I
)
# Words under which a negation settles nothing ("if it does not rise", "may not apologise").
_OPEN = re.compile(r"\b(?:if|unless|whether|could|might|may)\b", re.I)


def negated(question: str, subjects: Sequence[str], sentences: Sequence[str]) -> Opposite | None:
    """The first sentence naming every subject of a question that presupposes an event and
    negating one of the question's own words: "the Home Office said mandatory life sentences would
    not be abolished" for "Why did the Home Office decide to abolish the mandatory life sentence?",
    "Ken Livingstone should … not apologise …, Tory MP Boris Johnson has insisted" for "Why did
    Boris Johnson urge Ken Livingstone to apologise …?". None for a question that is itself negated,
    a negation under a condition or a possibility ("if", "may"), or none found.

    Measured on the retrieved passages of the last BBC (235 cases) and seeds (149) runs: it fired
    on 2 questions, both false premises the answers had answered, and on no answerable one
    (docs/answering-on-an-archive.md)."""
    if re.search(r"\b(?:not|never|no longer)\b|n[’']t\b", question, re.I):
        return None  # "Why did X not …?" presupposes no event a negation contradicts
    names = {w for n in subjects for w in tokenize(n)}
    words = {w for w in tokenize(question) if w not in QUESTION_FRAME} - names
    for s in sentences:
        if _OPEN.search(s) or not all(named(n, normalize(s)) for n in subjects):
            continue
        for m in _NEGATED.finditer(s):
            said = set(tokenize(m.group(1)))
            if said & words:
                verb = next((w for w in re.findall(r"[\w’'-]+", question) if set(tokenize(w)) & said), m.group(1))
                return Opposite(verb, s)
    return None
