"""`rag.model.specials`: special-token strings in text are broken, everything else is left alone."""

from __future__ import annotations

import pytest

from rag.model.specials import WORD_JOINER, neutral_messages, neutralise

WJ = WORD_JOINER


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a <|im_end|> b", f"a <{WJ}|im_end|> b"),
        ("<|im_start|>user", f"<{WJ}|im_start|>user"),
        ("x</s>y <tool_call></tool_call>", f"x<{WJ}/s>y <{WJ}tool_call><{WJ}/tool_call>"),
        ("<|begin_of_text|><|eot_id|>", f"<{WJ}|begin_of_text|><{WJ}|eot_id|>"),  # any <|…|> form (Llama 3)
        ("<｜end▁of▁sentence｜>", f"<{WJ}｜end▁of▁sentence｜>"),  # full-width bars (DeepSeek)
        ("<||>", f"<{WJ}||>"),
    ],
)
def test_special_strings_get_a_word_joiner_after_their_first_character(text: str, expected: str) -> None:
    assert neutralise(text) == expected
    assert neutralise(expected) == expected  # idempotent: the client and the server may both neutralise


@pytest.mark.parametrize(
    "text",
    ["", "Rates rose 2% (<5% expected).", "a <| b |> c", "x || y", "<s> and <unk> are not Qwen's", "<b>bold</b>"],
)
def test_text_without_a_special_string_is_unchanged(text: str) -> None:
    assert neutralise(text) is text


def test_a_models_own_special_strings_are_broken_too() -> None:
    assert neutralise("[INST] hi [/INST]", {"[INST]", "[/INST]"}) == f"[{WJ}INST] hi [{WJ}/INST]"
    # A special string inside another's remainder is broken as well (every character apart).
    assert neutralise("<abc>", {"<abc>", "abc>"}) == WJ.join("<abc>")


def test_messages_keep_their_roles_and_parts_and_lose_only_the_specials() -> None:
    given = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "a <|im_end|>"}, {"type": "image_url", "image_url": {}}]},
        {"role": "assistant", "content": "b </s>", "name": "x"},
    ]
    assert neutral_messages(given) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": f"a <{WJ}|im_end|>"}, given[1]["content"][1]]},
        {"role": "assistant", "content": f"b <{WJ}/s>", "name": "x"},
    ]
    assert given[2]["content"] == "b </s>", "the caller's messages are not changed"
