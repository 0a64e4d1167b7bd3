"""Which lines of an article are copy and which are page furniture, by offsets worked out by hand."""

from __future__ import annotations

from rag.reading.ingest import explain, make_document
from rag.reading.layout import (
    CAPTION,
    HEADING,
    LIST_MARKER,
    SHARE_BAR,
    TITLE,
    TITLE_AGAIN,
    is_heading,
    parse_article,
    word_count,
)

GAMES = (
    "Game one: Ashford beat Brixton.\nFinal score: 2-1.\n\n"
    "Game two: Brixton beat Carlow.\nFinal score: 2-1.\n\n"
    "Game three: Carlow drew with Ashford.\nFinal score: 0-0.\n"
)


def test_a_line_of_copy_printed_twice_is_kept_with_each_offset() -> None:
    # "Game one: Ashford beat Brixton.\n" is 32 characters, so the first score starts at 32 and
    # ends at 32 + 17 = 49; "\n\n" (2) and "Game two: Brixton beat Carlow.\n" (31) put the second at
    # 49 + 2 + 31 = 82; "\n\n" (2) and "Game three: Carlow drew with Ashford.\n" (38) the third at 139.
    doc = make_document("games.txt", GAMES)
    scores = [(s.start, s.end, s.text) for s in doc.sentences if s.text.startswith("Final score")]
    assert scores == [(32, 49, "Final score: 2-1."), (82, 99, "Final score: 2-1."), (139, 156, "Final score: 0-0.")]
    assert all(GAMES[a:b] == t for a, b, t in scores)


def test_a_log_of_150_identical_lines_keeps_every_line() -> None:
    line = "Trading was halted after the index fell 7%."
    text = "Market log\n\n" + "\n".join([line] * 150) + "\n"
    doc = make_document("log.txt", text)
    assert len(doc.sentences) == 150 and {s.text for s in doc.sentences} == {line}
    assert doc.sentences[1].start == 12 + len(line) + 1  # the headline line and the blank line: 12


def test_list_items_short_factual_lines_and_broken_paragraphs_are_copy() -> None:
    text = (
        "Town budget\n\n"
        "The council met on Tuesday and agreed a plan.\n\n"
        "The plan includes\n"
        "• Budget vote scheduled for May 4\n"
        "- A freeze on parking fees\n"
        "2) Roads reopen in June\n\n"
        "Attendance: 900.\n"
        "Attendance: 900\n\n"
        "was\n\n"
        "Road works\n"
    )
    kept = [s.text for s in make_document("budget.txt", text).sentences]
    assert kept == [
        "The council met on Tuesday and agreed a plan.",
        "The plan includes",  # it introduces the list
        "Budget vote scheduled for May 4",  # the items without their markers
        "A freeze on parking fees",
        "Roads reopen in June",
        "Attendance: 900.",
        "Attendance: 900",
        "was",  # the rest of a paragraph the archive broke in two
    ]
    assert [(x.reason, text[x.start : x.end]) for x in explain(text)] == [
        (TITLE, "Town budget"),
        (LIST_MARKER, "• "),
        (LIST_MARKER, "- "),
        (LIST_MARKER, "2) "),
        (HEADING, "Road works"),
    ]


def test_page_furniture_is_kept_out_with_its_reason() -> None:
    caption = "Rescue workers search the rubble of the market hall on Saturday."
    text = (
        "Market hall collapses\n\n"  # 0-21
        "Market hall collapses\n\n"  # 23-44
        f"{caption}\n"  # 46-110
        f"{caption} (Jane Doe / Reuters)\n\n"  # 111-196
        "Share this article | Facebook | Twitter | Email\n\n"
        "The market hall in Eastvale collapsed on Saturday. Nobody was hurt.\n"
    )
    parsed = parse_article(text)
    assert parsed.title == "Market hall collapses"
    assert [text[s:e] for s, e in parsed.spans] == [
        "The market hall in Eastvale collapsed on Saturday. Nobody was hurt."
    ]
    assert [(x.start, x.end, x.reason) for x in parsed.left_out] == [
        (0, 21, TITLE),
        (23, 44, TITLE_AGAIN),
        (46, 110, CAPTION),
        (111, 196, CAPTION),
        (198, 245, SHARE_BAR),
    ]


def test_a_caption_printed_twice_with_its_credit_is_furniture_but_a_statement_twice_is_not() -> None:
    cap = "More than 200 people gathered at the harbour, according to organisers [Jane Doe/Reuters]"
    said = "More than 200 people gathered at the harbour, according to organisers."
    text = f"Harbour festival\n\n{cap}\n{cap}\n\n{said}\n\n{said}\n"
    assert [s.text for s in make_document("h.txt", text).sentences] == [said, said]


def test_unspaced_scripts_count_words_by_characters() -> None:
    # 14 Han characters and no space: one whitespace word plus 14 // 2 = 7.
    assert word_count("东京马拉松于三月三日举行了吗") == 1 + 14 // 2
    assert word_count("Budget vote on Friday") == 4
    assert is_heading("青石镇新图书馆开放")  # 1 + 4: a short title without a full stop
    assert not is_heading("青石镇新图书馆于周六正式向公众开放并举办了开馆仪式和读书会")  # 1 + 14
