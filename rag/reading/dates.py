"""Article dates read from the text, for files without a date line (shown by `rag.core.days`).

A file's own date line (front matter `date:`, a leading `date 2016-10-02`, or a line before the
copy that is only a date, "Published: 3 October 2016") wins. Without one, the first sentence of
the article's lead (where news copy puts the dateline: "...held talks by phone on Oct. 1") is read
for a date: a full date ("October 1, 2016", "1 October 2016", "2016-10-01") gives an ISO date; a
month and day without a year ("Oct. 1") gives the ISO 8601 form for a date of unknown year,
`--10-01`, shown as "Oct. 1, year not stated". A date after "before", "by", "until" and the like
is a deadline or a plan, not the day of the news, and is not read; neither are dates later in the
text, which name other events ("the February 27 truce", "register before May 1"). A weekday alone
("on Monday") names no date, so such an article stays undated. On the BBC archive, which has no
dates, no article is given one (`scripts/reading-fidelity.py`; two paragraphs of lead gave 7).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.core.days import valid_day
from rag.reading.sentences import split_sentences

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b", re.I)
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s+{_MONTH}\s+((?:19|20)\d\d)\b", re.I)
_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s*(?:19|20)\d\d)(?![\d:])", re.I)
# A date after these words is a deadline, a plan or a span's start, not the day of the news.
_NOT_THE_DAY = re.compile(
    r"\b(?:before|by|until|till|through|after|from|since|starting|beginning|ahead\s+of|deadline(?:\s+of)?|due(?:\s+on)?"
    r"|no\s+later\s+than|expires?(?:\s+on)?|closes?(?:\s+on)?)\s+(?:the\s+|on\s+)?$",
    re.I,
)
_DATE_LINE = re.compile(
    r"^(?:(?:published|updated|posted|date)\s*:?\s*)?(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
    r"(?P<date>.+?)(?:\s*[,|·-]?\s*\d{1,2}[:.]\d\d(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?)?\s*$",
    re.I,
)


def month_number(name: str) -> int:
    """1-12 for a month's name or its abbreviation ("Nov", "november")."""
    return _MONTHS.index(name[:3].casefold()) + 1


def _the_day(lead: str, m: re.Match[str]) -> bool:
    """Whether a date found in the lead names the day of the news (no "before", "until" ahead of it)."""
    return _NOT_THE_DAY.search(lead, 0, m.start()) is None


def _dates(lead: str) -> tuple[list[str], list[str]]:
    """The full dates (ISO) and the dates without a year (`--MM-DD`) of the news in `lead`."""
    full: list[str] = []
    for m in _MONTH_DAY_YEAR.finditer(lead):
        month, day, year = month_number(m.group(1)), int(m.group(2)), m.group(3)
        if valid_day(month, day) and _the_day(lead, m):
            full.append(f"{year}-{month:02d}-{day:02d}")
    for m in _DAY_MONTH_YEAR.finditer(lead):
        day, month, year = int(m.group(1)), month_number(m.group(2)), m.group(3)
        if valid_day(month, day) and _the_day(lead, m):
            full.append(f"{year}-{month:02d}-{day:02d}")
    for m in _ISO.finditer(lead):
        if valid_day(int(m.group(2)), int(m.group(3))) and _the_day(lead, m):
            full.append(m.group(0))
    partial = [
        f"--{month_number(m.group(1)):02d}-{int(m.group(2)):02d}"
        for m in _MONTH_DAY.finditer(lead)
        if valid_day(month_number(m.group(1)), int(m.group(2))) and _the_day(lead, m)
    ]
    return full, partial


def date_line(line: str) -> str | None:
    """The date of a line that is only a date ("3 October 2016", "Published: Oct. 3, 2016 10:15 BST",
    "2016-10-03"): ISO, or None when the line says more than a date."""
    m = _DATE_LINE.match(line.strip())
    if m is None:
        return None
    rest = m.group("date").strip(" ,.")
    full, _ = _dates(rest)
    whole = _MONTH_DAY_YEAR.fullmatch(rest) or _DAY_MONTH_YEAR.fullmatch(rest) or _ISO.fullmatch(rest)
    return full[0] if full and whole else None


def date_in_text(text: str, spans: Sequence[tuple[int, int]]) -> str | None:
    """The date of the news in the first sentence of the article's lead: ISO, `--MM-DD` without a
    year, or None.

    Args:
        text: the raw file text.
        spans: the body paragraphs (offsets into `text`), in order.
    """
    if not spans:
        return None
    first = split_sentences(text, *spans[0])
    full, partial = _dates(first[0].text if first else "")
    if full:
        return max(full)
    return max(partial) if partial else None
