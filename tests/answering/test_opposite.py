"""A question whose presupposed event the articles report the opposite of."""

from __future__ import annotations

from rag.answering.opposite import opposite

SOUTHCORP = [
    "Winemaker rejects Foster's offer",
    "Australian winemaker Southcorp has rejected a takeover offer from brewing giant Foster's Group.",
    "Southcorp's board said the offer did not reflect the value of the company.",
]


def test_a_why_question_whose_event_the_article_reports_the_opposite_of_is_a_false_premise() -> None:
    found = opposite("Why did Southcorp's board accept Foster's takeover offer?", [SOUTHCORP])
    assert found is not None and found.verb == "accept"
    assert found.sentence == SOUTHCORP[1]  # a sentence, not the title
    assert "opposite" in found.message() and "“accept”" in found.message()


def test_no_false_premise_when_the_event_is_reported_or_not_presupposed_or_about_others() -> None:
    accepted = [*SOUTHCORP, "Southcorp later accepted an improved bid from Foster's."]
    assert opposite("Why did Southcorp's board accept Foster's takeover offer?", [accepted]) is None
    # "Did …?" asks whether; it presupposes nothing (the yes/no line answers it)
    assert opposite("Did Southcorp's board accept Foster's takeover offer?", [SOUTHCORP]) is None
    # no verb with an opposite
    assert opposite("Why did Southcorp's board study Foster's takeover offer?", [SOUTHCORP]) is None
    # a passage that does not name the question's subjects says nothing of them
    assert opposite("Why did Pernod Ricard accept Foster's takeover offer?", [SOUTHCORP]) is None


APPLE = [
    "Apple wins bloggers' source case",
    "Apple has won its legal fight to make three bloggers reveal who told them about unreleased products.",
    '"If the court lets Apple get away with this, the public will lose a vital outlet," he said.',
]


def test_a_conditional_or_planned_outcome_neither_reports_the_event_nor_its_opposite() -> None:
    # "the public will lose" under "If …" reports no loss by Apple (BBC eval bt054)
    found = opposite("Why did Apple lose its court bid to make bloggers reveal their sources?", [APPLE])
    assert found is not None and found.sentence == APPLE[1]
    # a rejection that is only expected settles nothing either way
    planned = ["Patents bill", "The European Parliament would then reject the bill, he said."]
    assert opposite("Why did the European Parliament approve the software patents bill?", [planned]) is None
    # a settled outcome of the verb itself still lets the question through
    won_then_lost = [*APPLE, "Apple later lost its appeal to make the bloggers reveal their sources."]
    assert opposite("Why did Apple lose its court bid?", [won_then_lost]) is None
