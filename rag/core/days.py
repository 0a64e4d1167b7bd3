"""Days as the index stores them and a reader sees them: ISO dates, `--MM-DD` for a date of
unknown year (ISO 8601), YYYYMMDD numbers for range filters, and `--since`/`--until` parsing.

Dates read from article text are `rag.reading.dates`; this module only formats and compares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SHORT = ("Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")


def valid_day(month: int, day: int) -> bool:
    """Whether month/day is a day of some year (29 February allowed: the year may be unknown)."""
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)


def show_date(date: str | None) -> str:
    """A stored date as a reader sees it: ISO as is, `--10-01` as "Oct. 1, year not stated"."""
    if not date:
        return "date unknown"
    m = re.fullmatch(r"--(\d\d)-(\d\d)", date)
    if m:
        return f"{_SHORT[int(m.group(1)) - 1]} {int(m.group(2))}, year not stated"
    return date


def day_number(date: str | None) -> int:
    """A full ISO date as the number YYYYMMDD (for range filters); 0 for none or no year."""
    if date and re.fullmatch(r"\d{4}-\d\d-\d\d", date):
        return int(date.replace("-", ""))
    return 0


def parse_day(value: str | None, *, name: str) -> int | None:
    """A `--since`/`--until` date, YYYY-MM-DD, as YYYYMMDD; raises ValueError naming the format."""
    if value is None or value == "":
        return None
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", value.strip())
    if not m or not valid_day(int(m.group(2)), int(m.group(3))):
        raise ValueError(f"{name} must be a date written YYYY-MM-DD (e.g. 2016-10-01), not {value!r}.")
    return int(value.strip().replace("-", ""))


@dataclass(frozen=True, slots=True)
class DayRange:
    """A `--since`/`--until` filter: YYYYMMDD bounds (either may be None) and whether articles
    without a full date (none, or `--MM-DD`) are searched too (`--include-undated`)."""

    since: int | None
    until: int | None
    undated: bool = False

    def admits(self, date: str | None) -> bool:
        """Whether an article with this stored date is searched."""
        day = day_number(date)
        if day == 0:
            return self.undated
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def describe(self) -> str:
        """The range as a reader sees it: "dated from 2005-01-01", "dated 2005-01-01 to 2005-03-31"."""
        low, high = (_iso(d) for d in (self.since, self.until))
        if low and high:
            return f"dated {low} to {high}"
        return f"dated from {low}" if low else f"dated until {high}"


def _iso(day: int | None) -> str:
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}" if day else ""
