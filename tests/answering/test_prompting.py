"""Sentence selection under the token budget, numbering, and the messages sent to the model."""

from __future__ import annotations

from fakes import FakeEmbedder

from rag.answering.prompting import build_prompt, naive_prompt, select_sentences
from rag.core.tokens import count
from rag.core.types import Chunk, Passage, Sentence

S = [
    "Only 30 doctors remained in eastern Aleppo.",
    "They treat hundreds of wounded every day.",
    "A convoy was hit near the city.",
]


def _passages() -> list[Passage]:
    sents, pos = [], 0
    for s in S:
        sents.append(Sentence(pos, pos + len(s), s))
        pos += len(s) + 1
    chunk = Chunk(
        "d:0", "d", "seeds/a.txt", 0, " ".join(S), 0, pos - 1, tuple(sents), title="Doctors", date="2016-10-01"
    )
    return [Passage(chunk, 1.0, 1)]


def test_budget_bounds_the_selected_sentences() -> None:
    cost = [count(s) + 4 for s in S]
    # Room for the best sentence only: the one about doctors.
    chosen = select_sentences("How many doctors remained?", _passages(), embedder=FakeEmbedder(), budget=cost[0])
    assert [c.text for c in chosen] == [S[0]]
    # A sentence opening with "They" brings the sentence before it when the budget allows.
    chosen = select_sentences(
        "who treat wounded every day", _passages(), embedder=FakeEmbedder(), budget=cost[0] + cost[1]
    )
    assert {c.text for c in chosen} == {S[0], S[1]}
    assert select_sentences("anything", [], embedder=FakeEmbedder(), budget=1000) == []


def test_prompt_numbers_lines_by_article_in_document_order() -> None:
    p = build_prompt("How many doctors?", _passages(), embedder=FakeEmbedder(), budget=1000, max_statements=3)
    assert [line.text for line in p.lines] == S and [line.id for line in p.lines] == [1, 2, 3]
    assert 'Article "Doctors" (2016-10-01):\n[1] Only 30 doctors remained in eastern Aleppo.' in p.user
    assert "How many doctors?" in p.user
    assert [m["role"] for m in p.messages()] == ["system", "user"]
    assert p.lines[0].locations[0][1].start == 0


def test_naive_prompt_takes_every_sentence_of_the_top_chunks() -> None:
    p = naive_prompt("q", _passages(), max_statements=3)
    assert [line.text for line in p.lines] == S
