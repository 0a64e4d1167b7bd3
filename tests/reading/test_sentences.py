"""Sentence ends in scripts without spaces and capitals outside ASCII, with offsets counted by hand."""

from __future__ import annotations

from rag.reading.sentences import split_sentences


def test_chinese_sentences_end_at_the_ideographic_marks() -> None:
    # 18 + 15 + 16 characters: 青石镇新图书馆于周六正式向公众开放。 | 图书馆共有三层，藏书约四万册！ | 开馆首日共有一千二百名读者到访？
    text = "青石镇新图书馆于周六正式向公众开放。图书馆共有三层，藏书约四万册！开馆首日共有一千二百名读者到访？"
    assert [(s.start, s.end) for s in split_sentences(text)] == [(0, 18), (18, 33), (33, 49)]


def test_japanese_sentences_keep_their_closing_bracket_and_full_width_marks() -> None:
    text = "市長は「開催します。」と述べた。「雨なら延期。」会場は港公園です｡"
    assert [s.text for s in split_sentences(text)] == [
        "市長は「開催します。」と述べた。",
        "「雨なら延期。」",
        "会場は港公園です｡",
    ]


def test_other_scripts_and_capitals_outside_ascii() -> None:
    assert [s.text for s in split_sentences("Der Rat tagte. Über 900 kamen. Сессия прошла. Она закрыта.")] == [
        "Der Rat tagte.",
        "Über 900 kamen.",
        "Сессия прошла.",
        "Она закрыта.",
    ]
    assert [s.text for s in split_sentences("هل انتهى؟ نعم انتهى.")] == ["هل انتهى؟", "نعم انتهى."]
    # A lower-case word after a period goes on: no sentence starts with one.
    assert len(split_sentences("It costs approx. five pounds, e.g. the fee.")) == 1
