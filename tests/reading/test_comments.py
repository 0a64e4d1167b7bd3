"""Readers' comments after an article: recognised, kept and tagged; the article's own first person is not."""

from __future__ import annotations

from rag.core.types import Chunk
from rag.index.store import _chunk_from, _chunk_metadata
from rag.reading.chunking import chunk_document
from rag.reading.comments import comments_from, is_comment
from rag.reading.ingest import make_document
from rag.reading.layout import parse_article

# Written for these tests: a neutral report, then readers' comments (unsigned, one without "I").
REPORT = (
    "Ferry fares to rise in spring\n\n"
    "Fares on the island ferry will rise by 4% in April, the operator said on Monday.\n\n"
    'Operator spokeswoman Ana Ruiz said: "Fuel costs have doubled since last year."\n\n'
    "The council, which part-funds the route, said it would review the subsidy in May.\n\n"
)
COMMENTS = (
    "I take this ferry every week and the service has not improved at all.\n\n"
    "Why should islanders pay more for a boat that is late half the time?\n\n"
    "The subsidy should go to a second boat, not to the operator.\n\n"
    "My family moved here for the quiet, but the crossings are a joke!\n"
)


def test_a_comment_section_after_the_article_is_found_at_its_first_comment() -> None:
    text = REPORT + COMMENTS
    at = comments_from(text, parse_article(text).spans)
    assert at == len(REPORT)  # the first comment's first character, worked out by hand
    assert is_comment(text, len(REPORT)) and not is_comment(text, len(REPORT) - 3)
    doc = make_document("ferry.txt", text)
    tagged = [s.text for s in doc.sentences if s.comment]
    assert tagged[0] == "I take this ferry every week and the service has not improved at all."
    assert tagged[-1] == "My family moved here for the quiet, but the crossings are a joke!"
    assert len(tagged) == 4  # kept, all four comments (one sentence each): indexed, tagged
    assert not any(s.comment for s in doc.sentences if s.start < len(REPORT))


def test_the_articles_own_first_person_quotation_is_not_a_comment() -> None:
    text = REPORT + (
        'Passenger Tom Berg said: "I take this ferry every week and I cannot pay more."\n\n'
        '"My children cross it to school," he added.\n\n'
        "The new fares will be published on the operator's website.\n"
    )
    assert comments_from(text, parse_article(text).spans) is None
    assert not any(s.comment for s in make_document("ferry.txt", text).sentences)


def test_a_first_person_column_closed_by_its_byline_has_no_comments() -> None:
    text = (
        "Why I still print my photos\n\n"
        "Writer Jo Lind argues that prints outlast files.\n\n"
        "I have a box of prints from 1985 and every one of them still opens.\n\n"
        "My first digital camera wrote to a card that no computer I own can read!\n\n"
        "Should we trust our memories to formats that change every five years?\n\n"
        "I think not, and I print the ones I care about.\n\n"
        "Jo Lind is a regular columnist on photography.\n"
    )
    assert comments_from(text, parse_article(text).spans) is None


def test_the_comment_tag_survives_the_index_round_trip() -> None:
    doc = make_document("ferry.txt", REPORT + COMMENTS)
    chunks = chunk_document(doc, target_tokens=40, max_tokens=60)
    for c in chunks:
        back: Chunk = _chunk_from(c.id, c.text, _chunk_metadata(c))
        assert [s.comment for s in back.sentences] == [s.comment for s in c.sentences]
        assert _chunk_metadata(c)["comments"] == any(s.comment for s in c.sentences)
    assert any(s.comment for c in chunks for s in c.sentences)
