"""The indexer's int8 embedder (`rag.index.int8`): the cached export, its errors, and the runner.

The runner's known-answer test uses a hand-made ONNX graph of the same contract (one unpadded
text in, its mean-pooled vector out) whose vectors are worked out by hand; the real export is
checked against float32 in the `real` test at the end.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from rag.core.errors import ModelError
from rag.index.int8 import FIX, RECIPE, OnnxBert, ensure_int8, int8_path, weights_digest


def _model(folder: Path, weights: bytes = b"weights v1") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.safetensors").write_bytes(weights)
    return folder


def test_the_export_is_made_once_per_weights_and_then_reused(tmp_path: Path) -> None:
    model, cache = _model(tmp_path / "model"), tmp_path / "cache"
    made: list[Path] = []

    def export(model_dir: Path, dest: Path) -> None:
        made.append(dest)
        dest.write_bytes(b"onnx of " + (model_dir / "model.safetensors").read_bytes())

    first = ensure_int8(model, cache, export=export)
    assert first == int8_path(model, cache) == cache / "onnx" / f"minilm-{weights_digest(model)}-{RECIPE}.onnx"
    assert first.read_bytes() == b"onnx of weights v1" and len(made) == 1
    assert made[0] != first  # written beside it, then renamed: a reader never sees half a file
    assert ensure_int8(model, cache, export=export) == first and len(made) == 1  # cached
    # other weights (an updated model package): another file, exported again
    _model(model, b"weights v2")
    second = ensure_int8(model, cache, export=export)
    assert second != first and second.read_bytes() == b"onnx of weights v2" and len(made) == 2
    assert sorted(p.name for p in (cache / "onnx").iterdir()) == sorted([first.name, second.name])


def test_the_digest_is_the_weights_sha256() -> None:
    import hashlib
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        model = _model(Path(tmp), b"abc")
        assert weights_digest(model) == hashlib.sha256(b"abc").hexdigest()[:16] == "ba7816bf8f01cfea"


def test_a_failed_export_leaves_nothing_and_names_the_fix(tmp_path: Path) -> None:
    model, cache = _model(tmp_path / "model"), tmp_path / "cache"

    def broken(model_dir: Path, dest: Path) -> None:
        dest.write_bytes(b"half a fi")
        raise RuntimeError("exporter crashed")

    with pytest.raises(ModelError) as err:
        ensure_int8(model, cache, export=broken)
    message = str(err.value)
    assert "exporter crashed" in message and FIX in message
    assert "rag models --prepare embedder" in message and "RAG_EMBED_PRECISION=bfloat16" in message
    assert list((cache / "onnx").iterdir()) == []  # no file, no leftover work folder


def test_missing_weights_and_an_unwritable_cache_are_model_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="Cannot read the embedding model's weights"):
        ensure_int8(tmp_path / "nowhere", tmp_path / "cache")
    model = _model(tmp_path / "model")
    (tmp_path / "file").write_text("a file, not a folder")
    with pytest.raises(ModelError, match="prepare embedder"):
        ensure_int8(model, tmp_path / "file", export=lambda m, d: d.write_bytes(b"x"))


class _Encoding:
    def __init__(self, ids: list[int]) -> None:
        self.ids = ids


class _Tokenizer:
    """Each word is its length: "ab cde" -> [2, 3]."""

    def encode_batch(self, texts: list[str]) -> list[_Encoding]:
        return [_Encoding([len(w) for w in t.split()]) for t in texts]


def _mean_of_rows(path: Path, table: np.ndarray) -> Path:
    """An ONNX graph of the int8 model's contract: input_ids (1, tokens) -> the mean of their rows of `table`."""
    from onnx import TensorProto, helper, numpy_helper, save

    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["rows"]),
        helper.make_node("ReduceMean", ["rows"], ["embedding"], axes=[1], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "mean-of-rows",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "tokens"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, table.shape[1]])],
        [numpy_helper.from_array(table, "table")],
    )
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


@pytest.mark.parametrize("workers", [1, 3])
def test_the_runner_embeds_each_text_alone_and_normalises(tmp_path: Path, workers: int) -> None:
    # rows by token id: 1 -> (1, 0), 2 -> (0, 1), 3 -> (3, 4), 4 -> (-1, 0)
    table = np.array([[0, 0], [1, 0], [0, 1], [3, 4], [-1, 0]], dtype=np.float32)
    runner = OnnxBert(_mean_of_rows(tmp_path / "m.onnx", table), _Tokenizer(), workers=workers)
    texts = ["a bb", "ccc", "a a bb", "dddd a bb", "ccc ccc ccc"]
    got = runner.embed(texts)
    # "a bb": mean((1,0), (0,1)) = (.5, .5) -> (1, 1)/sqrt(2); "ccc": (3, 4)/5; "a a bb": (2/3, 1/3)
    # -> (2, 1)/sqrt(5); "dddd a bb": mean((-1,0), (1,0), (0,1)) = (0, 1/3) -> (0, 1); the same text
    # three times: (3, 4)/5. Each text alone: no padding token moves a mean.
    r2, r5 = np.sqrt(2), np.sqrt(5)
    expected = np.array([[1 / r2, 1 / r2], [0.6, 0.8], [2 / r5, 1 / r5], [0, 1], [0.6, 0.8]], dtype=np.float32)
    assert got.dtype == np.float32 and got.shape == (5, 2)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert runner.embed([]).shape == (0, 384)
    np.testing.assert_allclose(runner.embed(["ccc"]), expected[1:2], atol=1e-6)


def test_a_damaged_file_names_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx file")
    with pytest.raises(ModelError, match="delete it and run `rag models --prepare embedder`"):
        OnnxBert(bad, _Tokenizer(), workers=1)


@pytest.mark.real
def test_real_int8_vectors_are_close_to_float32_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled model exported and quantized (in a fresh cache), against float32, on the seeds' chunks."""
    from rag.index import embeddings
    from rag.index.embeddings import SentenceTransformerEmbedder, bundled_model_path

    monkeypatch.setattr(embeddings, "_MODELS", {})  # no int8 model loaded from another cache
    from rag.reading.chunking import chunk_document
    from rag.reading.ingest import discover, load_document

    root = Path(__file__).resolve().parents[2]
    texts = []
    for path in discover([root / "seeds"]):
        doc, _ = load_document(path, root=root, max_bytes=10**7)
        assert doc is not None
        texts += [c.embedding_text() for c in chunk_document(doc)]
    int8 = SentenceTransformerEmbedder(precision="int8", cache_dir=tmp_path)
    assert int8.name == f"all-MiniLM-L6-v2+{RECIPE}"
    low = int8.embed(texts)
    full = SentenceTransformerEmbedder(light_batch=0, precision="float32").embed(texts)
    assert low.shape == full.shape == (len(texts), 384) and low.dtype == np.float32
    assert np.allclose(np.linalg.norm(low, axis=1), 1.0, atol=1e-5)
    cosine = (low * full).sum(1)
    # measured: min 0.9926, mean 0.9950 on these 28 chunks (bfloat16: 0.99997)
    assert float(cosine.min()) > 0.985 and float(cosine.mean()) > 0.99
    exported = int8_path(Path(bundled_model_path()), tmp_path)
    made = exported.stat().st_mtime_ns
    np.testing.assert_allclose(int8.embed(texts[:3]), low[:3], atol=1e-6)  # a few texts: the same path
    assert ensure_int8(Path(bundled_model_path()), tmp_path) == exported  # cached: not exported again
    assert exported.stat().st_mtime_ns == made and os.listdir(exported.parent) == [exported.name]
