"""The direct answer line: shown only when its sentence holds it, for a question that asks for an item."""

from __future__ import annotations

from rag.answering.direct import direct_answer, yes_no_answer
from rag.core.types import Citation, Statement

QUOTE = "Nintendo's DS has a catalogue of 700 games, and Ms Tan said sales rose 30% on 9 November."


def _lead(quote: str = QUOTE) -> list[Statement]:
    c = Citation("a.txt", 100, 100 + len(quote), quote, "Handhelds", None, None, True, 1.0)
    return [Statement(quote, (c,), True, 1.0)]


def test_a_short_answer_its_sentence_holds_is_the_line_with_the_words_that_carry_it() -> None:
    d = direct_answer("700 games", _lead(), "How many games does the DS have?")
    assert d is not None and d.text == "700 games"
    assert QUOTE[d.start - 100 : d.end - 100] == "700 games"
    assert direct_answer("Ms Tan", _lead(), "Who said sales rose?") is not None
    assert direct_answer("9 November", _lead(), "When did sales rise?") is not None


def test_the_line_is_the_quotes_own_words_with_a_figures_currency_and_qualifier() -> None:
    def line(short: str, quote: str, question: str = "How much did it raise?") -> tuple[str, str] | None:
        d = direct_answer(short, _lead(quote), question)
        return None if d is None else (d.text, quote[d.start - 100 : d.end - 100])

    assert line("1bn", "Air China plans to raise $1bn (£514m) from the flotation.") == ("$1bn", "$1bn")
    sold = "Latest figures suggest it has sold more than 677,000 copies."
    assert line("677,000", sold, "How many copies were sold?") == ("more than 677,000", "more than 677,000")
    jail = "He could face up to 85 years in jail."
    assert line("85 years", jail, "How long could he be jailed?") == ("up to 85 years", "up to 85 years")
    # the model's order of a name is the quote's; its "about" is the quote's "almost"
    tan = "Ms Mohd-Saaid is to be replaced by Lillian Tan, presently a director."
    assert line("Tan, Lillian", tan, "Who replaced Ms Mohd-Saaid?") == ("Lillian Tan", "Lillian Tan")
    assert line("about 50", "There were almost 50 dead.", "How many died?") == ("almost 50", "almost 50")
    # words the quote holds apart stay the model's; the highlight is the run that holds them
    held_apart = ("700 sales", "700 games, and Ms Tan said sales")
    assert line("700 sales", QUOTE, "How many games does the DS have?") == held_apart


def test_no_line_for_a_figure_not_in_the_sentence_a_negation_it_lacks_or_an_untyped_question() -> None:
    assert direct_answer("800 games", _lead(), "How many games does the DS have?") is None
    assert direct_answer("not 700 games", _lead(), "How many games does the DS have?") is None
    # "What was Nintendo's share …?" asks for no typed item: the model's "700" is not made bold
    assert direct_answer("700", _lead(), "What was Nintendo's share of the handheld market?") is None
    # a short answer not of the asked kind
    assert direct_answer("sales rose", _lead(), "How many games does the DS have?") is None
    assert direct_answer(None, _lead(), "How many games does the DS have?") is None
    # the question's own name answers nothing (BBC eval: "Amit Yoran" for "Who replaced Amit Yoran?")
    assert direct_answer("Ms Tan", _lead(), "Who replaced Ms Tan at Nintendo?") is None
    # unless the question offers it as a choice
    assert direct_answer("Ms Tan", _lead(), "Who said sales rose, Ms Tan or Mr Lee?") is not None
    # a share is no count: "30%" is not bold for "How many …" (BBC eval bp028: "31%" for votes)
    assert direct_answer("30%", _lead(), "How many games were sold on 9 November?") is None


def _yes_no(quote: str, question: str, short: str | None = None) -> str | None:
    d = yes_no_answer(short, _lead(quote), question)
    return None if d is None else d.text


def test_yes_when_the_lead_states_the_question_and_no_when_it_negates_it() -> None:
    q = "Did Yukos file for bankruptcy in Houston?"
    assert _yes_no("Yukos filed for bankruptcy in Houston on Tuesday.", q) == "Yes"
    d = yes_no_answer(None, _lead("Yukos filed for bankruptcy in Houston on Tuesday."), q)
    assert d is not None and "Yukos filed for bankruptcy in Houston on Tuesday."[d.start - 100 : d.end - 100] == (
        "Yukos filed for bankruptcy in Houston"
    )
    assert _yes_no("Yukos did not file for bankruptcy in Houston.", q) == "No"
    # a negation just before the run of the question's words, the subject named after it
    assert _yes_no("He was not told, Blair said.", "Was Mr Blair told?") == "No"
    # a negation in another clause does not turn a "yes" into a "no"
    assert _yes_no("Yukos filed for bankruptcy in Houston, and said it would not pay.", q) == "Yes"
    assert _yes_no("Mr Blair was not told.", "Was Blair not told?") == "Yes"


def test_no_yes_no_line_when_the_lead_does_not_settle_it() -> None:
    q = "Did Yukos file for bankruptcy in Houston?"
    assert _yes_no("Yukos filed for bankruptcy in the US.", q) is None  # Houston is not in it
    assert _yes_no("Yukos may file for bankruptcy in Houston.", q) is None  # a hedge is not a fact
    assert _yes_no("Yukos denied it would file for bankruptcy in Houston.", q) is None
    assert _yes_no("Yukos will file for bankruptcy in Houston.", "Will Yukos file for bankruptcy in Houston?") is None
    # the model read it the other way: the evidence alone
    assert _yes_no("Yukos filed for bankruptcy in Houston.", q, short="No") is None
    assert _yes_no("Yukos filed for bankruptcy in Houston.", q, short="Yes, in Houston") == "Yes"


def test_a_later_statement_may_settle_a_yes_no_question_and_the_line_cites_it() -> None:
    lead = _lead("The largest hospital in the east of the city was hit by barrel bombs on Saturday.")
    hit = "Two barrel bombs hit the M10 hospital, said Adham Sahloul."
    c = Citation("a.txt", 300, 300 + len(hit), hit, "Hospital", None, None, True, 1.0)
    d = yes_no_answer(None, [*lead, Statement(hit, (c,), True, 1.0)], "Was the M10 hospital hit by barrel bombs?")
    assert d is not None and d.text == "Yes" and d.citation == c
