"""Follow-up detection and rewriting, with the scripted generator."""

from __future__ import annotations

import json

import pytest
from fakes import ScriptedGenerator

from rag.answering.conversation import is_follow_up, rewrite, strip_markers


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("And how many of them were children?", True),
        ("What about Russia?", True),
        ("Who runs it?", True),  # short, and "it" refers back
        ("How many doctors remain in eastern Aleppo?", False),
        ("Which hospital in east Aleppo was hit by barrel bombs on Saturday?", False),
    ],
)
def test_follow_ups_are_recognised(question: str, expected: bool) -> None:
    assert is_follow_up(question) is expected


def test_markers_are_stripped() -> None:
    assert strip_markers("Only 30 doctors remain. [1][2] MSF said so. [3]") == "Only 30 doctors remain. MSF said so."


def test_rewrite_sends_the_last_three_turns_without_markers() -> None:
    gen = ScriptedGenerator(json.dumps({"question": "How many of the   wounded in Aleppo were children?"}))
    history = [(f"q{i}", f"answer {i} [1]") for i in range(5)]
    out = rewrite(gen, "And how many were children?", history, max_chars=200)
    assert out == "How many of the wounded in Aleppo were children?"
    prompt = gen.prompts[0][-1]["content"]
    assert "User: q1" not in prompt and "User: q2" in prompt and "User: q4" in prompt
    assert "Assistant: answer 4" in prompt and "[1]" not in prompt
    assert gen.schemas[0]["required"] == ["question"]


@pytest.mark.parametrize("reply", ["not json", json.dumps({"question": "x"}), json.dumps({"question": "y" * 300})])
def test_a_failed_rewrite_keeps_the_question(reply: str) -> None:
    gen = ScriptedGenerator(reply)
    assert rewrite(gen, "And the children?", [("q", "a")], max_chars=200) == "And the children?"
