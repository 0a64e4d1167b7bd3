"""What a figure question measures, and the figures of a text that measure it.

"How many votes did Kilroy-Silk get?" asks for a count, and "31% of the vote" is not one; "How
much did Ask Jeeves pay for Bloglines?" asks for money, and "300 million articles" is none; "How
old is Jacobsen?" asks for an age, and "400 customers" is not one. A figure of another measure
next to the question's subject is a neighbour of the answer, never the answer (the BBC eval's
unanswerable cases bp028, bt052 and bt033, and the bold "31%" of bp028: issue 23). Questions
whose measure is not plain ("How much did sales rise?": a percentage or an amount) get none, and
every figure stays a candidate.
"""

from __future__ import annotations

import re
from typing import Literal

from rag.answering.verify import numbers_in

Measure = Literal["money", "count", "age", "duration", "percent"]

_MONEY_WORDS = (
    r"pay|paid|cost|costs|spen[dt]|spending|raise[sd]?|sell|sold|buy|bought|charge[sd]?|fined?|bail|worth|"
    r"price|fetch(?:ed)?|earn(?:s|ed)?|owe[sd]?|invest(?:ed)?|money|cash|compensation|damages|salary|wages?|"
    r"bonus|fee|fees|funding|loan|debt|budget|bid|offer"
)
# "What was Willie Walsh's annual …", "What is the biggest …": the words between "what" and the
# noun that names the figure asked for (`premise.asked_for` reads the same).
WHAT_IS_THE = (
    r"what (?:is|was|are|were) (?:the |a |an |his |her |its |their |[\w’'-]+(?:\s[\w’'-]+)?[’']s )(?:[\w-]+\s+)?"
)
_ASKS_MONEY = re.compile(
    r"\bhow much\b(?!\s+(?:of|more|less|higher|lower|longer)\b)(?=[^?.]*\b(?:" + _MONEY_WORDS + r")\b)"
    r"|\b(?:what |" + WHAT_IS_THE + r")(?:(?:share|ticket|asking|sale|selling|purchase|offer|retail)\s+)?"
    r"(?:price|cost|fee|fine|salary|wage|sum|amount of money|bail|compensation|damages)\b",
    re.I,
)
_ASKS_PERCENT = re.compile(
    r"\bwhat (?:percentage|proportion|per ?cent)\b|\bwhat share of\b|\b"
    + WHAT_IS_THE
    + r"(?:percentage|proportion|share)\b",
    re.I,
)
_ASKS_AGE = re.compile(r"\bhow old\b|\bwhat age (?:was|is|were|are|did|does|will)\b|\bat what age\b", re.I)
_ASKS_DURATION = re.compile(r"\bhow long\b|\bfor how many (?:[a-z]+ )?(?:years|months|weeks|days|hours)\b", re.I)
# "How many <noun>": a count, unless the noun is a share or a span ("how many percentage points",
# "how many years", which are durations).
_ASKS_COUNT = re.compile(
    r"\bhow many\b(?!\s+(?:[a-z]+\s+)?(?:percentage|per|percent|years|months|weeks|days|hours|times)\b)", re.I
)

# In this order: the first that matches decides.
_ASKS: tuple[tuple[Measure, re.Pattern[str]], ...] = (
    ("money", _ASKS_MONEY),
    ("percent", _ASKS_PERCENT),
    ("age", _ASKS_AGE),
    ("duration", _ASKS_DURATION),
    ("count", _ASKS_COUNT),
)
_SECOND_ASK = re.compile(r"\b(?:and|or|but)\s+(?:how|what|which|who|when|where|why)\b", re.I)

_NUM = r"\d[\d,]*(?:\.\d+)?"
_SCALE = r"(?:\s?(?:bn|m|k|tn|million|billion|trillion|thousand)\b)?"
_MONEY = re.compile(
    r"(?:[A-Z]{0,2}[£$€¥]|\b(?:US|HK|A|C|NZ)?\$)\s?"
    + _NUM
    + _SCALE
    + r"|\b"
    + _NUM
    + _SCALE
    + r"\s?(?:dollars|pounds|euros|yen|yuan|rupees|francs|pence|cents|p)\b",
    re.I,
)
_PERCENT = re.compile(r"\b" + _NUM + r"\s?(?:%|per ?cent\b|percent\b|percentage points?\b|points?\b)", re.I)
_UNITS = r"(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centur(?:y|ies)|nights?)"
_DURATION = re.compile(
    r"\b(?:" + _NUM + r"|[a-z]+(?:-[a-z]+)?|an?)[\s-]+(?:and a half\s+)?" + _UNITS + r"\b|\blife\b", re.I
)
_AGE = re.compile(
    r"(?:(?<!\d),\s*|\baged\s+|\bage of\s+)(\d{1,3})(?=\s*[,)]|\s+(?:year|who|and|from|is|was|has)\b|$)"
    r"|\b(\d{1,3})[\s-]year[\s-]olds?\b|\b(\d{1,3}) years old\b|\b(\d{1,3})(?:st|nd|rd|th) birthday\b",
    re.I,
)
# A year ("in 2003", "2004's"), never an amount ("2000 million"); one pattern for every check.
YEAR = re.compile(r"(?<![\w$£€¥.,])(?:19|20)\d\d(?![\w%]|[.,]\d|\s*(?:m|bn|million|billion|k)\b)")


def measure_of(question: str) -> Measure | None:
    """The measure a figure question asks for, or None when it is not plain.

    Money before percent: "What share price …" asks for money, "What share of …" for a percentage.
    A question that asks two things ("How many embassies …, and how much will that save?") has
    no one measure.
    """
    if _SECOND_ASK.search(question):
        return None
    return next((measure for measure, asks in _ASKS if asks.search(question)), None)


def fits(text: str, measure: Measure | None, *, given: set[float] | frozenset[float] = frozenset()) -> bool:
    """Whether `text` holds a figure of that measure that is not one of `given` (the question's
    own figures); always True for None. A count is any figure that is not money, a percentage, a
    span of time or a year; a span of time may be "a year" or "life".
    """
    if measure is None:
        return True
    if measure == "money":
        return bool(_values(_MONEY, text) - given)
    if measure == "percent":
        return bool(_values(_PERCENT, text) - given)
    if measure == "duration":
        spans = list(_DURATION.finditer(text))
        return any(not numbers_in(m.group(0)) or numbers_in(m.group(0)) - given for m in spans)
    if measure == "age":
        return bool({float(v) for m in _AGE.finditer(text) for v in m.groups() if v and 0 < int(v) < 125} - given)
    rest = text
    for pattern in (_MONEY, _PERCENT, _DURATION, YEAR):
        rest = pattern.sub(" ", rest)
    return bool(numbers_in(rest) - given)


def _values(pattern: re.Pattern[str], text: str) -> set[float]:
    return {v for m in pattern.finditer(text) for v in numbers_in(m.group(0))}


_DAYS = {
    "minute": 1 / 1440,
    "hour": 1 / 24,
    "day": 1.0,
    "night": 1.0,
    "week": 7.0,
    "fortnight": 14.0,
    "month": 30.44,
    "year": 365.25,
    "decade": 3652.5,
    "century": 36525.0,
}
_SPAN = re.compile(
    r"\b(" + _NUM + r"|[a-z]+(?:[\s-][a-z]+)?|an?)[\s-]+(minute|hour|day|night|week|fortnight|month|year|decade|centur)"
    r"(?:s|ies|y)?\b",
    re.I,
)
_SPAN_SHARE = 0.05  # how far two lengths of time may differ and still be one span ("just over a year")


def spans(text: str) -> list[tuple[float, float]]:
    """The spans of time a text writes, as (the figure written, the length in days): "twelve
    months" is (12, 365.3), "a year" (1, 365.25)."""
    out = []
    for m in _SPAN.finditer(text):
        head = m.group(1).casefold()
        words = head.split()
        values = numbers_in(head) or ({1.0} if words[-1] in ("a", "an") else set())
        unit = m.group(2).casefold().rstrip("s")
        for v in values:
            out.append((v, v * _DAYS["century" if unit.startswith("centur") else unit]))
    return out


def same_span(figure: float, question: str, text: str) -> bool:
    """Whether `figure` of the question is a span of time the text writes in other units
    ("twelve months" for "a year", "48 hours" for "two days"): not a figure the text lacks."""
    lengths = [days for _, days in spans(text)]
    return any(
        v == figure and any(abs(days - other) <= _SPAN_SHARE * days for other in lengths) for v, days in spans(question)
    )
