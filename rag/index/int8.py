"""all-MiniLM-L6-v2 in int8 for indexing: exported once to ONNX from the bundled weights, run by onnxruntime.

The export (`export_int8`) traces the model with torch into ONNX, mean pooling and L2
normalisation included, and quantizes its weight products with onnxruntime's dynamic int8
quantization: weights int8 per output channel, activations int8 per product, computed at run
time. Only products with a weight are quantized (`MatMulConstBOnly`): the attention products and
the word embeddings stay float32, which moves a passage's vector less (cosine ~0.995 to float32
against ~0.95 with everything quantized, measured on BBC chunks).

The graph takes one text at a time, unpadded (`input_ids` of shape (1, tokens)): with no padding
there is no attention mask to apply and the mean is over every token. `OnnxBert` runs one text
per core, each on a single onnxruntime thread: with two cores shared with another busy process,
two texts at once gave twice the chunks/s of one text on two intra-op threads, whose threads
wait for each other after every operation.

The file is cached under the model cache, named by the weights' sha256 and `RECIPE`, and made
by `rag models --prepare embedder` (scripts/setup.sh) or on first use. Making it needs torch,
transformers, onnx and onnxruntime; running it needs onnxruntime and tokenizers only.
sentence-transformers' own `backend="onnx"` would load such a file too, but it requires optimum,
whose install would downgrade transformers: the model is run with onnxruntime directly.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from rag.core.errors import ModelError

log = logging.getLogger(__name__)

# The export and quantization recipe: part of the file's name and of the embedder's name in the
# manifest, so that an index embedded by an earlier recipe is embedded again, not mixed.
RECIPE = "int8.1"
WEIGHTS = "model.safetensors"
FIX = "run `rag models --prepare embedder` (scripts/setup.sh does), or index in bfloat16: RAG_EMBED_PRECISION=bfloat16"


def weights_digest(model_dir: Path) -> str:
    """The first 16 hex digits of the sha256 of the model's weights file."""
    digest = hashlib.sha256()
    try:
        with open(model_dir / WEIGHTS, "rb") as f:
            while block := f.read(1 << 22):
                digest.update(block)
    except OSError as exc:
        raise ModelError(f"Cannot read the embedding model's weights in {model_dir}: {exc}") from exc
    return digest.hexdigest()[:16]


def int8_path(model_dir: Path, cache_dir: Path) -> Path:
    """Where the int8 ONNX file of the model in `model_dir` is cached."""
    return cache_dir / "onnx" / f"minilm-{weights_digest(model_dir)}-{RECIPE}.onnx"


def ensure_int8(model_dir: Path, cache_dir: Path, *, export: Callable[[Path, Path], None] | None = None) -> Path:
    """The cached int8 ONNX file of the model, exported now if it is not there yet.

    The file appears whole or not at all (written beside it, then renamed), so processes that
    export at the same time each leave a complete file.

    Raises:
        ModelError: the file cannot be made, with the fix.
    """
    dest = int8_path(model_dir, cache_dir)
    if dest.is_file():
        return dest
    log.warning("exporting the int8 embedder once to %s (a few seconds)", dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".export-") as tmp:
            part = Path(tmp) / dest.name
            (export or export_int8)(model_dir, part)
            os.replace(part, dest)
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - torch, onnx and the file system fail in many types
        raise ModelError(f"Cannot make the int8 embedding model {dest} ({type(exc).__name__}: {exc}): {FIX}.") from exc
    return dest


@contextmanager
def _quiet() -> Iterator[None]:
    """Tracing and quantizing print warnings a user can do nothing about (they go to the root logger)."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def export_int8(model_dir: Path, dest: Path) -> None:
    """Write the int8 ONNX model of the sentence-transformers BERT in `model_dir` to `dest`."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import AutoModel
    except ImportError as exc:
        raise ModelError(f"Making the int8 embedding model needs {exc.name}: {FIX}.") from exc

    class MeanPooled(torch.nn.Module):
        """The encoder, mean pooling over every token (one unpadded text) and L2 normalisation."""

        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            return torch.nn.functional.normalize(hidden.mean(1), p=2.0, dim=1)

    # eager attention traces to plain products and a softmax (the default traces masking code for padding)
    encoder = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    float32 = dest.with_name(dest.stem + ".float32.onnx")
    with _quiet(), torch.no_grad():
        torch.onnx.export(
            MeanPooled(encoder),
            (torch.ones((1, 8), dtype=torch.int64),),
            str(float32),
            input_names=["input_ids"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": {1: "tokens"}},
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(
            float32,
            dest,
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            extra_options={"MatMulConstBOnly": True},
        )
    float32.unlink()


class OnnxBert:
    """The int8 ONNX model: L2-normalised float32 vectors, one text per core at a time."""

    def __init__(self, onnx_file: Path, tokenizer: Any, *, workers: int) -> None:
        """`tokenizer`: the model's `tokenizers.Tokenizer`, truncating, not padding (`load_tokenizer`)."""
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ModelError(f"The int8 embedder needs onnxruntime: {FIX}.") from exc
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1  # parallel over texts, not inside one (module docstring)
        opts.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(str(onnx_file), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own exception types
            raise ModelError(f"Cannot load the int8 embedding model {onnx_file} ({exc}): delete it and {FIX}.") from exc
        self.tokenizer = tokenizer
        self.workers = max(1, workers)
        self._pool: Any = None
        self._lock = threading.Lock()

    def _run(self, ids: list[int]) -> np.ndarray:
        return self.session.run(None, {"input_ids": np.array([ids], dtype=np.int64)})[0][0]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        if self.workers == 1 or len(ids) == 1:
            rows = [self._run(i) for i in ids]
        else:
            rows = list(self._executor().map(self._run, ids))
        vecs = np.stack(rows).astype(np.float32)
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)  # pooled in int8 products
        return vecs

    def _executor(self) -> Any:
        with self._lock:
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                # onnxruntime releases the GIL while it runs: the threads compute in parallel
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="int8-embed")
            return self._pool


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
