"""Article dates read from the text, for files without a date line (shown by `rag.core.days`).

A file's own date line (front matter `date:`, a leading `date 2016-10-02`) wins. Without one,
the article's lead (its first paragraphs, where news copy puts the dateline: "...held talks by
phone on Oct. 1") is read for a date: a full date ("October 1, 2016", "1 October 2016",
"2016-10-01") gives an ISO date; a month and day without a year ("Oct. 1") gives the ISO 8601
form for a date of unknown year, `--10-01`, shown as "Oct. 1, year not stated". Dates later
in the text are usually of earlier events ("the February 27 truce") and are not read. A weekday
alone ("on Monday") names no date, so such an article stays undated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.core.days import valid_day

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b", re.I)
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s+{_MONTH}\s+((?:19|20)\d\d)\b", re.I)
_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s*(?:19|20)\d\d)(?![\d:])", re.I)
LEAD_PARAGRAPHS = 2


def _month(name: str) -> int:
    return _MONTHS.index(name[:3].casefold()) + 1


def date_in_text(text: str, spans: Sequence[tuple[int, int]]) -> str | None:
    """The date of the article's lead paragraphs: ISO, `--MM-DD` without a year, or None.

    Args:
        text: the raw file text.
        spans: the body paragraphs (offsets into `text`), in order.
    """
    lead = " ".join(text[s:e] for s, e in spans[:LEAD_PARAGRAPHS])
    full: list[str] = []
    for m in _MONTH_DAY_YEAR.finditer(lead):
        month, day, year = _month(m.group(1)), int(m.group(2)), m.group(3)
        if valid_day(month, day):
            full.append(f"{year}-{month:02d}-{day:02d}")
    for m in _DAY_MONTH_YEAR.finditer(lead):
        day, month, year = int(m.group(1)), _month(m.group(2)), m.group(3)
        if valid_day(month, day):
            full.append(f"{year}-{month:02d}-{day:02d}")
    for m in _ISO.finditer(lead):
        if valid_day(int(m.group(2)), int(m.group(3))):
            full.append(m.group(0))
    if full:
        return max(full)
    partial = [
        f"--{_month(m.group(1)):02d}-{int(m.group(2)):02d}"
        for m in _MONTH_DAY.finditer(lead)
        if valid_day(_month(m.group(1)), int(m.group(2)))
    ]
    return max(partial) if partial else None
