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


HOME_OFFICE = [
    "Murder sentences review",
    "Judges had called for change.",
    "But the Home Office said mandatory life sentences would not be abolished and argued courts already had flexibility.",
]


def test_a_sentence_naming_the_subject_that_negates_the_questions_own_word_is_a_false_premise() -> None:
    found = opposite("Why did the Home Office decide to abolish the mandatory life sentence for murder?", [HOME_OFFICE])
    assert found is not None and found.verb == "abolish" and found.sentence == HOME_OFFICE[2]
    boris = [
        "Johnson backs Livingstone",
        'Ken Livingstone should "stick to his guns" and not apologise, Tory MP Boris Johnson has insisted.',
    ]
    found = opposite("Why did Boris Johnson urge Ken Livingstone to apologise for his jibe?", [boris])
    assert found is not None and found.verb == "apologise"


def test_no_false_premise_from_a_negation_that_is_conditional_about_others_or_of_another_word() -> None:
    q = "Why did the Home Office decide to abolish the mandatory life sentence for murder?"
    maybe = [HOME_OFFICE[0], "The Home Office said life sentences may not be abolished."]
    assert opposite(q, [maybe]) is None  # a possibility settles nothing
    unnamed = [HOME_OFFICE[0], "Ministers said life sentences would not be abolished."]
    assert opposite(q, [unnamed]) is None  # the sentence does not name the Home Office
    other_word = [HOME_OFFICE[0], "The Home Office said it would not comment on the review."]
    assert opposite(q, [other_word]) is None  # "comment" is not the question's
    # a negated question presupposes no event that a negation contradicts
    assert opposite("Why did the Home Office not abolish the mandatory life sentence?", [HOME_OFFICE]) is None


def test_a_departure_reported_as_chosen_is_the_opposite_of_a_sacking_and_the_reverse() -> None:
    """BBC eval bw031: "Why did the Department of Homeland Security sack Amit Yoran?"; he quit."""
    left = [
        "Cyber security chief resigns",
        "Mr Yoran left his post abruptly, giving one day's notice to bosses at the Department of Homeland Security.",
    ]
    found = opposite("Why did the Department of Homeland Security sack Amit Yoran?", [left])
    assert found is not None and found.verb == "sack" and found.sentence == left[1]
    sacked = ["Chief sacked", "The Department of Homeland Security sacked Amit Yoran on Friday."]
    assert opposite("Why did Amit Yoran resign from the Department of Homeland Security?", [sacked]) is not None
    # both reported (he quit before he could be sacked): the event is in the text, not judged false
    assert opposite("Why did the Department of Homeland Security sack Amit Yoran?", [[*left, *sacked[1:]]]) is None
