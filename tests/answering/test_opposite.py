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
