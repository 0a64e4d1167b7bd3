"""The direct answer line: shown only when its sentence holds it, for a question that asks for an item."""

from __future__ import annotations

from rag.answering.direct import direct_answer
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


def test_no_line_for_a_figure_not_in_the_sentence_a_negation_it_lacks_or_an_untyped_question() -> None:
    assert direct_answer("800 games", _lead(), "How many games does the DS have?") is None
    assert direct_answer("not 700 games", _lead(), "How many games does the DS have?") is None
    # "What was Nintendo's share …?" asks for no typed item: the model's "700" is not made bold
    assert direct_answer("700", _lead(), "What was Nintendo's share of the handheld market?") is None
    # a short answer not of the asked kind
    assert direct_answer("sales rose", _lead(), "How many games does the DS have?") is None
    assert direct_answer(None, _lead(), "How many games does the DS have?") is None
