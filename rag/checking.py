"""Checking the statements of one answer: verify, re-cite, and judge relevance, once per statement.

The streamed statements and the final parse of the whole reply meet the same statements twice,
so results are kept by text. A statement whose model-chosen ids fail verification is re-cited
from the prompt's other sentences when one of them supports it (`repair`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rag.citations import RawStatement, SourceTexts, resolve
from rag.prompting import SourceLine
from rag.types import Statement
from rag.verify import Verifier, addresses_question, contexts, lexical_support


@dataclass(frozen=True, slots=True)
class Checked:
    """A statement after checking, and whether it addresses the question."""

    statement: Statement
    relevant: bool


class StatementChecker:
    """Verifies each statement of one answer once (by text) and tells whether it is relevant."""

    def __init__(
        self,
        verifier: Verifier,
        *,
        question: str,
        texts: SourceTexts,
        lines: Sequence[SourceLine],
        verify: bool = True,
        relevance_threshold: float,
        context_chars: int,
    ) -> None:
        self.verifier = verifier
        self.question = question
        self.texts = texts
        self.lines = lines
        self.verify_on = verify
        self.relevance_threshold = relevance_threshold
        self.context_chars = context_chars
        self.seconds = 0.0  # time spent checking, for the answer's timings
        self._done: dict[str, Checked] = {}

    def __call__(self, st: Statement) -> Checked:
        key = st.text.casefold()
        if key not in self._done:
            t = time.perf_counter()
            v = self._verify(st) if self.verify_on else st
            if v.verified is False:
                v = self.repair(v)
            evidence = " ".join([*(c.title for c in v.citations), *self._context(v), *(c.quote for c in v.citations)])
            score = addresses_question(self.question, v.text, evidence, self.verifier.embedder)
            self._done[key] = Checked(v, score >= self.relevance_threshold)
            self.seconds += time.perf_counter() - t
        return self._done[key]

    def _context(self, st: Statement) -> list[str]:
        return contexts(st.citations, self.texts.get, self.context_chars)

    def _verify(self, st: Statement) -> Statement:
        return self.verifier.verify(st, context=self._context(st))

    def repair(self, st: Statement) -> Statement:
        """A small model often writes a right statement but cites a neighbouring sentence id.

        The model's ids are a hint; citations are resolved in code. So when the cited sentences
        fail verification, the prompt's sentences that share most words with the statement are
        tried instead: the best alone, the best with the model's own choice (a statement may
        draw on two sentences), then the next best; the first that passes verification is cited.
        """
        cited = {(c.source, c.start) for c in st.citations}
        own = [line.id for line in self.lines if any((ch.source, se.start) in cited for ch, se in line.locations)]
        ranked = [line.id for line in sorted(self.lines, key=lambda line: -lexical_support(st.text, line.text))[:3]]
        tries: list[list[int]] = []
        for i, best in enumerate(ranked):
            tries += [[best], [best, *own]] if i == 0 else [[best], [ranked[0], best]]
        for ids in tries:
            for cand in resolve([RawStatement(sources=ids, text=st.text)], self.lines, self.texts).statements:
                v = self._verify(cand)
                if v.verified:
                    return v
        return st


RELATED_LIMIT = 2  # sentences shown as "related" beside an abstention


def quote_of(line: SourceLine, texts: SourceTexts) -> Statement | None:
    """A prompt sentence as a statement in its own words, cited at its exact offsets.

    Supported by construction (the statement is the cited text); None when the file changed.
    """
    found = resolve([RawStatement(sources=[line.id], text=line.text)], [line], texts).statements
    return replace(found[0], verified=True, support=1.0) if found else None


def quoted(question: str, lines: Sequence[SourceLine], texts: SourceTexts, *, limit: int) -> list[Statement]:
    """The prompt sentences that share most words with the question, quoted, best first."""
    ranked = sorted(lines, key=lambda line: -lexical_support(question, line.text))
    out: list[Statement] = []
    for line in ranked:
        if len(out) == limit or lexical_support(question, line.text) == 0:
            break
        st = quote_of(line, texts)
        if st is not None:
            out.append(st)
    return out
