from __future__ import annotations

import pytest

from rag.retrieval import collapse_duplicates, containment, rrf, shingles
from rag.types import Chunk, Passage, Sentence


def test_rrf_known_answer() -> None:
    # a: 1/(60+1) + 1/(60+2) = 0.032522..., b: 1/62 + 1/61 (same), c: 1/63 only.
    fused = rrf([["a", "b", "c"], ["b", "a"]], k=60)
    assert [x for x, _ in fused] == ["a", "b", "c"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[2][1] == pytest.approx(1 / 63)


def test_rrf_rewards_agreement_over_one_top_rank() -> None:
    fused = dict(rrf([["x", "y"], ["z", "y"]], k=1))
    # y: 1/3 + 1/3 = 0.667 beats x: 1/2 and z: 1/2
    assert max(fused, key=fused.get) == "y"


def _chunk(cid: str, source: str, text: str) -> Chunk:
    return Chunk(cid, cid.split(":")[0], source, 0, text, 0, len(text), (Sentence(0, len(text), text),))


def test_wire_copy_in_two_articles_collapses_and_keeps_both_sources() -> None:
    a = _chunk(
        "d1:0",
        "a.txt",
        "Russian Foreign Ministry spokeswoman Maria Zakharova warned the US against taking any direct action against Damascus or the Syrian army.",
    )
    b = _chunk(
        "d2:0",
        "b.txt",
        "And Russian Foreign Ministry spokeswoman Maria Zakharova warned the U.S. against taking any direct action against Damascus or the Syrian army.",
    )
    c = _chunk("d3:0", "c.txt", "The offensive has seen dozens of civilians killed in the east.")
    out = collapse_duplicates([Passage(a, 0.3, 1), Passage(c, 0.2, 2), Passage(b, 0.1, 3)], threshold=0.6)
    assert [p.chunk.id for p in out] == ["d1:0", "d3:0"]
    assert out[0].sources == ("a.txt", "b.txt")
    assert [p.rank for p in out] == [1, 2]


def test_containment_by_hand() -> None:
    a = shingles("one two three four")  # (1,2,3), (2,3,4)
    b = shingles("two three four five")  # (2,3,4), (3,4,5)
    assert containment(a, b) == 0.5
    assert containment(a, set()) == 0.0
