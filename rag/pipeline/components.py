"""The one place that turns `Settings` into components: embedders, generators and their judges, the
verifier, the index's store, manifest and retriever. `Pipeline` asks it for them and only wires them.

Components are built on first use and kept (a model loads once); tests hand in fakes for the
embedder, the generator and the judge.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from rag.answering.verify import Judge, Thresholds, Verifier
from rag.core.settings import Settings
from rag.index.embeddings import CachedEmbedder, Embedder, SentenceTransformerEmbedder
from rag.index.retrieval import Retriever
from rag.index.store import ChromaStore, FileManifests, Manifest, ManifestStore, open_index
from rag.index.texts import FileTexts, TextLayer, open_texts
from rag.model.generation import Generator

_UNSET = object()


def lexical_cache(settings: Settings) -> Path:
    """Where the lexical index of this index's collection is cached on this machine.

    A Chroma server's collection gets a folder named by the collection and a hash of the URL.
    """
    name = settings.chroma_collection
    if settings.chroma_url:
        name += "-" + hashlib.sha256(settings.chroma_url.encode()).hexdigest()[:12]
    return settings.index_path / "lexical" / name


def build_generator(settings: Settings, choice: str) -> tuple[Generator, Judge]:
    """The generator for 'default', 'fast' or a GGUF path: the `RAG_LLM_URL` server's model, a
    supervised model server (`RAG_LLM_SERVE`), or llama.cpp in this process (checked first in a
    child process by `ensure_runs`), returned twice: each is also its own entailment judge.

    Raises:
        ModelError: the model file is missing or does not run on this machine, with the fix.
    """
    s = settings
    if s.llm_url:
        from rag.model.openai_llm import OpenAIGenerator

        remote = OpenAIGenerator(
            s.llm_url,
            model=s.llm_server_model,
            seed=s.seed,
            response_format=s.llm_response_format,
            api_key=s.llm_api_key,
        )
        return remote, remote
    from rag.model.files import resolve_model

    path = resolve_model(choice, s.model_cache_dir)
    if s.llm_serve:
        from rag.model.server import ModelServer, SupervisedGenerator

        server = ModelServer(
            path,
            n_ctx=s.n_ctx,
            n_threads=s.n_threads,
            seed=s.seed,
            extra_buffers=s.llama_extra_buffers,
            flash_attn=s.llama_flash_attn,
            grammar_first_choice=s.llama_grammar_first_choice,
            log_dir=s.model_cache_dir / "logs",
        )
        supervised = SupervisedGenerator(server, seed=s.seed)
        return supervised, supervised
    from rag.model.doctor import ensure_runs
    from rag.model.generation import LlamaCppGenerator

    ensure_runs(
        path,
        setting=s.llama_extra_buffers,
        n_threads=s.n_threads,
        cache_dir=s.model_cache_dir,
        flash_attn=s.llama_flash_attn,
    )
    llama = LlamaCppGenerator(
        path,
        n_ctx=s.n_ctx,
        n_threads=s.n_threads,
        n_gpu_layers=s.n_gpu_layers,
        seed=s.seed,
        extra_buffers=s.llama_extra_buffers,
        flash_attn=s.llama_flash_attn,
        grammar_first_choice=s.llama_grammar_first_choice,
    )
    return llama, llama


class Components:
    """The components of one pipeline, built from its settings on first use and then shared."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        generator: Generator | None = None,
        judge: Judge | None = None,
    ) -> None:
        """Fakes passed here replace the real components (the generator and judge for `settings.llm_model`)."""
        self.settings = settings
        # Questions, prompt sentences and statements: an answer meets the same sentence several times.
        self.embedder = CachedEmbedder(embedder or SentenceTransformerEmbedder(settings.embed_model))
        # Articles may be embedded in int8 or bfloat16 (`embed_precision`); questions and statements never are.
        self.index_embedder: Embedder = embedder or SentenceTransformerEmbedder(
            settings.embed_model, precision=settings.embed_precision, cache_dir=settings.model_cache_dir
        )
        self._generators: dict[str, Generator] = {}
        self._judges: dict[str, Judge] = {}
        if generator is not None:
            self._generators[settings.llm_model] = generator
        if judge is not None:
            self._judges[settings.llm_model] = judge
        self._lock = threading.Lock()
        self.forget_index()

    def forget_index(self) -> None:
        """Drop the store, manifest and retriever (a rebuild replaces them)."""
        self._store: ChromaStore | None = None
        self._manifests: ManifestStore | None = None
        self._manifest: Manifest | None = None  # the last one loaded, kept while its version holds
        self._manifest_version: object = _UNSET
        self._retriever: Retriever | None = None
        self._texts: TextLayer | None = None

    def texts(self) -> TextLayer:
        """The index's text layer: what the offsets of HTML, PDF, Word and export articles index."""
        s = self.settings
        if self._texts is None:
            if s.chroma_url:
                self.retriever()  # opens the store
                self._texts = open_texts(s.index_path, self._store)
            else:
                self._texts = FileTexts(s.index_path)
        return self._texts

    def generator(self, model: str | None = None) -> Generator:
        """The generator for 'default', 'fast' or a GGUF path (built once, then shared).

        With `RAG_LLM_URL` every choice is the model of that OpenAI-compatible server.
        """
        choice = model or self.settings.llm_model
        with self._lock:
            if choice not in self._generators:
                self._generators[choice], judge = build_generator(self.settings, choice)
                self._judges.setdefault(choice, judge)
            return self._generators[choice]

    def warm_up(self, model: str | None = None) -> None:
        """Load what a first question would otherwise wait for.

        The model, and both of the embedder's ways: NumPy for a question or a few statements, and
        sentence-transformers for the ~30 sentences a prompt is chosen from, whose import alone
        takes about 4 s on two cores; and the premise check's word forms (`simplemma`'s English
        dictionary, about 0.5 s).
        """
        from rag.answering.premise import warm_up as premise_warm_up

        self.generator(model).load()
        load = getattr(self.embedder.inner, "load", None)  # a test's fake embedder has nothing to load
        if load is not None:
            load()
        premise_warm_up()

    def judge(self, model: str | None = None) -> Judge | None:
        """The entailment judge for a model, or None when judging is off (`RAG_USE_JUDGE`)."""
        if not self.settings.use_judge:
            return None
        choice = model or self.settings.llm_model
        self.generator(choice)  # builds the model, which is its own judge
        return self._judges.get(choice)

    def answer_judge(self, model: str | None = None) -> Judge | None:
        """The judge asked "does this sentence give what the question asks for?", or None.

        Off with `RAG_ANSWER_CHECK=false`, without a judge, and for the bundled 0.5B model: its
        P(yes) does not separate answers from other sentences (0.34-0.38 against 0.29-0.31 on the
        probes of docs/eval-bbc-2026-11-29/answer-probes.txt; the 1.5B: 0.59-0.74 against 0.10-0.23).
        """
        choice = model or self.settings.llm_model
        if not self.settings.answer_check or choice == "fast":
            return None
        return self.judge(choice)

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

    def open(self) -> tuple[Retriever, Manifest]:
        """The retriever and manifest, reloaded only when another process changed the index."""
        manifests = self.manifests()
        version = manifests.version()
        with self._lock:
            manifest = self._manifest
        if manifest is None or version != self._manifest_version:
            manifest = manifests.load()
            with self._lock:
                self._manifest, self._manifest_version = manifest, version
        retriever = self.retriever()
        retriever.refresh(version, manifest)
        return retriever, manifest

    def retriever(self) -> Retriever:
        """The retriever over the store (opened on first use)."""
        s = self.settings
        with self._lock:
            if self._store is None:
                self._store, _ = open_index(
                    s.index_path, url=s.chroma_url, collection=s.chroma_collection, create=False
                )
            if self._retriever is None:
                self._retriever = Retriever(self._store, self.embedder, cache_dir=lexical_cache(s))
            return self._retriever

    def indexed(self, manifest: Manifest) -> None:
        """After an indexing run, under its lock: a large change rebuilds and saves the lexical index
        now, not on the next process's first question (a small one is applied when it is loaded)."""
        version = self.manifests().version()
        with self._lock:
            self._manifest, self._manifest_version = manifest, version
        self.retriever().prepare(version, manifest)
