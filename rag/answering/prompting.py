"""Build the prompt from the best sentences of the top passages, under a token budget.

The 1.5B model reads ~45 tokens/s on two CPU cores, so every prompt token is latency. Whole
chunks are not sent: each sentence of the retrieved passages is scored against the question
(embedding similarity + IDF-weighted word overlap + passage rank) and the best are kept until
the budget is spent. Sentences that are the same wire copy in two articles become one numbered
line that remembers both locations, so a statement citing it cites every outlet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

import prompts
from rag.core.days import show_date
from rag.core.settings import AnswerStyle
from rag.core.tokens import count as count_tokens
from rag.core.types import Chunk, Passage, Sentence
from rag.index.embeddings import Embedder
from rag.index.lexical import tokenize
from rag.index.retrieval import containment, shingles
from rag.reading.comments import asks_readers

_NEEDS_CONTEXT = ("it ", "he ", "she ", "they ", "this ", "that ", "these ", "those ", "the group ", "“", '"')


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One numbered sentence in the prompt and every place in the corpus it stands."""

    id: int
    text: str
    locations: tuple[tuple[Chunk, Sentence], ...]


@dataclass(frozen=True, slots=True)
class BuiltPrompt:
    system: str
    user: str
    lines: tuple[SourceLine, ...]

    def messages(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


@dataclass
class Candidate:
    """A sentence of the retrieved passages, every place it stands, and its score against the question."""

    text: str
    locations: list[tuple[Chunk, Sentence]]
    passage_rank: int
    order: tuple[int, int]  # (first passage rank, position in its document)
    score: float = 0.0
    shingles: set[tuple[str, ...]] = field(default_factory=set)


def _candidates(passages: Sequence[Passage]) -> list[Candidate]:
    cands: list[Candidate] = []
    by_loc: dict[tuple[str, int], Candidate] = {}
    for p in passages:
        for chunk in (p.chunk, *p.duplicates):
            for sent in chunk.sentences:
                key = (chunk.source, sent.start)
                if key in by_loc:
                    continue
                sh = shingles(sent.text)
                match = next(
                    (
                        c
                        for c in cands
                        if c.locations[0][0].source != chunk.source and containment(c.shingles, sh) >= 0.6
                    ),
                    None,
                )
                if match is not None:
                    match.locations.append((chunk, sent))
                    by_loc[key] = match
                    continue
                cand = Candidate(sent.text, [(chunk, sent)], p.rank, (p.rank, sent.start), shingles=sh)
                cands.append(cand)
                by_loc[key] = cand
    return cands


def _score(question: str, cands: list[Candidate], embedder: Embedder) -> None:
    q_tokens = set(tokenize(question))
    docs = [set(tokenize(c.text)) for c in cands]
    n = len(cands)
    idf = {t: math.log(1 + n / (1 + sum(t in d for d in docs))) for t in q_tokens}
    total = sum(idf.values()) or 1.0
    vecs = embedder.embed([question] + [c.text for c in cands])
    dense = vecs[1:] @ vecs[0] if len(cands) else np.zeros(0)
    for c, d, sim in zip(cands, docs, dense, strict=True):
        lexical = sum(idf[t] for t in q_tokens & d) / total
        c.score = 0.5 * float(sim) + 0.4 * lexical + 0.1 / c.passage_rank


def _render_sources(chosen: list[Candidate]) -> tuple[str, list[SourceLine]]:
    """Group the chosen sentences by article, in document order, and number them."""
    groups: dict[str, list[Candidate]] = {}
    for c in sorted(chosen, key=lambda c: c.order):
        groups.setdefault(c.locations[0][0].source, []).append(c)
    lines: list[SourceLine] = []
    out: list[str] = []
    for items in groups.values():
        head = items[0].locations[0][0]
        out.append(f'Article "{head.title}" ({show_date(head.date)}):')
        for c in sorted(items, key=lambda c: c.locations[0][1].start):
            n = len(lines) + 1
            also = {loc[0].title for loc in c.locations[1:]}
            suffix = f" (also in: {'; '.join(sorted(also))})" if also else ""
            out.append(f"[{n}] {c.text}{suffix}")
            lines.append(SourceLine(n, c.text, tuple(c.locations)))
    return "\n".join(out), lines


def scored_candidates(question: str, passages: Sequence[Passage], embedder: Embedder) -> list[Candidate]:
    """Every sentence of the passages (syndicated copies merged), scored against the question."""
    cands = _candidates(passages)
    if cands:
        _score(question, cands, embedder)
    return cands


def select_sentences(question: str, passages: Sequence[Passage], *, embedder: Embedder, budget: int) -> list[Candidate]:
    """The best-scoring sentences that fit in `budget` tokens (plus needed context sentences); for a
    question about what readers wrote (`comments.asks_readers`), only the readers' comments when the
    passages hold some: the article's own sentences do not answer it."""
    cands = scored_candidates(question, passages, embedder)
    if asks_readers(question) and any(c.locations[0][1].comment for c in cands):
        cands = [c for c in cands if c.locations[0][1].comment]
    if not cands:
        return []
    by_position = {(c.locations[0][0].source, c.locations[0][1].start): c for c in cands}
    chosen: list[Candidate] = []
    used = 0
    for c in sorted(cands, key=lambda c: -c.score):
        if c in chosen:
            continue
        cost = count_tokens(c.text) + 4
        if used + cost > budget:
            continue
        chosen.append(c)
        used += cost
        # A sentence that opens with a pronoun or a quotation needs the one before it.
        if c.text.lower().startswith(_NEEDS_CONTEXT):
            prev = _previous(c, by_position)
            if prev is not None and prev not in chosen and used + count_tokens(prev.text) + 4 <= budget:
                chosen.append(prev)
                used += count_tokens(prev.text) + 4
    return chosen


def _previous(c: Candidate, by_position: dict[tuple[str, int], Candidate]) -> Candidate | None:
    chunk, sent = c.locations[0]
    sents = chunk.sentences
    for i, s in enumerate(sents):
        if s.start == sent.start and i > 0:
            return by_position.get((chunk.source, sents[i - 1].start))
    return None


def build_prompt(
    question: str,
    passages: Sequence[Passage],
    *,
    embedder: Embedder,
    budget: int,
    max_statements: int,
    style: AnswerStyle = "written",
) -> BuiltPrompt:
    """Select sentences, number them and render the system and user messages."""
    chosen = select_sentences(question, passages, embedder=embedder, budget=budget)
    return _prompt(question, chosen, max_statements, style)


def naive_prompt(
    question: str, passages: Sequence[Passage], *, max_statements: int, top: int = 5, style: AnswerStyle = "written"
) -> BuiltPrompt:
    """The baseline the benchmark compares against: the top whole chunks, every sentence numbered."""
    chosen = [
        Candidate(s.text, [(p.chunk, s)], p.rank, (p.rank, s.start)) for p in passages[:top] for s in p.chunk.sentences
    ]
    return _prompt(question, chosen, max_statements, style)


def system_prompt(style: AnswerStyle, max_statements: int) -> str:
    """The fixed system message of an answer in this style (llama.cpp keeps its KV between questions)."""
    return prompts.render("system_quoted" if style == "quoted" else "system", max_statements=max_statements)


def _prompt(question: str, chosen: list[Candidate], max_statements: int, style: AnswerStyle) -> BuiltPrompt:
    sources, lines = _render_sources(chosen)
    return BuiltPrompt(
        system=system_prompt(style, max_statements),
        user=prompts.render("user", sources=sources, question=question),
        lines=tuple(lines),
    )
