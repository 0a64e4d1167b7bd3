"""The direct answer line: the model's short answer, shown only when its sentence holds it.

In the "quoted" answer style the model writes a short answer ("30 doctors", "Lillian Tan") before
the ids of the sentences that state it. Those words are the model's, so they are shown above the
quoted evidence only when the answer's first cited sentence holds every content word and figure
of them (stemmed, numbers normalised, as the verifier's exact checks), and every negation ("not",
"no", "never"): "not hurt" is not shown for "He was hurt". Where the quote writes those words in
one run, the line is the quote's run, with a figure's currency and qualifier ("$1bn", "up to 85
years", "more than 677,000" for the model's "1bn", "85 years", "677,000": a newcomer's run found
the bold line dropping them, issue 24). The words of the quote that carry the
answer (the shortest run of the quote that holds them all) are returned too, so the chat can
highlight them and the API can give their offsets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answering.forms import factual_yes_no
from rag.answering.measures import fits, measure_of
from rag.answering.premise import DATE, Asked, asked_for
from rag.answering.verify import numbers_in
from rag.core.types import Citation, DirectAnswer, Statement
from rag.index.lexical import QUESTION_FRAME, tokenize

_NEGATIONS = frozenset(["not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without"])
_TOKEN = re.compile(r"[£$€]?[^\W_](?:[\w’'%-]|[.,](?=\w))*")  # "250,000", "£4.50", not a final "."


def direct_answer(short: str | None, statements: Sequence[Statement], question: str) -> DirectAnswer | None:
    """The answer line for `short` (the model's short answer), or None when it may not be shown.

    Only for a question that asks for an item (a figure, a date, a name: `premise.asked_for`) and a
    short answer that is one (a figure holds a number, a date a day, month, year or time, a name a
    capitalised word): for "What was Nintendo's share …?", which asks for nothing typed, a bold
    "700" taken from a sentence about 700 games would be the model's pick made prominent (a
    newcomer's run, issue 24).

    Args:
        short: the model's short answer (at most `ANSWER_MAX_CHARS` characters), or None.
        statements: the answer's statements, the lead first; only the lead's citations are read.
        question: the (standalone) question.

    Returns:
        The line, the citation that holds it, and the source offsets of the quote's words that
        carry it; None when there is no short answer, no statement, the question or the short
        answer is not of a kind, or the lead's quotes lack a word, figure or negation of it.
    """
    text = " ".join((short or "").split()).strip(" .;,")
    if not text or not statements or not _typed(text, asked_for(question), question):
        return None
    words = set(tokenize(text))
    figures = numbers_in(text)
    negations = _negations(text)
    if not words and not figures:
        return None  # "Yes", "the": nothing a sentence can be checked to hold
    if _echoes(words, figures, question):
        return None  # "Amit Yoran" for "Who replaced Amit Yoran?": the question's own name answers nothing
    for c in statements[0].citations:
        if words <= set(tokenize(c.quote)) and figures <= numbers_in(c.quote) and negations <= _negations(c.quote):
            start, end = _window(c.quote, words)
            line, start, end = _as_written(text, c.quote, start, end, qualify=bool(figures))
            return DirectAnswer(text=line, citation=c, start=c.start + start, end=c.start + end)
    return None


# What a figure's sentence says of its size, kept before the figure in the line: "almost 50",
# "up to 85 years" and "more than five million" are not "50", "85 years" and "five million".
_QUALIFIER = re.compile(
    r"\b(?:only|just|up to|almost|nearly|about|around|roughly|approximately|some|over|under|just (?:over|under)|"
    r"(?:more|less|fewer) than|at (?:least|most)|as (?:many|much|few|little) as|an estimated|estimated)\s+$",
    re.I,
)


def _as_written(short: str, quote: str, start: int, end: int, *, qualify: bool) -> tuple[str, int, int]:
    """The line and its run (offsets in the quote): the model's words as the quote writes them,
    else the quote's run of them when it is no longer than the model's words, with a figure's
    currency and qualifier ("$1bn" for the model's "1bn", "more than 677,000" for "677,000"), so the
    line says what its sentence says; the model's words, with the run as found, when the quote
    holds other words between them."""
    if m := re.search(rf"(?<!\w){re.escape(short)}(?!\w)", quote, re.I):
        start, end = m.span()
    elif len(_TOKEN.findall(quote, start, end)) > len(_TOKEN.findall(short)):
        return short, start, end
    if qualify:
        if start > 0 and quote[start - 1] in "£$€":
            start -= 1
        if m := _QUALIFIER.search(quote[:start]):
            start = m.start()
    return quote[start:end], start, end


def _echoes(words: set[str], figures: set[float], question: str) -> bool:
    """Whether a short answer only repeats the question (its words and figures are all the
    question's), unless the question offers a choice ("… suspended or sacked?")."""
    if re.search(r"\bor\b", question, re.I):
        return False
    return words <= set(tokenize(question)) and figures <= numbers_in(question)


# Words that make a sentence's claim less than a fact ("may have", "denied", "alleged"), and
# titles that a sentence naming the person in full need not repeat.
_HEDGES = re.compile(
    r"\b(may|might|could|would|if|whether|unless|alleg\w*|claim\w*|accus\w*|den(y|ies|ied)|rumou?r\w*|"
    r"reportedly|expect\w*|plan(s|ned|ning)?|consider\w*|threat\w*|propos\w*|likely|unlikely|possib\w*|"
    r"hope\w*|want\w*|seek\w*|sought|tr(y|ies|ied|ying)|call(s|ed)? for|urg\w*|question\w*)\b",
    re.I,
)
_TITLES = frozenset(tokenize("mr mrs ms miss dr sir lord lady"))


def yes_no_answer(short: str | None, statements: Sequence[Statement], question: str) -> DirectAnswer | None:
    """ "Yes" or "No" for a yes/no question, or None when no shown sentence settles it.

    The line may not say more than its source, so it is decided in code, not by the model: a
    shown quote (the lead's first, then the others' in order; the line cites the one that
    settles it) must hold every content word of the question (stemmed, titles aside) within one
    run of its words, with no hedge in that run ("may", "denied", "alleged", "plans": a claim,
    not a fact). "Yes" when the run's negations are the question's ("Did X file …?" / "X filed
    …"), "No" when the run negates what the question does not ("X did not file …"). A model's
    short answer of "yes" or "no" that disagrees withholds the line. Only for questions about
    what is or was ("Did …", "Has …", "Is …"), not for "Will …?" or "Could …?".

    Args:
        short: the model's short answer, or None.
        statements: the answer's statements, the lead first.
        question: the (standalone) question.

    Returns:
        The line ("Yes" or "No"), the citation that settles it, and the offsets of the run of
        its words; None when the question is not a factual yes/no or no quote settles it.
    """
    if not statements or not factual_yes_no(question):
        return None
    words = {w for w in tokenize(question) if w not in QUESTION_FRAME and w not in _TITLES}
    if not words:
        return None
    asked_negated = bool(_negations(question))
    said = (short or "").strip().casefold()
    for c in (c for st in statements for c in st.citations):
        if not words <= set(tokenize(c.quote)):
            continue
        start, end = _window(c.quote, words)
        run = c.quote[_before(c.quote, start, 3) : end]  # "He was not told, Blair said": the "not" before the run
        if _HEDGES.search(run):
            continue
        text = "Yes" if bool(_negations(run)) == asked_negated else "No"
        if said.startswith(("yes", "no")) and not said.startswith(text.casefold()):
            continue  # the model read it the other way: the evidence alone is shown
        return DirectAnswer(text=text, citation=c, start=c.start + start, end=c.start + end)
    return None


def _before(quote: str, start: int, n: int) -> int:
    """The offset `n` word tokens before `start` in the quote (0 at its start)."""
    starts = [m.start() for m in _TOKEN.finditer(quote, 0, start)]
    return starts[-n] if len(starts) >= n else 0


def _typed(short: str, asked: Asked | None, question: str) -> bool:
    """Whether a short answer is an item of the asked kind; for a count, not a share or an amount
    ("31%" for "How many votes …": `measures`); for a share, a percentage ("700" games is no
    share). Other measures are not judged on the short answer, which may drop its unit ("1bn" for
    "$1bn", "32" for an age)."""
    if asked == "figure":
        measure = measure_of(question)
        return bool(numbers_in(short)) and (measure not in ("count", "percent") or fits(short, measure))
    if asked == "date":
        return DATE.search(short) is not None
    if asked == "name":
        return any(w[:1].isupper() for w in short.split())
    return False


def _negations(text: str) -> set[str]:
    found = {w for w in re.findall(r"[a-z]+", text.casefold()) if w in _NEGATIONS}
    return found | ({"not"} if re.search(r"n[’']t\b", text.casefold()) else set())


def _window(quote: str, words: set[str]) -> tuple[int, int]:
    """The shortest run of the quote's tokens that holds every word (offsets in the quote)."""
    tokens = [(m.start(), m.end(), set(tokenize(m.group(0)))) for m in _TOKEN.finditer(quote)]
    best = (0, len(quote))
    for i, (start, _, _) in enumerate(tokens):
        need = set(words)
        for _, end, have in tokens[i:]:
            need -= have
            if not need:
                if end - start < best[1] - best[0]:
                    best = (start, end)
                break
    return best


def cited_number(direct: DirectAnswer, numbers: dict[tuple[str, int, int], int]) -> int | None:
    """The [n] of the direct answer's citation in the answer text's numbering (`answer_text`)."""
    c: Citation = direct.citation
    return numbers.get((c.source, c.start, c.end))
