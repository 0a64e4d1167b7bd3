"""Reading web pages, PDFs, Word files and exports, from files written by real writers (tests/documents.py)."""

from __future__ import annotations

import json
from pathlib import Path

import documents as D
import pytest

from rag.reading.formats import (
    Fields,
    extract,
    is_plain,
    join_lines,
    page_of,
    record_key,
    render,
    split_key,
)
from rag.reading.ingest import load_documents


def _extract(path: Path, fields: Fields | None = None):
    return extract(path, path.read_bytes(), fields or Fields())


def test_render_lays_out_front_matter_and_paragraphs_at_known_offsets() -> None:
    text, starts = render({"title": "Rain  falls", "date": "2024-03-05", "author": None}, ["One.", "Two."])
    # "---\n" (4) + "title: Rain falls\n" (18) + "date: 2024-03-05\n" (17) + "---\n" (4) = 43
    assert text == "---\ntitle: Rain falls\ndate: 2024-03-05\n---\nOne.\n\nTwo."
    assert starts == (43, 49) and text[43:47] == "One." and text[49:53] == "Two."
    assert render({}, ["Only."]) == ("Only.", (0,))


def test_record_keys_split_back_and_plain_files_are_told_apart() -> None:
    assert record_key("exports/news.jsonl", "a#7") == "exports/news.jsonl#a#7"
    assert split_key("exports/news.jsonl#a#7") == ("exports/news.jsonl", "a#7")
    assert split_key("corpus/one#two.txt") == ("corpus/one#two.txt", None)
    assert split_key("x.CSV#3") == ("x.CSV", "3")
    assert is_plain("a/b.md") and is_plain("a/b.TXT") and not is_plain("a/b.pdf") and not is_plain("x.csv#3")


def test_page_of_counts_pages_from_one() -> None:
    assert page_of((10, 50, 50, 90), 9) == 0  # before page 1: front matter
    assert page_of((10, 50, 50, 90), 10) == 1
    assert page_of((10, 50, 50, 90), 50) == 3  # page 2 was empty: the offset is on page 3
    assert page_of((), 5) is None


def test_join_lines_joins_hyphenated_words_and_ends_paragraphs_at_short_sentence_ends() -> None:
    page = "The reser-\nvoir held all night and the town\nwas safe.\nA new paragraph starts here and\nends here."
    assert join_lines(page) == [
        "The reservoir held all night and the town was safe.",
        "A new paragraph starts here and ends here.",
    ]
    assert join_lines("A well-\nKnown name") == ["A well- Known name"]  # a capital: a real hyphen, kept


def test_a_news_page_keeps_the_article_and_leaves_out_menus_ads_cookies_related_and_comments(tmp_path: Path) -> None:
    page = tmp_path / "flood.html"
    page.write_text(
        D.news_page(D.FLOOD_TITLE, D.FLOOD, author="Jane Roe", date="2024-03-05", url="https://courier.example/f")
    )
    (art,) = _extract(page).articles
    for sentence in D.FLOOD:
        assert sentence in art.text
    for furniture in ("cookies", "Sport", "SofaWorld", "Related stories", "cheap-pills", "council did nothing"):
        assert furniture not in art.text
    assert art.text.startswith(
        f"---\ntitle: {D.FLOOD_TITLE}\ndate: 2024-03-05\nurl: https://courier.example/f\nauthor: Jane Roe\n---\n"
    )
    docs, warnings = load_documents(page, root=tmp_path, max_bytes=10**6)
    (doc,) = docs
    assert (doc.title, doc.date, doc.url, warnings) == (D.FLOOD_TITLE, "2024-03-05", "https://courier.example/f", [])
    assert [s.text for s in doc.sentences] == D.FLOOD  # the title printed again is left out


def test_a_two_column_pdf_reads_column_by_column_with_pages_and_the_hyphen_joined(tmp_path: Path) -> None:
    (art,) = _extract(D.two_column_pdf(tmp_path / "flood.pdf")).articles
    assert "The reservoir held through the night." in art.text and "reser-" not in art.text
    left, right = art.text.index("Environment Agency said."), art.text.index("Officials said the water")
    assert left < right  # the left column before the right
    assert len(art.pages) == 2 and art.text.startswith(f"---\ntitle: {D.FLOOD_TITLE}\n---\n")
    assert art.pages[0] == len(f"---\ntitle: {D.FLOOD_TITLE}\n---\n")
    assert art.text[art.pages[1] :] == "Insurers said claims could reach ten million pounds across the county."
    assert page_of(art.pages, right) == 1 and page_of(art.pages, art.pages[1] + 3) == 2


def test_a_word_file_gives_its_paragraphs_in_order_with_its_properties(tmp_path: Path) -> None:
    docs, warnings = load_documents(D.word_file(tmp_path / "wire.docx"), root=tmp_path, max_bytes=10**6)
    (doc,) = docs
    assert warnings == [] and (doc.title, doc.date) == (D.FLOOD_TITLE, "2024-03-05")
    assert [s.text for s in doc.sentences] == D.FLOOD


def test_jsonl_records_are_named_by_id_else_line_and_fields_found_by_their_usual_names(tmp_path: Path) -> None:
    lines = [
        {"id": "n-1", "headline": "Rain", "content": "It rained in Leeds on Monday.", "published_at": "2024-01-02"},
        {"title": "Sun", "text": "The sun shone in York.", "link": "https://x.example/sun", "byline": "Ann"},
        "not an object",
    ]
    path = tmp_path / "cms.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n")
    got = _extract(path)
    assert [a.record for a in got.articles] == ["n-1", "2"]
    assert got.articles[0].text == "---\ntitle: Rain\ndate: 2024-01-02\n---\nIt rained in Leeds on Monday."
    assert (
        got.articles[1].text == "---\ntitle: Sun\nurl: https://x.example/sun\nauthor: Ann\n---\nThe sun shone in York."
    )
    assert len(got.warnings) == 2
    assert "record 3 is not an object" in got.warnings[0] and "line 4 is not JSON" in got.warnings[1]
    assert all(str(path) in w for w in got.warnings)


def test_a_field_override_is_looked_for_first(tmp_path: Path) -> None:
    path = tmp_path / "cms.json"
    path.write_text(json.dumps({"articles": [{"story_text": "Mines closed in Wales.", "body": "<p>teaser</p>"}]}))
    (art,) = _extract(path, Fields.with_overrides({"body": "story_text"})).articles
    assert art.record == "1" and art.text == "Mines closed in Wales."
    with pytest.raises(ValueError, match="not a field role"):
        Fields.with_overrides({"bodyy": "x"})


def test_csv_rows_are_named_by_id_else_row_and_a_csv_without_text_column_is_named(tmp_path: Path) -> None:
    rows = [{"title": "A", "body": "First story.\n\nSecond paragraph."}, {"title": "B", "body": "Other story."}]
    (art1, art2) = _extract(D.write_csv(tmp_path / "cms.csv", rows)).articles
    assert (art1.record, art2.record) == ("1", "2")
    assert art1.text == "---\ntitle: A\n---\nFirst story.\n\nSecond paragraph."
    got = _extract(D.write_csv(tmp_path / "bad.csv", [{"headline": "A", "story": "x"}]))
    assert got.articles == ()
    assert "no text column" in got.warnings[0] and "headline, story" in got.warnings[0]
    assert "--field body=COLUMN" in got.warnings[0]


def test_a_duplicate_record_id_keeps_the_first(tmp_path: Path) -> None:
    path = D.write_jsonl(tmp_path / "d.jsonl", [{"id": "7", "body": "One."}, {"id": "7", "body": "Two."}])
    got = _extract(path)
    assert [a.text for a in got.articles] == ["One."] and "'7' occurs twice" in got.warnings[0]


@pytest.mark.parametrize(
    ("name", "data", "expect"),
    [
        ("bad.pdf", b"%PDF-1.4\n garbage that is not a pdf", "cannot be read as a PDF"),
        ("bad.docx", b"this is not a zip", "not a Word .docx file"),
        ("bad.json", b"{not json", "not valid JSON"),
        ("latin.jsonl", '{"body": "caf\xe9"}'.encode("latin-1"), "must be UTF-8"),
    ],
)
def test_damaged_files_give_a_warning_that_names_the_file_and_the_fix(
    tmp_path: Path, name: str, data: bytes, expect: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    got = _extract(path)
    assert got.articles == () and expect in got.warnings[0] and str(path) in got.warnings[0]
