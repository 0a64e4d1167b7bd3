"""The pipeline's steps that decide without the model: here, the premise check over whole articles."""

from __future__ import annotations

from rag.core.types import Chunk, Passage, Sentence
from rag.index.lexical import tokenize
from rag.index.retrieval import Retrieval
from rag.pipeline.steps import premise_of

PAION = "Paion is a German drug maker. Its shares rose 20% on their first day of trading. "
FILLER = "The weather in the region was mild for the season. " * 10
FRANKFURT = "The company listed its shares in Frankfurt in February."
ARTICLE = PAION + FILLER + FRANKFURT
OTHER = "Frankfurt's stock exchange had a quiet week."


class Texts:
    def __init__(self, by_source: dict[str, str]) -> None:
        self.by_source = by_source

    def get(self, source: str) -> str | None:
        return self.by_source.get(source)


def _passage(source: str, text: str, start: int, rank: int) -> Passage:
    chunk = Chunk(
        f"{source}:0", source, source, 0, text, start, start + len(text), (Sentence(start, start + len(text), text),)
    )
    return Passage(chunk, 1.0, rank)


def test_names_apart_in_the_passages_but_together_in_one_retrieved_article_hold() -> None:
    # Retrieval brought the Paion passage of the article and Frankfurt from another article only.
    found = Retrieval(
        (_passage("paion.txt", PAION, 0, 1), _passage("other.txt", OTHER, 0, 2)),
        0.9,
        2,
        frozenset(tokenize(ARTICLE + OTHER)),
    )
    question = "When did Paion list its shares in Frankfurt?"
    assert not premise_of(question, found, Texts({})).holds  # the passages alone: apart
    assert premise_of(question, found, Texts({"paion.txt": ARTICLE, "other.txt": OTHER})).holds
    # Two names no retrieved article holds together are still apart.
    alone = Texts({"paion.txt": PAION + FILLER, "other.txt": OTHER})
    check = premise_of(question, found, alone)
    assert set(check.apart) == {"Paion", "Frankfurt"}
