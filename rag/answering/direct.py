"""The direct answer line: the model's short answer, shown only when its sentence holds it.

In the "quoted" answer style the model writes a short answer ("30 doctors", "Lillian Tan") before
the ids of the sentences that state it. Those words are the model's, so they are shown above the
quoted evidence only when the answer's first cited sentence holds every content word and figure
of them (stemmed, numbers normalised, as the verifier's exact checks), and every negation ("not",
"no", "never"): "not hurt" is not shown for "He was hurt". The words of the quote that carry the
answer (the shortest run of the quote that holds them all) are returned too, so the chat can
highlight them and the API can give their offsets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answering.premise import DATE, Asked, asked_for
from rag.answering.verify import numbers_in
from rag.core.types import Citation, DirectAnswer, Statement
from rag.index.lexical import tokenize

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
    if not text or not statements or not _typed(text, asked_for(question)):
        return None
    words = set(tokenize(text))
    figures = numbers_in(text)
    negations = _negations(text)
    if not words and not figures:
        return None  # "Yes", "the": nothing a sentence can be checked to hold
    for c in statements[0].citations:
        if words <= set(tokenize(c.quote)) and figures <= numbers_in(c.quote) and negations <= _negations(c.quote):
            start, end = _window(c.quote, words)
            return DirectAnswer(text=text, citation=c, start=c.start + start, end=c.start + end)
    return None


def _typed(short: str, asked: Asked | None) -> bool:
    """Whether a short answer is an item of the asked kind."""
    if asked == "figure":
        return bool(numbers_in(short))
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
