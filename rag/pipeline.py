"""The question-answering pipeline: retrieve, build the prompt, generate, resolve citations.

`Pipeline.stream()` yields progress and each statement as soon as the model completes it;
`Pipeline.ask()` returns the final `Answer`. Components are passed in (or built from
`Settings`), so tests run the whole pipeline with a fake embedder and a scripted generator.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import prompts
from rag.citations import (
    RawStatement,
    SourceTexts,
    StatementStream,
    answer_text,
    output_schema,
    parse_output,
    resolve,
)
from rag.embeddings import Embedder, SentenceTransformerEmbedder
from rag.errors import IndexMissingError, InvalidQuestionError
from rag.generation import Generator, LlamaCppGenerator
from rag.indexer import IndexReport, Progress, index_paths
from rag.prompting import SourceLine, build_prompt
from rag.retrieval import Retriever
from rag.settings import Settings
from rag.store import ChromaStore, DocEntry, Manifest, index_lock
from rag.types import Answer, Statement
from rag.verify import Thresholds, Verifier, addresses_question, contexts, lexical_support

log = logging.getLogger(__name__)

ABSTAIN_TEXT = "The indexed articles do not answer this question."
REWRITE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"question": {"type": "string"}},
    "required": ["question"],
}
_FOLLOW_UP = re.compile(
    r"^(and|but|also|so|what about|how about|then|why|which of)\b|\b(they|them|their|it|its|he|she|his|her|"
    r"those|these|that|this|there|the same|the other)\b",
    re.IGNORECASE,
)


_ABOUT_NOW = re.compile(r"\b(now|currently|current|today|still|at present|latest|these days|remain|remaining)\b", re.I)


def is_follow_up(question: str) -> bool:
    """A question that leans on the conversation: short, or opening/referring back with a pronoun."""
    return len(question.split()) <= 4 or _FOLLOW_UP.search(question) is not None


def strip_markers(text: str) -> str:
    return re.sub(r"\s*\[\d+\]", "", text)


@dataclass(frozen=True, slots=True)
class Stage:
    """Progress event: a stage of the pipeline has started."""

    name: str  # "retrieving", "generating"


@dataclass(frozen=True, slots=True)
class StatementReady:
    """A statement, resolved to its citations, as soon as the model finished it."""

    statement: Statement


@dataclass(frozen=True, slots=True)
class Done:
    answer: Answer


Event = Stage | StatementReady | Done


def validate_question(question: object, *, max_chars: int) -> str:
    """The question, stripped; raises InvalidQuestionError with the fix."""
    if not isinstance(question, str):
        raise InvalidQuestionError(f"The question must be text, not {type(question).__name__}.")
    q = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
    if not q:
        raise InvalidQuestionError("The question is empty: type a question about the articles.")
    if len(q) > max_chars:
        raise InvalidQuestionError(
            f"The question is {len(q)} characters long; the limit is {max_chars} (RAG_MAX_QUESTION_CHARS). "
            "Ask a shorter question."
        )
    return q


class Pipeline:
    """Everything needed to answer questions over one index."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        generator: Generator | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.embedder: Embedder = embedder or SentenceTransformerEmbedder(self.settings.embed_model)
        self._generators: dict[str, Generator] = {}
        if generator is not None:
            self._generators[self.settings.llm_model] = generator
        self._store: ChromaStore | None = None
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()

    # --- components -------------------------------------------------------------------------
    def generator(self, model: str | None = None) -> Generator:
        """The generator for 'default', 'fast' or a GGUF path (built once, then shared)."""
        choice = model or self.settings.llm_model
        with self._lock:
            if choice not in self._generators:
                from rag.doctor import ensure_runs
                from rag.models import resolve_model

                path = resolve_model(choice, self.settings.model_cache_dir)
                ensure_runs(
                    path,
                    setting=self.settings.llama_extra_buffers,
                    n_threads=self.settings.n_threads,
                    cache_dir=self.settings.model_cache_dir,
                )
                self._generators[choice] = LlamaCppGenerator(
                    path,
                    n_ctx=self.settings.n_ctx,
                    n_threads=self.settings.n_threads,
                    n_gpu_layers=self.settings.n_gpu_layers,
                    seed=self.settings.seed,
                    extra_buffers=self.settings.llama_extra_buffers,
                )
            return self._generators[choice]

    def _open(self) -> tuple[Retriever, Manifest]:
        index_dir = self.settings.index_path
        manifest = Manifest.load(index_dir)
        with self._lock:
            if self._store is None:
                self._store = ChromaStore(index_dir / "chroma", create=False)
                self._retriever = Retriever(self._store, self.embedder)
            retriever = self._retriever
        assert retriever is not None
        retriever.refresh(manifest.version)
        return retriever, manifest

    # --- indexing ---------------------------------------------------------------------------
    def index(
        self, paths: Sequence[Path] | None = None, *, rebuild: bool = False, progress: Progress | None = None
    ) -> IndexReport:
        """Index article files (default: the corpus folder) incrementally."""
        if rebuild:
            with self._lock:
                self._store = None
                self._retriever = None
        return index_paths(
            list(paths) if paths else [self.settings.corpus_path],
            settings=self.settings,
            embedder=self.embedder,
            rebuild=rebuild,
            progress=progress,
        )

    def has_index(self) -> bool:
        return (self.settings.index_path / "manifest.json").exists()

    def ensure_index(self, progress: Progress | None = None) -> IndexReport | None:
        """Build the index from the corpus folder if none exists yet; returns the report if built."""
        if self.has_index():
            return None
        log.warning("No index yet: indexing %s first", self.settings.corpus_path)
        return self.index(progress=progress)

    def documents(self) -> dict[str, DocEntry]:
        """The indexed articles by source path."""
        return Manifest.load(self.settings.index_path).documents

    # --- answering --------------------------------------------------------------------------
    def ask(self, question: str, **kwargs: Any) -> Answer:
        """Answer a question; see `stream` for the arguments."""
        for event in self.stream(question, **kwargs):
            if isinstance(event, Done):
                return event.answer
        raise AssertionError("stream ended without an answer")  # pragma: no cover

    def stream(
        self,
        question: str,
        *,
        sources: Sequence[str] | None = None,
        model: str | None = None,
        top: int | None = None,
        history: Sequence[tuple[str, str]] = (),
    ) -> Iterator[Event]:
        """Answer `question`, yielding progress, each statement as it completes, then `Done`.

        Args:
            question: the user's question (validated here).
            sources: restrict retrieval to these indexed source paths.
            model: 'default', 'fast' or a GGUF path; default from settings.
            top: number of passages to draw sentences from.
            history: earlier (question, answer) turns; a follow-up question is rewritten into a
                standalone one with them before retrieval.

        Raises:
            InvalidQuestionError, IndexMissingError, IndexCorruptError, IndexBusyError, ModelError.
        """
        s = self.settings
        original = validate_question(question, max_chars=s.max_question_chars)
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        q = original
        if history and is_follow_up(original):
            yield Stage("rewriting")
            q = self.rewrite(original, history, model=model)
            timings["rewrite_s"] = time.perf_counter() - t0
        standalone = q if q != original else None
        yield Stage("retrieving")
        with index_lock(s.index_path, exclusive=False, timeout=s.lock_timeout_s):
            if not self.has_index():
                raise IndexMissingError("No index yet: run `rag index` (or `rag ask`, which builds it).")
            retriever, manifest = self._open()
            found = retriever.retrieve(
                q,
                top=top or s.top_passages,
                dense_k=s.dense_k,
                lexical_k=s.lexical_k,
                rrf_k=s.rrf_k,
                duplicate_threshold=s.duplicate_threshold,
                sources=list(sources) if sources else None,
            )
        timings["retrieve_s"] = time.perf_counter() - t0
        gen = self.generator(model)
        if not found.passages or (found.best_dense < s.min_relevance and found.lexical_hits == 0):
            timings["total_s"] = time.perf_counter() - t0
            yield Done(
                self._abstain(
                    original, standalone, found.passages, gen.name, timings, "retrieval found nothing relevant"
                )
            )
            return

        t1 = time.perf_counter()
        prompt = build_prompt(
            q, found.passages, embedder=self.embedder, budget=s.prompt_budget_tokens, max_statements=s.max_statements
        )
        timings["prompt_s"] = time.perf_counter() - t1
        texts = SourceTexts(
            s.root, {k: v.content_hash for k, v in manifest.documents.items()}, max_bytes=s.max_file_bytes
        )
        yield Stage("generating")
        t2 = time.perf_counter()
        check = _Checker(self, gen, q, texts, prompt.lines)
        parser = StatementStream()
        shown: list[Statement] = []
        held: list[Statement] = []
        for piece in gen.stream(
            prompt.messages(), schema=output_schema(s.max_statements), max_tokens=s.max_answer_tokens
        ):
            for raw in parser.feed(piece):
                for st in resolve([raw], prompt.lines, texts).statements:
                    v, relevant = check(st)
                    if v.verified is False and s.verify_mode == "remove":
                        continue
                    # Show nothing until some statement addresses the question; then show in order.
                    held.append(v)
                    if relevant or shown:
                        for h in held:
                            if all(h.text.casefold() != x.text.casefold() for x in shown):
                                shown.append(h)
                                timings.setdefault("first_statement_s", time.perf_counter() - t0)
                                yield StatementReady(h)
                        held.clear()
        timings["generate_s"] = time.perf_counter() - t2 - check.seconds
        timings["verify_s"] = check.seconds
        usage = gen.last_usage
        timings["first_token_s"] = (t2 - t0) + usage.first_token_s
        # Parse the whole reply once more: the authoritative result, in order.
        final = resolve(parse_output(parser.text), prompt.lines, texts)
        kept: list[Statement] = []
        rejected: list[Statement] = []
        relevant_any = False
        for st in final.statements:
            v, relevant = check(st)
            if v.verified is False and s.verify_mode == "remove":
                rejected.append(v)
                continue
            kept.append(v)
            relevant_any = relevant_any or relevant
        timings["total_s"] = time.perf_counter() - t0
        notes = final.dropped
        if not kept or not relevant_any:
            why = (
                "no statement the sources support"
                if not kept
                else "the supported statements do not address the question"
            )
            unanswered = [replace(k, reason=k.reason or "does not address the question") for k in kept]
            yield Done(
                self._abstain(
                    original,
                    standalone,
                    found.passages,
                    gen.name,
                    timings,
                    why,
                    usage.prompt_tokens,
                    notes,
                    (*rejected, *unanswered),
                )
            )
            return
        text, _ = answer_text(kept)
        as_of = None
        if _ABOUT_NOW.search(q):
            # News goes stale: say from when the answer speaks.
            dates = sorted({c.date for st in kept for c in st.citations if c.date})
            as_of = dates[-1] if dates else "undated"
            text = f"As of {as_of}: {text}" if dates else f"As of the cited (undated) articles: {text}"
        yield Done(
            Answer(
                question=original,
                standalone_question=standalone,
                text=text,
                statements=tuple(kept),
                abstained=False,
                passages=found.passages,
                model=gen.name,
                timings=timings,
                prompt_tokens=usage.prompt_tokens,
                rejected_statements=tuple(rejected),
                as_of=as_of,
                notes=notes,
            )
        )

    def rewrite(self, question: str, history: Sequence[tuple[str, str]], *, model: str | None = None) -> str:
        """A follow-up question made standalone with the conversation (the last three turns)."""
        lines = []
        for q, a in list(history)[-3:]:
            lines.append(f"User: {q}")
            lines.append(f"Assistant: {strip_markers(a)[:600]}")
        gen = self.generator(model)
        raw = gen.generate(
            [{"role": "user", "content": prompts.render("rewrite", history="\n".join(lines), question=question)}],
            schema=REWRITE_SCHEMA,
            max_tokens=80,
        )
        try:
            out = json.loads(raw).get("question", "")
        except (ValueError, AttributeError):
            out = ""
        out = " ".join(str(out).split())
        return out if 3 <= len(out) <= self.settings.max_question_chars else question

    def _abstain(
        self,
        question: str,
        standalone: str | None,
        passages: Sequence[Any],
        model: str,
        timings: dict[str, float],
        why: str,
        prompt_tokens: int = 0,
        notes: Sequence[str] = (),
        rejected: Sequence[Statement] = (),
    ) -> Answer:
        return Answer(
            question=question,
            standalone_question=standalone,
            text=ABSTAIN_TEXT,
            statements=(),
            abstained=True,
            passages=tuple(passages),
            model=model,
            timings=timings,
            prompt_tokens=prompt_tokens,
            rejected_statements=tuple(rejected),
            notes=(why, *notes),
        )


class _Checker:
    """Verifies each statement once (by text) and tells whether it addresses the question."""

    def __init__(
        self, pipe: Pipeline, gen: Generator, question: str, texts: SourceTexts, lines: Sequence[SourceLine]
    ) -> None:
        s = pipe.settings
        judge = gen if (s.use_judge and hasattr(gen, "entailment")) else None
        thresholds = None
        if s.support_low is not None and s.support_high is not None:
            thresholds = Thresholds(low=s.support_low, high=s.support_high)
        self.verifier = Verifier(pipe.embedder, judge=judge, thresholds=thresholds)  # type: ignore[arg-type]
        self.pipe = pipe
        self.question = question
        self.texts = texts
        self.lines = lines
        self.seconds = 0.0
        self._done: dict[str, tuple[Statement, bool]] = {}

    def __call__(self, st: Statement) -> tuple[Statement, bool]:
        key = st.text.casefold()
        if key not in self._done:
            t = time.perf_counter()
            s = self.pipe.settings
            v = st if s.verify_mode == "off" else self._verify(st)
            if v.verified is False:
                v = self._repair(v)
            context = self._context(v)
            evidence = " ".join([*(c.title for c in v.citations), *context, *(c.quote for c in v.citations)])
            rel = addresses_question(self.question, v.text, evidence, self.pipe.embedder) >= s.relevance_threshold
            self._done[key] = (v, rel)
            self.seconds += time.perf_counter() - t
        return self._done[key]

    def _context(self, st: Statement) -> list[str]:
        return contexts(st.citations, self.texts.get, self.pipe.settings.context_chars)

    def _verify(self, st: Statement) -> Statement:
        return self.verifier.verify(st, context=self._context(st))

    def _repair(self, st: Statement) -> Statement:
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
