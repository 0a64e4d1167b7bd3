"""The question-answering pipeline: retrieve, build the prompt, generate, resolve citations.

`Pipeline.stream()` yields progress and each statement as soon as the model completes it;
`Pipeline.ask()` returns the final `Answer`. Components are passed in (or built from
`Settings`), so tests run the whole pipeline with a fake embedder and a scripted generator.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.assemble import Draft, Reveal, about_now, abstain, assemble, removed
from rag.checking import RELATED_LIMIT, StatementChecker, quoted
from rag.citations import SourceTexts, StatementStream, output_schema, parse_output, resolve
from rag.conversation import is_follow_up, rewrite
from rag.dates import parse_day
from rag.embeddings import CachedEmbedder, Embedder, SentenceTransformerEmbedder
from rag.errors import IndexMissingError, InvalidQuestionError, UnknownSourceError
from rag.generation import Generator, LlamaCppGenerator
from rag.indexer import IndexReport, Progress, index_paths
from rag.ingest import resolve_source
from rag.premise import check_premise
from rag.prompting import SourceLine, build_prompt
from rag.retrieval import Retrieval, Retriever
from rag.settings import MAX_TOP, Settings
from rag.store import ChromaStore, DocEntry, FileManifests, Manifest, ManifestStore, index_lock, open_index
from rag.types import Answer, Statement
from rag.verify import Judge, Thresholds, Verifier

log = logging.getLogger(__name__)
_UNSET = object()


def _slug(url: str, collection: str) -> str:
    """A folder name for one server's collection (its lexical index is cached on this machine)."""
    import hashlib

    return collection + "-" + hashlib.sha256(url.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Stage:
    """Progress event: a stage of the pipeline has started."""

    name: str  # "retrieving", "generating"


@dataclass(frozen=True, slots=True)
class Writing:
    """Progress event while the model writes (about every `WRITING_EVERY_S`): pieces received so far.

    It also gives a consumer that stops iterating (a chat user who left) a point at which to stop,
    which closes the model's stream and frees the model for the next question.
    """

    pieces: int


WRITING_EVERY_S = 0.5


@dataclass(frozen=True, slots=True)
class StatementReady:
    """A statement, resolved to its citations, as soon as the model finished it."""

    statement: Statement


@dataclass(frozen=True, slots=True)
class Done:
    answer: Answer


Event = Stage | Writing | StatementReady | Done


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


def validate_top(top: object, *, default: int) -> int:
    """The number of passages to use; raises InvalidQuestionError naming the allowed range."""
    if top is None:
        return default
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        raise InvalidQuestionError(
            f"The number of passages must be a whole number from 1 to {MAX_TOP}, not {top!r}: "
            f"pass `top` (`--top`) in that range, or leave it out for the default ({default}, RAG_TOP_PASSAGES)."
        )
    return top


def validate_days(since: str | None, until: str | None) -> tuple[int | None, int | None] | None:
    """The date range as YYYYMMDD numbers, or None; raises InvalidQuestionError naming the format."""
    try:
        low, high = parse_day(since, name="since"), parse_day(until, name="until")
    except ValueError as exc:
        raise InvalidQuestionError(str(exc)) from exc
    if low is not None and high is not None and low > high:
        raise InvalidQuestionError(f"since ({since}) is after until ({until}): swap them.")
    return None if low is None and high is None else (low, high)


def validate_sources(sources: Sequence[str], documents: Mapping[str, object], *, root: Path) -> list[str]:
    """Sources as indexed (a file path is matched to its indexed name); raises UnknownSourceError.

    A misspelt name must not quietly restrict retrieval to nothing and abstain.
    """
    out = []
    for src in sources:
        if src in documents:
            out.append(src)
            continue
        path = Path(src).expanduser()
        candidates = [path.resolve(), resolve_source(src, root).resolve()]
        match = next((name for name in documents if resolve_source(name, root).resolve() in candidates), None)
        if match is None:
            names = sorted(documents)
            shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
            raise UnknownSourceError(
                f"No such indexed article: {src!r}. Indexed are: {shown or 'none'}. "
                "Give a name from that list (or index the file first with `rag index FILE`)."
            )
        out.append(match)
    return out


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
        # Questions, prompt sentences and statements: an answer meets the same sentence several times.
        self.embedder = CachedEmbedder(embedder or SentenceTransformerEmbedder(self.settings.embed_model))
        # Articles may be embedded in bfloat16 (`embed_precision`); questions and statements never are.
        self.index_embedder: Embedder = embedder or SentenceTransformerEmbedder(
            self.settings.embed_model, precision=self.settings.embed_precision
        )
        self._generators: dict[str, Generator] = {}
        self._judges: dict[str, Judge] = {}
        if generator is not None:
            self._generators[self.settings.llm_model] = generator
        if judge is not None:
            self._judges[self.settings.llm_model] = judge
        self._store: ChromaStore | None = None
        self._manifests: ManifestStore | None = None
        self._manifest: Manifest | None = None  # the last one loaded, kept while its version holds
        self._manifest_version: object = _UNSET
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()

    # --- components -------------------------------------------------------------------------
    def generator(self, model: str | None = None) -> Generator:
        """The generator for 'default', 'fast' or a GGUF path (built once, then shared).

        With `RAG_LLM_URL` every choice is the model of that OpenAI-compatible server.
        """
        choice = model or self.settings.llm_model
        with self._lock:
            if choice not in self._generators and self.settings.llm_url:
                from rag.openai_llm import OpenAIGenerator

                s = self.settings
                assert s.llm_url is not None
                remote = OpenAIGenerator(
                    s.llm_url,
                    model=s.llm_server_model,
                    seed=s.seed,
                    response_format=s.llm_response_format,
                    api_key=s.llm_api_key,
                )
                self._generators[choice] = remote
                self._judges.setdefault(choice, remote)
            if choice not in self._generators and self.settings.llm_serve:
                from rag.model_server import ModelServer, SupervisedGenerator
                from rag.models import resolve_model

                s = self.settings
                server = ModelServer(
                    resolve_model(choice, s.model_cache_dir),
                    n_ctx=s.n_ctx,
                    n_threads=s.n_threads,
                    seed=s.seed,
                    extra_buffers=s.llama_extra_buffers,
                    flash_attn=s.llama_flash_attn,
                    grammar_first_choice=s.llama_grammar_first_choice,
                    log_dir=s.model_cache_dir / "logs",
                )
                supervised = SupervisedGenerator(server, seed=s.seed)
                self._generators[choice] = supervised
                self._judges.setdefault(choice, supervised)
            if choice not in self._generators:
                from rag.doctor import ensure_runs
                from rag.models import resolve_model

                path = resolve_model(choice, self.settings.model_cache_dir)
                ensure_runs(
                    path,
                    setting=self.settings.llama_extra_buffers,
                    n_threads=self.settings.n_threads,
                    cache_dir=self.settings.model_cache_dir,
                    flash_attn=self.settings.llama_flash_attn,
                )
                llama = LlamaCppGenerator(
                    path,
                    n_ctx=self.settings.n_ctx,
                    n_threads=self.settings.n_threads,
                    n_gpu_layers=self.settings.n_gpu_layers,
                    seed=self.settings.seed,
                    extra_buffers=self.settings.llama_extra_buffers,
                    flash_attn=self.settings.llama_flash_attn,
                    grammar_first_choice=self.settings.llama_grammar_first_choice,
                )
                self._generators[choice] = llama
                self._judges.setdefault(choice, llama)
            return self._generators[choice]

    def judge(self, model: str | None = None) -> Judge | None:
        """The entailment judge for a model, or None when judging is off (`RAG_USE_JUDGE`)."""
        if not self.settings.use_judge:
            return None
        choice = model or self.settings.llm_model
        self.generator(choice)  # builds the llama.cpp model, which is its own judge
        return self._judges.get(choice)

    def verifier(self, model: str | None = None) -> Verifier:
        """The verifier with this model's judge and the configured (or calibrated) thresholds."""
        s = self.settings
        thresholds = None
        if s.support_low is not None and s.support_high is not None:
            thresholds = Thresholds(low=s.support_low, high=s.support_high)
        return Verifier(self.embedder, judge=self.judge(model), thresholds=thresholds)

    def manifests(self) -> ManifestStore:
        """Where this index's manifest lives (a file, or the Chroma server's manifest collection)."""
        with self._lock:
            if self._manifests is None:
                s = self.settings
                if s.chroma_url:
                    self._store, self._manifests = open_index(
                        s.index_path, url=s.chroma_url, collection=s.chroma_collection, create=False
                    )
                else:
                    self._manifests = FileManifests(s.index_path)
            return self._manifests

    def _open(self) -> tuple[Retriever, Manifest]:
        """The retriever and manifest, reloaded only when another process changed the index."""
        manifests = self.manifests()
        version = manifests.version()
        with self._lock:
            manifest = self._manifest
        if manifest is None or version != self._manifest_version:
            manifest = manifests.load()
            with self._lock:
                self._manifest, self._manifest_version = manifest, version
        retriever = self._retriever_of_store()
        retriever.refresh(version, manifest)
        return retriever, manifest

    def _retriever_of_store(self) -> Retriever:
        s = self.settings
        with self._lock:
            if self._store is None:
                self._store, _ = open_index(
                    s.index_path, url=s.chroma_url, collection=s.chroma_collection, create=False
                )
            if self._retriever is None:
                cache = (
                    s.index_path
                    / "lexical"
                    / (s.chroma_collection if not s.chroma_url else _slug(s.chroma_url, s.chroma_collection))
                )
                self._retriever = Retriever(self._store, self.embedder, cache_dir=cache)
            return self._retriever

    def _indexed(self, manifest: Manifest) -> None:
        """After an indexing run, under its lock: a large change rebuilds and saves the lexical index
        now, not on the next process's first question (a small one is applied when it is loaded)."""
        version = self.manifests().version()
        with self._lock:
            self._manifest, self._manifest_version = manifest, version
        self._retriever_of_store().prepare(version, manifest)

    # --- indexing ---------------------------------------------------------------------------
    def index(
        self, paths: Sequence[Path] | None = None, *, rebuild: bool = False, progress: Progress | None = None
    ) -> IndexReport:
        """Index article files (default: the corpus folder) incrementally."""
        if rebuild:
            with self._lock:
                self._store = None
                self._manifests = None
                self._manifest = None
                self._manifest_version = _UNSET
                self._retriever = None
        report = index_paths(
            list(paths) if paths else [self.settings.corpus_path],
            settings=self.settings,
            embedder=self.index_embedder,
            rebuild=rebuild,
            progress=progress,
            done=self._indexed,
        )
        return report

    def has_index(self) -> bool:
        return self.manifests().exists()

    def warm_up(self, model: str | None = None) -> None:
        """Load what a first question would otherwise wait for (the chat and `rag serve` call it).

        The model, and both of the embedder's ways: NumPy for a question or a few statements, and
        sentence-transformers for the ~30 sentences a prompt is chosen from, whose import alone
        takes about 4 s on two cores.
        """
        self.generator(model).load()
        load = getattr(self.embedder.inner, "load", None)  # a test's fake embedder has nothing to load
        if load is not None:
            load()

    def ensure_index(self, progress: Progress | None = None) -> IndexReport | None:
        """Build the index from the corpus folder if none exists yet; returns the report if built."""
        if self.has_index():
            return None
        log.warning("No index yet: indexing %s first", self.settings.corpus_path)
        return self.index(progress=progress)

    def documents(self) -> dict[str, DocEntry]:
        """The indexed articles by source path."""
        return self._open()[1].documents

    # --- retrieval --------------------------------------------------------------------------
    def retrieve(
        self,
        question: str,
        *,
        top: int | None = None,
        sources: Sequence[str] | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Retrieval:
        """The passages for a (standalone) question, with the retrieval settings.

        Raises:
            InvalidQuestionError: `top` is not a passage count in range.
            UnknownSourceError: a source is not an indexed article.
            IndexMissingError, IndexCorruptError, IndexBusyError.
        """
        k = validate_top(top, default=self.settings.top_passages)
        found, _ = self._retrieve(question, top=k, sources=sources, days=validate_days(since, until))
        return found

    def _retrieve(
        self,
        question: str,
        *,
        top: int,
        sources: Sequence[str] | None,
        days: tuple[int | None, int | None] | None = None,
    ) -> tuple[Retrieval, Manifest]:
        s = self.settings
        with index_lock(s.index_path, exclusive=False, timeout=s.lock_timeout_s):
            if not self.has_index():
                raise IndexMissingError("No index yet: run `rag index` (or `rag ask`, which builds it).")
            retriever, manifest = self._open()
            chosen = validate_sources(sources, manifest.documents, root=s.root) if sources else None
            found = retriever.retrieve(
                question,
                top=top,
                dense_k=s.dense_k,
                lexical_k=s.lexical_k,
                rrf_k=s.rrf_k,
                duplicate_threshold=s.duplicate_threshold,
                sources=chosen,
                days=days,
                prefer_recent=about_now(question),
            )
        return found, manifest

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
    ) -> Answer:
        """Answer a question; the arguments are those of `stream`."""
        events = self.stream(question, sources=sources, model=model, top=top, history=history, since=since, until=until)
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
                undated articles are then left out too.

        Raises:
            InvalidQuestionError, UnknownSourceError, IndexMissingError, IndexCorruptError,
            IndexBusyError, ModelError.
        """
        s = self.settings
        original = validate_question(question, max_chars=s.max_question_chars)
        k = validate_top(top, default=s.top_passages)  # before any model call
        days = validate_days(since, until)
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        q = original
        if history and is_follow_up(original):
            yield Stage("rewriting")
            q = rewrite(self.generator(model), original, history, max_chars=s.max_question_chars)
            timings["rewrite_s"] = time.perf_counter() - t0
        standalone = q if q != original else None
        yield Stage("retrieving")
        found, manifest = self._retrieve(q, top=k, sources=sources, days=days)
        timings["retrieve_s"] = time.perf_counter() - t0
        gen = self.generator(model)
        if not found.passages or (found.best_dense < s.min_relevance and found.lexical_hits == 0):
            timings["total_s"] = time.perf_counter() - t0
            draft = Draft(original, standalone, found.passages, gen.name, timings)
            yield Done(abstain(draft, "retrieval found nothing relevant"))
            return

        t1 = time.perf_counter()
        prompt = build_prompt(
            q,
            found.passages,
            embedder=self.embedder,
            budget=s.prompt_budget_tokens,
            max_statements=s.max_statements,
            style=s.answer_style,
        )
        timings["prompt_s"] = time.perf_counter() - t1
        texts = SourceTexts(
            s.root, {k: v.content_hash for k, v in manifest.documents.items()}, max_bytes=s.max_file_bytes
        )
        premise = check_premise(q, [p.chunk.text for p in found.passages], found.vocabulary)
        if not premise.holds:
            timings["total_s"] = time.perf_counter() - t0
            draft = Draft(original, standalone, found.passages, gen.name, timings)
            related = quoted(q, prompt.lines, texts, limit=RELATED_LIMIT)
            yield Done(
                abstain(draft, "the question's premise is not in the articles", text=premise.message(), related=related)
            )
            return
        yield Stage("generating")
        t2 = time.perf_counter()
        check = self._checker(q, texts, prompt.lines, model)
        remove = s.verify_mode == "remove"
        reveal = Reveal(remove_unverified=remove, leads=check.leads)
        parser = StatementStream(s.answer_style, prompt.lines)
        ticked = time.perf_counter()
        schema = output_schema(s.max_statements, s.answer_style)
        for pieces, piece in enumerate(gen.stream(prompt.messages(), schema=schema, max_tokens=s.max_answer_tokens), 1):
            if time.perf_counter() - ticked >= WRITING_EVERY_S:
                ticked = time.perf_counter()
                yield Writing(pieces)
            for raw in parser.feed(piece):
                for st in resolve([raw], prompt.lines, texts).statements:
                    for shown in reveal.offer(check(st)):
                        timings.setdefault("first_statement_s", time.perf_counter() - t0)
                        yield StatementReady(shown)
        timings["generate_s"] = time.perf_counter() - t2 - check.seconds
        timings["verify_s"] = check.seconds
        usage = gen.last_usage
        timings["first_token_s"] = (t2 - t0) + usage.first_token_s
        # Parse the whole reply once more: the authoritative result, in order.
        final = resolve(parse_output(parser.text, s.answer_style, prompt.lines), prompt.lines, texts)
        checked, answered = check.answer_first(
            [check(st) for st in final.statements], keep=lambda st: not removed(st, remove_unverified=remove)
        )
        timings["total_s"] = time.perf_counter() - t0
        draft = Draft(original, standalone, found.passages, gen.name, timings, usage.prompt_tokens, final.dropped)
        yield Done(assemble(draft, checked, remove_unverified=remove, answered=answered))

    def _checker(
        self, question: str, texts: SourceTexts, lines: Sequence[SourceLine], model: str | None
    ) -> StatementChecker:
        s = self.settings
        return StatementChecker(
            self.verifier(model),
            question=question,
            texts=texts,
            lines=lines,
            verify=s.verify_mode != "off",
            relevance_threshold=s.relevance_threshold,
            context_chars=s.context_chars,
        )
