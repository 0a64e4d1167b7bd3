"""The question-answering pipeline: retrieve, build the prompt, generate, resolve citations.

`Pipeline.stream()` yields progress and each statement as soon as the model completes it;
`Pipeline.ask()` returns the final `Answer`. Components come from `Components` (built from
`Settings`, or fakes passed in), so tests run the whole pipeline with a fake embedder and a
scripted generator. The steps after retrieval (prompt, generation and checking) are `rag.pipeline.steps`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

from rag.answering.assemble import abstain, date_scope, with_scope
from rag.answering.conversation import is_follow_up, rewrite
from rag.answering.forms import BROAD, form_of
from rag.answering.prompting import BuiltPrompt
from rag.answering.verify import Judge, Verifier
from rag.core.settings import Settings
from rag.core.types import Answer, Citation
from rag.index.embeddings import Embedder
from rag.index.indexer import IndexReport, Progress, index_paths
from rag.index.retrieval import Retrieval
from rag.index.store import DocEntry, Manifest, ManifestStore
from rag.model.generation import Generator
from rag.pipeline.components import Components
from rag.pipeline.events import Done, Event, Stage
from rag.pipeline.steps import (
    Question,
    compose_broad,
    generate,
    make_prompt,
    premise_refusal,
    relevant,
    search,
    source_of,
    source_texts,
)
from rag.pipeline.validation import validate_days, validate_question, validate_sources, validate_top

log = logging.getLogger(__name__)


class Pipeline:
    """Everything needed to answer questions over one index."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        generator: Generator | None = None,
        judge: Judge | None = None,
    ) -> None:
        """Components default to the real ones built from `settings`; tests pass fakes.

        Args:
            settings: every tunable; default `Settings()` (environment `RAG_*`).
            embedder: the sentence embedder (default: the bundled MiniLM).
            generator: the model for `settings.llm_model` (default: llama.cpp, loaded on first use).
            judge: the verifier's entailment judge for that model; a llama.cpp generator built here
                is its own judge. Used only when `settings.use_judge`.
        """
        self.settings = settings or Settings()
        self.components = Components(self.settings, embedder=embedder, generator=generator, judge=judge)
        self.embedder = self.components.embedder
        self.index_embedder = self.components.index_embedder

    # --- components (built by `Components`) --------------------------------------------------
    def generator(self, model: str | None = None) -> Generator:
        """The generator for 'default', 'fast' or a GGUF path (built once, then shared)."""
        return self.components.generator(model)

    def judge(self, model: str | None = None) -> Judge | None:
        """The entailment judge for a model, or None when judging is off (`RAG_USE_JUDGE`)."""
        return self.components.judge(model)

    def verifier(self, model: str | None = None) -> Verifier:
        """The verifier with this model's judge and the configured (or calibrated) thresholds."""
        return self.components.verifier(model)

    def manifests(self) -> ManifestStore:
        """Where this index's manifest lives (a file, or the Chroma server's manifest collection)."""
        return self.components.manifests()

    # --- indexing ---------------------------------------------------------------------------
    def index(
        self, paths: Sequence[Path] | None = None, *, rebuild: bool = False, progress: Progress | None = None
    ) -> IndexReport:
        """Index article files (default: the corpus folder) incrementally."""
        if rebuild:
            self.components.forget_index()
        return index_paths(
            list(paths) if paths else [self.settings.corpus_path],
            settings=self.settings,
            embedder=self.index_embedder,
            rebuild=rebuild,
            progress=progress,
            done=self.components.indexed,
        )

    def has_index(self) -> bool:
        """Whether an index (its manifest) exists."""
        return self.manifests().exists()

    def warm_up(self, model: str | None = None) -> None:
        """Load what a first question would otherwise wait for (the chat and `rag serve` call it;
        `Components.warm_up`)."""
        self.components.warm_up(model)

    def ensure_index(self, progress: Progress | None = None) -> IndexReport | None:
        """Build the index from the corpus folder if none exists yet; returns the report if built."""
        if self.has_index():
            return None
        log.warning("No index yet: indexing %s first", self.settings.corpus_path)
        return self.index(progress=progress)

    def documents(self) -> dict[str, DocEntry]:
        """The indexed articles by source path."""
        return self.components.open()[1].documents

    def source_text(self, citation: Citation | str) -> str:
        """The text a citation's offsets index, `source_text(c)[c.start:c.end] == c.quote`: a
        `.txt`/`.md` file as read, else the text extracted at indexing (`steps.source_of`, which raises)."""
        return source_of(self.components, citation if isinstance(citation, str) else citation.source)[1]

    def source_page(self, citation: Citation | str, offset: int) -> int | None:
        """The page (from 1) of a PDF an offset of its text falls on; None for other articles."""
        source, _, texts = source_of(self.components, citation if isinstance(citation, str) else citation.source)
        return texts.page(source, offset)

    # --- retrieval --------------------------------------------------------------------------
    def retrieve(
        self,
        question: str,
        *,
        top: int | None = None,
        sources: Sequence[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        include_undated: bool = False,
    ) -> Retrieval:
        """The passages for a (standalone) question, with the retrieval settings.

        Raises:
            InvalidQuestionError: `top` is not a passage count in range.
            UnknownSourceError: a source is not an indexed article.
            IndexMissingError, IndexCorruptError, IndexBusyError.
        """
        k = validate_top(top, default=self.settings.top_passages)
        days = validate_days(since, until, include_undated=include_undated)
        found, _ = search(self.components, question, top=k, sources=sources, days=days)
        return found

    # --- answering --------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        *,
        sources: Sequence[str] | None = None,
        model: str | None = None,
        top: int | None = None,
        history: Sequence[tuple[str, str]] = (),
        since: str | None = None,
        until: str | None = None,
        include_undated: bool = False,
    ) -> Answer:
        """Answer a question; the arguments are those of `stream`."""
        events = self.stream(
            question,
            sources=sources,
            model=model,
            top=top,
            history=history,
            since=since,
            until=until,
            include_undated=include_undated,
        )
        for event in events:
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
        since: str | None = None,
        until: str | None = None,
        include_undated: bool = False,
    ) -> Iterator[Event]:
        """Answer `question`, yielding progress, each statement as it completes, then `Done`.

        Args:
            question: the user's question (validated here).
            sources: restrict retrieval to these indexed articles (paths as indexed, or files).
            model: 'default', 'fast' or a GGUF path; default from settings.
            top: number of passages to draw sentences from (1-20; default `RAG_TOP_PASSAGES`).
            history: earlier (question, answer) turns; a follow-up question is rewritten into a
                standalone one with them before retrieval.
            since, until: only articles dated in this range (YYYY-MM-DD, either may be left out);
                articles without a full date are then left out too, unless `include_undated`. The
                answer's `date_filter` and `notes` count what was left out, and an abstention
                says the filter left it nothing (or what it left out) instead of only that the
                articles do not answer.

        Raises:
            InvalidQuestionError, UnknownSourceError, IndexMissingError, IndexCorruptError,
            IndexBusyError, ModelError.
        """
        s = self.settings
        original = validate_question(question, max_chars=s.max_question_chars)
        k = validate_top(top, default=s.top_passages)  # before any model call
        days = validate_days(since, until, include_undated=include_undated)
        q = Question(original, original)
        if history and is_follow_up(original):
            yield Stage("rewriting")
            q.searched = rewrite(self.generator(model), original, history, max_chars=s.max_question_chars)
            q.mark("rewrite_s")
        q.form = form_of(q.searched)
        yield Stage("retrieving")
        found, manifest = search(self.components, q.searched, top=k, sources=sources, days=days)
        q.mark("retrieve_s")
        events = _after_retrieval(self, q, found, manifest, model)
        if days is None:
            yield from events
            return
        chosen = set(validate_sources(sources, manifest.documents, root=s.root)) if sources else None
        dates = (e.date for name, e in manifest.documents.items() if chosen is None or name in chosen)
        scope = date_scope(dates, days, since=since, until=until)
        for event in events:
            yield Done(with_scope(event.answer, scope)) if isinstance(event, Done) else event


def _after_retrieval(
    pipe: Pipeline, q: Question, found: Retrieval, manifest: Manifest, model: str | None
) -> Iterator[Event]:
    """The steps after retrieval: abstain, refuse a false premise, compose a broad answer, or generate."""
    s = pipe.settings
    gen = pipe.generator(model)
    if not relevant(found, settings=s):
        yield Done(abstain(q.draft(found, gen.name), "retrieval found nothing relevant"))
        return
    texts = source_texts(manifest, settings=s, layer=pipe.components.texts())

    @functools.cache
    def prompt() -> BuiltPrompt:  # built when a refusal or the model needs it, not for a composed answer
        return make_prompt(q, found, settings=s, embedder=pipe.embedder)

    refusal = premise_refusal(q, found, prompt, texts, model=gen.name)
    if refusal is not None:
        yield Done(refusal)
        return
    if q.form in BROAD:
        composed = compose_broad(q, found, texts, settings=s, embedder=pipe.embedder, model=gen.name)
        if composed is not None:
            yield from composed
            return
    built = prompt()  # before "generating": the stage says the model is writing
    yield Stage("generating")
    verifier, answer_judge = pipe.verifier(model), pipe.components.answer_judge(model)
    yield from generate(q, found, built, texts, settings=s, generator=gen, verifier=verifier, answer_judge=answer_judge)


def check_corpus(pipe: Pipeline) -> None:
    """Raise `IndexOtherCorpusError` when the index holds articles but none from the corpus
    folder (`--corpus`): `rag ask --corpus ~/other` beside an `index/` built from `seeds/`
    would answer from the seeds without a word (a newcomer's finding)."""
    from rag.core.errors import IndexOtherCorpusError
    from rag.reading.ingest import resolve_source

    if not pipe.has_index():
        return
    docs = pipe.documents()
    corpus = pipe.settings.corpus_path.resolve()
    root = pipe.settings.root

    def inside(source: str) -> bool:
        path = resolve_source(source, root).resolve()
        return path == corpus or corpus in path.parents

    if docs and not any(inside(s) for s in docs):
        raise IndexOtherCorpusError(
            f"the index in {pipe.settings.index_path} holds {len(docs)} articles, none of them under "
            f"{corpus}. Ask that folder through an index of its own: `rag index --corpus {corpus} "
            f"--index-dir DIR`, then `rag ask --corpus {corpus} --index-dir DIR …`; or add it to this "
            f"index with `rag index {corpus}`."
        )
