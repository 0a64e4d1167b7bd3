"""What a figure question measures, the figures of that measure in a text, and spans of time."""

from __future__ import annotations

import pytest

from rag.answering.measures import fits, measure_of, same_span, spans
from rag.answering.premise import bears, check_premise, of_kind
from rag.index.lexical import tokenize


@pytest.mark.parametrize(
    ("question", "measure"),
    [
        ("How many votes did Robert Kilroy-Silk get in Erewash?", "count"),
        ("How much did Ask Jeeves pay for Bloglines?", "money"),
        ("At what share price did Air China start trading?", "money"),
        ("What percentage of people would vote against the constitution?", "percent"),
        ("How old is Nicholas Lee Jacobsen?", "age"),
        ("How long a prison sentence did Michael Sears receive?", "duration"),
        ("For how many consecutive days had the ministers talked?", "duration"),
        # not plain: a rise may be a share or an amount; "what age range" is not an age
        ("How much did sales rise?", None),
        ("How much of its market value has Krispy Kreme shed?", None),
        ("What age range of youngsters does Kraft's curb cover?", None),
        # two asks in one question have no one measure
        ("How many embassies is the Foreign Office closing, and how much will that save?", None),
    ],
)
def test_the_measure_a_question_asks_for(question: str, measure: str | None) -> None:
    assert measure_of(question) == measure


def test_figures_of_another_measure_do_not_fit() -> None:
    assert not fits("UKIP won 31% of the vote in Erewash.", "count")
    assert fits("Delta was forced to cut 6,900 jobs worldwide.", "count")
    assert not fits("It would use the 300 million articles it has archived.", "money")
    assert fits("Air China plans to raise $1bn (£514m) from the flotation.", "money")
    assert fits("Mr Mubanga, 32, from Wembley, said he was interrogated.", "age")
    assert fits("Lord Callaghan has died on the eve of his 93rd birthday.", "age")
    assert not fits("Jacobsen took the names of 400 customers, said a spokesman.", "age")
    assert not fits("The firm cut 6,900 jobs, it said.", "age")  # not ", 900,"
    assert fits("He received a four-month jail sentence.", "duration")
    assert fits("He was jailed for life.", "duration")
    # the question's own figure is not the answer
    assert not fits("The 6,900 jobs were cut.", "count", given={6900.0})
    assert fits("Anything at all.", None)


def test_the_asked_for_item_checks_take_only_figures_of_the_measure() -> None:
    q = "How many votes did Robert Kilroy-Silk get in Erewash?"
    share = "UKIP won 31% of the vote in Erewash in last June's European elections."
    assert not bears(share, "figure", q) and not of_kind(share, "figure", q)
    assert bears("Mr Kilroy-Silk won 12,000 votes in Erewash.", "figure", q)
    paid = "How much did Ask Jeeves pay for Bloglines?"
    assert not of_kind("It would use the 300 million articles it has archived.", "figure", paid)
    assert of_kind("Ask Jeeves paid $1.85bn for the firm.", "figure", paid)


def test_a_span_of_time_in_other_units_is_the_same_figure() -> None:
    assert spans("in just over a year") == [(1.0, 365.25)]
    assert spans("twelve months")[0][0] == 12.0
    text = "The chain has lost 80% of its stock value in just over a year."
    assert same_span(12, "How much value has it shed in a little over twelve months?", text)
    assert not same_span(10, "What happened in 10 days?", "within a week")
    # so the premise check does not refuse "twelve months" for "a year" (BBC eval bb039)
    q = "How much of its market value has Krispy Kreme shed in a little over twelve months?"
    index = set(tokenize(q))  # the index holds the question's words; only the figure is judged
    assert check_premise(q, ["Krispy Kreme " + text], index).holds
    other = check_premise("What value did Krispy Kreme shed in 40 months?", ["Krispy Kreme " + text], index)
    assert other.unfound == ("40",)


def test_a_statement_with_the_span_in_other_units_names_the_question_s_figure() -> None:
    from rag.answering.premise import names_missing

    q = "How much of its market value has Krispy Kreme shed in a little over twelve months?"
    evidence = "Krispy Kreme has lost 80% of its stock value in just over a year."
    assert names_missing(q, evidence) == []
    assert names_missing("What did Krispy Kreme shed in 40 months?", evidence) == ["40"]
