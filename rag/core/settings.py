"""One `Settings` object for every tunable; read from `RAG_*` environment variables.

Values are validated once here, at the edge, and trusted inside the pipeline.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

EmbedPrecision = Literal["auto", "float32", "bfloat16", "int8"]  # indexing only; rag.index.embeddings.bulk_precision
ExtraBuffers = Literal["auto", "on", "off"]  # llama.cpp weight repacking; see rag.model.generation.use_extra_buffers
AnswerStyle = Literal["written", "quoted"]  # what the model writes; see rag.answering.citations.output_schema
MAX_TOP = 20  # passages per question; the prompt budget, not this, bounds what the model reads


def _default_root() -> Path:
    """The project root when running from a checkout, else the working directory."""
    here = Path(__file__).resolve().parents[2]
    if (here / "pyproject.toml").is_file() and (here / "rag").is_dir():
        return here
    return Path.cwd()


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cited-rag"


class Settings(BaseSettings):
    """Every tunable of the assistant. Environment variables use the prefix `RAG_`."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    # Where things live.
    root: Path = Field(default_factory=_default_root, description="Project root; sources are stored relative to it.")
    corpus_dir: Path = Path("seeds")
    index_dir: Path = Path("index")
    chroma_url: str | None = Field(
        None, description="A Chroma server, http://HOST:PORT; unset = the embedded store under the index folder."
    )
    chroma_collection: str = Field("chunks", description="The collection (one server can hold several indexes).")
    model_cache_dir: Path = Field(default_factory=_default_cache)

    # Models.
    llm_model: str = Field("default", description="'default' (1.5B), 'fast' (0.5B) or a path to any GGUF file.")
    llm_url: str | None = Field(
        None, description="An OpenAI-compatible server, http://HOST:PORT/v1, instead of a model in this process."
    )
    llm_serve: bool = Field(
        False,
        description="Run the model in a process of its own that is started again if it dies "
        "(a crash in the model then ends one answer, not the chat).",
    )
    llm_server_model: str = Field("", description="The model name the server expects; empty = its first model.")
    llm_response_format: Literal["json_object", "json_schema"] = Field(
        "json_object",
        description="How the JSON schema is sent: json_object (llama-cpp-python, llama-server) or json_schema (vLLM).",
    )
    llm_api_key: str = Field("", description="Bearer token for the model server, if it wants one.")
    embed_model: str = Field("", description="Path to a sentence-transformers model; empty = bundled all-MiniLM-L6-v2.")
    embed_precision: EmbedPrecision = Field(
        "auto",
        description="Arithmetic for embedding articles while indexing: auto = bfloat16 where the CPU has native "
        "bfloat16 (avx512_bf16/amx_bf16; vectors within 1e-4 cosine of float32), else int8 (float32 for a model "
        "that is not a mean-pooled BERT); int8 = the model exported once to ONNX and quantized, run by onnxruntime "
        "without torch (2.3x float32's chunks/s on an idle 2-core AVX2 CPU, cosine to float32 0.992 on average, "
        "retrieval recall and answer correctness within 1 point of bfloat16). Moving to or from int8 re-embeds "
        "the index. Questions and statements are always embedded in float32.",
    )
    n_ctx: int = 4096
    n_threads: int = Field(0, description="CPU threads for llama.cpp; 0 = all cores.")
    n_gpu_layers: int = 0
    llama_extra_buffers: ExtraBuffers = Field(
        "off",
        description="llama.cpp weight repacking: off (default; reads 1.4x faster here), on, or auto = off only "
        "in builds with AMX code (it crashes on Q4_K).",
    )
    llama_flash_attn: bool = Field(
        True,
        description="llama.cpp's flash attention: reads the prompt 1.1-1.2x faster here. Its sums round "
        "differently, so a greedy answer can change (8 of 149 eval answers with the 1.5B model), with the "
        "same eval correctness for both models; false = the previous attention.",
    )
    llama_grammar_first_choice: bool = Field(
        True,
        description="Test the answer's JSON grammar on the model's most likely token first, and on the whole "
        "vocabulary only when it refuses it: the same tokens, written 1.4-1.7x faster here; false = "
        "llama-cpp-python's own sampler chain (the grammar tests all 152k tokens every step).",
    )
    seed: int = 1234
    max_answer_tokens: int = 320

    # Ingestion. Chunks are sized in cl100k tokens: ~200 tokens (a few paragraphs of news copy)
    # keeps one idea per chunk and stays under all-MiniLM-L6-v2's 256-wordpiece window even with the
    # title prefixed, so nothing is silently truncated by the embedder; one sentence of overlap keeps a
    # sentence that bridges two chunks retrievable from either side.
    chunk_tokens: int = Field(200, ge=40, le=1000)
    chunk_max_tokens: int = Field(240, ge=60, le=2000)
    chunk_overlap_sentences: int = Field(1, ge=0, le=5)
    max_file_bytes: int = Field(5_000_000, description="Larger files are skipped with a warning.")
    max_export_bytes: int = Field(
        2_000_000_000,
        description="Larger JSON/JSONL/CSV exports (many articles in one file) are skipped with a warning.",
    )
    record_fields: dict[str, str] = Field(
        default_factory=dict,
        description="An export's field for a role, before the usual names: {'body': 'story_text'} "
        "(`rag index --field body=story_text`; roles: id, title, body, date, url, author).",
    )

    # Retrieval.
    dense_k: int = 20
    lexical_k: int = 20
    rrf_k: int = 60
    top_passages: int = Field(5, ge=1, le=MAX_TOP)
    duplicate_threshold: float = Field(
        0.6, description="Shingle containment above which two passages are one wire copy."
    )
    min_relevance: float = Field(
        0.2, description="Best dense cosine under which, with no lexical hit, the corpus is taken not to answer."
    )

    # Prompt. The 1.5B model reads ~45 tokens/s on 2 CPU cores: this budget is the answer latency.
    prompt_budget_tokens: int = Field(300, ge=50, le=3000)
    max_statements: int = Field(4, ge=1, le=10)
    broad_statements: int = Field(
        6,
        ge=2,
        le=12,
        description="Statements of a summary, timeline or comparison, composed from the articles' sentences "
        "without the model (at most 2 from one article).",
    )
    answer_style: AnswerStyle = Field(
        "quoted",
        description="written: the model writes each statement and cites its sentences; quoted: the model writes "
        "a short answer and the ids of the sentences that state it, which are shown as they stand (about half "
        "the tokens written).",
    )

    # Verification.
    verify_mode: Literal["remove", "flag", "off"] = Field(
        "remove", description="Unsupported statements are removed (default), flagged, or not checked."
    )
    use_judge: bool = Field(
        True, description="Ask the local model to judge statements the cheap checks leave undecided."
    )
    answer_check: bool = Field(
        True,
        description="Ask the model whether a sentence gives what the question asks for where word overlap "
        "cannot tell (the default model only: the 0.5B model's yes/no does not separate answers).",
    )
    answer_check_min: float = Field(
        0.5, description="The model's P(yes) from which a sentence counts as giving what is asked."
    )
    answer_check_veto: float = Field(
        0.3,
        description="The model's P(yes) under which a sentence counts as not giving what is asked; between "
        "this and answer_check_min the model is taken to be unsure and neither vetoes nor affirms "
        "(docs/answer-check-2026-11-29.json).",
    )
    relevance_threshold: float = Field(
        0.55, description="Under this, a supported statement is taken not to address the question."
    )
    context_chars: int = Field(300, description="Text before a quote in which a named source may stand.")
    # The similarity band of the verifier; None = the values `rag calibrate --write` stored in
    # rag/answering/calibration.json.
    support_low: float | None = Field(None, description="Similarity under which a statement is unsupported.")
    support_high: float | None = Field(None, description="Similarity from which a statement is supported.")

    # Questions.
    max_question_chars: int = 1000

    # Upload (chat UI).
    max_upload_bytes: int = 2_000_000

    # Serving a team (README "Serving a team"): who may ask, who may add articles, and how much.
    serve_api_keys: str = Field(
        "",
        description="Keys `rag serve` accepts as `Authorization: Bearer KEY`: comma-separated, or the path of a "
        "file of keys, one a line (a value holding a `/` is a path: write ./keys.txt for a file here).",
    )
    users_file: Path = Field(
        Path("users.json"), description="The chat's logins (salted scrypt hashes and roles), written by `rag users`."
    )
    upload_log: Path = Field(
        Path("uploads.jsonl"), description="Every article added from the chat: who, when, file name, SHA-256."
    )
    rate_per_minute: int = Field(
        20, ge=1, description="Questions a minute one API key, chat login or chat session may ask (issue 27)."
    )
    queued_per_client: int = Field(
        4, ge=1, description="Questions one key, login or session may have waiting or being answered at once."
    )
    queue_wait_s: float = Field(
        60.0,
        gt=0,
        description="A question that waited this long for the model is dropped with a message: 20 answers of "
        "about 3 s ahead of it (README, Speed).",
    )
    max_request_bytes: int = Field(
        1_000_000, ge=1000, description="`rag serve` refuses (413) a request body over this, before reading it."
    )
    cors_origins: str = Field(
        "", description="Web origins (https://desk.example) allowed to call `rag serve` from a page; comma-separated."
    )

    log_questions: bool = Field(
        False,
        description="`rag serve` and `rag chat` write each question's text in their one line per request "
        "(otherwise only when, what, status and seconds).",
    )

    index_batch_chunks: int = Field(256, description="Chunks embedded and written per batch while indexing.")

    # Index lock: how long a question waits for a re-index to finish.
    lock_timeout_s: float = 30.0

    def resolve(self, path: Path) -> Path:
        """A settings path made absolute against the project root."""
        return path if path.is_absolute() else self.root / path

    @property
    def index_path(self) -> Path:
        return self.resolve(self.index_dir)

    @property
    def corpus_path(self) -> Path:
        return self.resolve(self.corpus_dir)
