"""Dates read from an article's lead when the file has no date line, and how they are shown."""

from __future__ import annotations

import pytest

from rag.answering.assemble import as_of
from rag.core.days import show_date
from rag.core.types import Citation, Statement
from rag.reading.dates import date_in_text
from rag.reading.ingest import parse_article


def _date(text: str) -> str | None:
    return parse_article(text).date


def test_a_date_line_wins_over_the_text() -> None:
    assert _date("date 2016-10-02 ALEPPO: talks on Oct. 1 went on.\n\nMore copy here.") == "2016-10-02"


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        ("The ministers held talks by phone on Oct. 1 regarding the bombing.", "--10-01"),
        ("The ministers held talks on October 1, 2016, about Aleppo.", "2016-10-01"),
        ("The ministers held talks on 1 October 2016 about Aleppo.", "2016-10-01"),
        ("Talks on Sept. 30 and again on Oct. 2 went nowhere.", "--10-02"),
        ("John Kerry defended his efforts on Monday.", None),  # a weekday names no date
        ("The report came out on Feb. 30 according to nobody.", None),  # no such day
    ],
)
def test_the_lead_gives_the_date(lead: str, expected: str | None) -> None:
    text = f"A headline for the story\n\n{lead}\n\nA second paragraph.\n\nLater copy: the February 27 truce collapsed."
    assert _date(text) == expected


def test_dates_later_in_the_article_are_of_earlier_events() -> None:
    text = "Headline here\n\nKerry called for a ceasefire.\n\nThe aid came.\n\nThe February 27 truce collapsed."
    parsed = parse_article(text)
    assert parsed.date is None and date_in_text(text, parsed.spans) is None


def test_the_bundled_undated_article_gets_its_dateline() -> None:
    from pathlib import Path

    text = Path("seeds/001_c9e6724549ec9b5a.txt").read_text(encoding="utf-8")
    assert _date(text) == "--10-01"


def test_show_date_and_as_of_prefer_a_full_date() -> None:
    assert show_date("--10-01") == "Oct. 1, year not stated"
    assert show_date("2016-10-02") == "2016-10-02" and show_date(None) == "date unknown"

    def st(date: str | None) -> Statement:
        return Statement("x", (Citation("a.txt", 0, 1, "x", "T", date, None),))

    assert as_of("Is M10 still open?", [st("--10-05"), st("2016-10-02")]) == "2016-10-02"
    assert as_of("Is M10 still open?", [st("--10-01"), st(None)]) == "--10-01"


def test_a_deadline_is_not_the_article_s_date() -> None:
    # In the body, and even in the lead's first sentence after "before"/"until", a date is a
    # deadline, not the day of the news (issue 26: "before May 1" became "May 1, year not stated").
    body = (
        "Headline here\n\nThe council opened registration for the fun run.\n\nRegister before May 1 at the town hall."
    )
    assert _date(body) is None
    assert _date("Headline here\n\nRegistration is open until May 1 for the fun run.\n\nMore copy.") is None
    assert _date("Headline here\n\nThe fun run took place on April 12 despite rain.\n\nMore copy.") == "--04-12"


def test_only_the_first_sentence_of_the_lead_is_read() -> None:
    text = "Headline here\n\nThe fun run took place despite rain. It was first held on April 12, 1998.\n"
    assert _date(text) is None


def test_a_line_that_is_only_a_date_is_the_date_line() -> None:
    text = "Headline here\n\nPublished: 3 October 2016 10:15 BST\n\nThe fun run took place.\n"
    parsed = parse_article(text)
    assert parsed.date == "2016-10-03" and [text[s:e] for s, e in parsed.spans] == ["The fun run took place."]
    assert [(x.start, x.end, x.reason) for x in parsed.left_out][1] == (15, 50, "the date line")
    assert _date("Headline here\n\nMonday, Oct. 3, 2016\n\nThe fun run took place.\n") == "2016-10-03"
    # A line that says more than a date is copy, not a date line.
    assert _date("Headline here\n\nRegister before 3 October 2016\n\nThe fun run took place.\n") is None
