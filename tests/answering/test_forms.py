"""Answer forms: which form a question asks for, and the broad forms composed from the articles' sentences."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from fakes import FakeEmbedder

from rag.answering.citations import SourceTexts
from rag.answering.forms import Composition, compose, form_of, topic
from rag.core.types import Chunk, Passage, Sentence
from rag.reading.sentences import split_sentences

# Written for these tests; neutral facts.
ARTICLES = {
    "harbour-a.txt": (
        "Harbour bridge plan approved\n\n"
        "The city council approved the harbour bridge plan in March 2003 after a long debate. "
        "Work on the harbour bridge began in June 2004 with two cranes on the north bank. "
        "The harbour bridge opened to traffic on 9 November 2006, three months late. "
        "The harbour bridge opened to traffic on 9 November 2006, three months late and over budget."
    ),
    "harbour-b.txt": (
        "Harbour bridge costs questioned\n\n"
        "The harbour bridge cost 40m euros, according to the Port Authority. "
        "Mayor Ana Ruiz said the harbour bridge cost 55m euros once the approach roads were counted. "
        '"The harbour bridge was worth every cent," said Ana Ruiz at the opening. '
        '"We were promised a cheaper harbour bridge for the ferry town."'
    ),
    "weather.txt": "Rain expected\n\nHeavy rain is expected across the north coast on Sunday evening.",
}


def _passages(root: Path) -> list[Passage]:
    out = []
    for rank, (name, text) in enumerate(ARTICLES.items(), 1):
        (root / name).write_text(text, encoding="utf-8")
        title, _, _ = text.partition("\n\n")
        start = len(title) + 2
        sents = tuple(Sentence(s.start, s.end, s.text) for s in split_sentences(text, start, len(text)))
        chunk = Chunk(f"{name}:0", name, name, 0, text[start:], start, len(text), sents, title=title)
        out.append(Passage(chunk, 1.0 / rank, rank))
    return out


@pytest.mark.parametrize(
    ("question", "form"),
    [
        ("Summarize what happened to the harbour bridge.", "summary"),
        ("What do the articles say about the harbour bridge?", "summary"),
        ("What is going on between the two ferry companies?", "summary"),
        ("What is the row over the bridge's cost about?", "summary"),
        ("Give me a timeline of the harbour bridge.", "timeline"),
        ("Compare the Port Authority and Ana Ruiz on the bridge's cost.", "comparison"),
        ("What are the differing accounts of the bridge's cost?", "comparison"),
        ("What death toll did civil defence workers give compared with the Syrian Observatory?", "comparison"),
        # what someone likened a person to is a fact (BBC bp001)
        ("Who was the reporter that Ken Livingstone compared to a concentration camp guard?", "fact"),
        ("Which two phones were compared in the review?", "comparison"),  # "Which" asks; no clause
        ("Did the bridge open late?", "yes_no"),
        ("Was the bridge opened in 2006 or 2007?", "fact"),  # offers its answers
        ("Which companies built the bridge?", "list"),
        ("How much did the bridge cost?", "fact"),
    ],
)
def test_form_of_reads_what_the_question_asks_for(question: str, form: str) -> None:
    assert form_of(question) == form


def test_topic_leaves_out_the_words_that_ask_for_the_form() -> None:
    assert topic("Give me a timeline of the harbour bridge.") == "the harbour bridge."
    assert topic("What are the differing accounts of the bridge's cost?") == "the bridge's cost?"


def _compose(tmp_path: Path, form: str, question: str, **rules: float) -> list:
    passages = _passages(tmp_path)
    texts = SourceTexts(tmp_path, {}, max_bytes=100_000)
    return compose(
        form,  # type: ignore[arg-type]
        question,
        passages,
        texts,
        embedder=FakeEmbedder(),
        rules=Composition(relevance=0.3, **rules),  # the fake embedder's own scale
    )


def test_a_summary_quotes_several_articles_exactly_and_never_says_a_thing_twice(tmp_path: Path) -> None:
    out = _compose(tmp_path, "summary", "Summarize what happened to the harbour bridge.")
    sources = {st.citations[0].source for st in out}
    assert sources == {"harbour-a.txt", "harbour-b.txt"}  # the weather article addresses nothing
    texts = [st.text for st in out]
    assert not any("over budget" in t for t in texts) or not any(t.endswith("three months late.") for t in texts)
    for st in out:
        (c,) = st.citations
        assert (tmp_path / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.quote == st.text
        assert st.verified is True
    assert sum(st.citations[0].source == "harbour-a.txt" for st in out) <= 2  # a few per article
    # A quotation whose speaker is named elsewhere is not shown as the article's words.
    assert not any(t.startswith('"We were promised') for t in texts)


def test_a_summary_takes_each_articles_lead_first(tmp_path: Path) -> None:
    # The best-scored sentence of harbour-a is about the opening; its lead, the plan's approval, is
    # the article's main point and is taken first (one sentence an article here).
    out = _compose(tmp_path, "summary", "Summarize the harbour bridge opening to traffic.", per_article=1)
    assert [st.text for st in out] == [
        "The city council approved the harbour bridge plan in March 2003 after a long debate.",
        "The harbour bridge cost 40m euros, according to the Port Authority.",
    ]


def test_a_timeline_is_in_date_order_with_each_date_from_its_sentence(tmp_path: Path) -> None:
    out = _compose(tmp_path, "timeline", "Give me a timeline of the harbour bridge.", per_article=3)
    assert [st.label for st in out] == ["March 2003", "June 2004", "9 November 2006"]
    assert all(st.label in st.text for st in out if st.label)


def test_a_comparison_groups_statements_by_the_questions_sides(tmp_path: Path) -> None:
    out = _compose(tmp_path, "comparison", "Compare the Port Authority and Ana Ruiz on the harbour bridge's cost.")
    labels = [st.label for st in out]
    assert "Port Authority" in labels and "Ana Ruiz" in labels
    assert labels.index("Port Authority") < labels.index("Ana Ruiz")  # grouped in the question's order
    for st in out:
        if st.label in ("Port Authority", "Ana Ruiz"):
            assert st.label.split()[-1] in st.text


def test_a_timeline_without_dates_gives_the_main_points_unlabelled(tmp_path: Path) -> None:
    out = _compose(tmp_path, "timeline", "Give me a timeline of the heavy rain expected on Sunday evening.")
    assert [st.text for st in out] == ["Heavy rain is expected across the north coast on Sunday evening."]
    assert [st.label for st in out] == [None]


def test_a_sentence_that_names_a_short_topics_subject_is_on_the_topic(tmp_path: Path) -> None:
    passages = _passages(tmp_path)
    texts = SourceTexts(tmp_path, {}, max_bytes=100_000)
    rules = Composition(relevance=0.99)  # no sentence passes by its words and meaning alone
    out = compose(
        "summary", "What do the articles say about Ana Ruiz?", passages, texts, embedder=FakeEmbedder(), rules=rules
    )
    assert out and all("Ana Ruiz" in st.text for st in out)


def test_a_timeline_reads_dates_without_a_year_and_weekdays_of_a_dated_article(tmp_path: Path) -> None:
    # The forms eval: timelines expect "September 22", "early July", "Saturday" (issue 24); a date
    # without a year takes the article's, and a weekday is the last such day up to the article's date.
    text = (
        "Ferry line\n\n"
        "The ferry line was hit by a strike on Saturday, its owners said. "
        "The ferry line opened in March 2011 with two boats. "
        "A ferry line strike of September 22 ended after a week. "
        "In early July the ferry line added a night crossing."
    )
    (tmp_path / "ferry.txt").write_text(text, encoding="utf-8")
    start = text.index("\n\n") + 2
    sents = tuple(Sentence(s.start, s.end, s.text) for s in split_sentences(text, start, len(text)))
    chunk = Chunk("ferry:0", "ferry", "ferry.txt", 0, text[start:], start, len(text), sents, title="Ferry line")
    texts = SourceTexts(tmp_path, {}, max_bytes=100_000)
    rules = Composition(per_article=4, relevance=0.0)

    def labels(c: Chunk) -> list[str | None]:
        q = "Give me a timeline of the ferry line."
        out = compose("timeline", q, [Passage(c, 1.0, 1)], texts, embedder=FakeEmbedder(), rules=rules)
        return [st.label for st in out]

    dated = labels(replace(chunk, date="2016-10-02"))
    assert dated == ["March 2011", "early July", "September 22", "Saturday (2016-10-01)"]
    undated = labels(chunk)
    # without the article's date: no weekday can be placed, and a date without a year follows the years
    assert undated == ["March 2011", "early July", "September 22"]
