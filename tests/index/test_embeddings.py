"""The choice of arithmetic for embedding articles (`embed_precision`), and the cached embedder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from fakes import FakeEmbedder

from rag.core.settings import EmbedPrecision, Settings
from rag.index.embeddings import SentenceTransformerEmbedder, bulk_precision

ZEN4 = ("avx2", "avx512f", "avx512_bf16")
SAPPHIRE_RAPIDS = ("avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16")
SKYLAKE_X = ("avx2", "avx512f", "avx512bw")
HASWELL = ("avx", "avx2", "fma")


@pytest.mark.parametrize(
    ("flags", "expected"),
    [(ZEN4, "bfloat16"), (SAPPHIRE_RAPIDS, "bfloat16"), (SKYLAKE_X, "int8"), (HASWELL, "int8")],
)
def test_auto_uses_bfloat16_where_the_cpu_computes_it_natively_and_int8_elsewhere(
    flags: tuple[str, ...], expected: str
) -> None:
    assert bulk_precision("auto", flags) == expected


@pytest.mark.parametrize("setting", ["float32", "bfloat16", "int8"])
def test_an_explicit_precision_is_kept_whatever_the_cpu(setting: EmbedPrecision) -> None:
    assert bulk_precision(setting, HASWELL) == setting
    assert bulk_precision(setting, SAPPHIRE_RAPIDS) == setting


def test_int8_gives_the_index_another_name_so_that_it_is_embedded_again() -> None:
    """The manifest records the embedder's name: bfloat16 and float32 vectors (within 1e-4) share
    one, int8 vectors have their own (with the export recipe), so an index is never a mix."""
    from rag.index.int8 import RECIPE

    names = {p: SentenceTransformerEmbedder(precision=p).name for p in ("float32", "bfloat16", "int8")}
    assert names == {
        "float32": "all-MiniLM-L6-v2",
        "bfloat16": "all-MiniLM-L6-v2",
        "int8": f"all-MiniLM-L6-v2+{RECIPE}",
    }
    auto = SentenceTransformerEmbedder(precision="auto")  # the bundled model: int8 or bfloat16, by the CPU
    assert auto.precision == ("bfloat16" if bulk_precision("auto") == "bfloat16" else "int8")
    assert auto.name == names[auto.precision]
    assert SentenceTransformerEmbedder("/some/model", precision="int8").name == f"model+{RECIPE}"


def test_auto_falls_back_to_float32_for_a_model_that_cannot_run_in_int8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`auto` on a CPU without native bfloat16 is int8 only for a mean-pooled BERT with onnxruntime
    installed; another model is embedded in float32, and int8 asked for by name is kept."""
    import rag.core.machine as machine
    from rag.index.embeddings import bundled_model_path, int8_ready

    haswell = replace(machine.cpu_info(), flags=HASWELL)
    monkeypatch.setattr(machine, "cpu_info", lambda: haswell)
    other = tmp_path / "other-model"
    other.mkdir()
    (other / "config.json").write_text('{"model_type": "xlm-roberta"}', encoding="utf-8")
    (other / "modules.json").write_text("[]", encoding="utf-8")
    (other / "1_Pooling").mkdir()
    (other / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}', encoding="utf-8")
    assert not int8_ready(str(other)) and int8_ready(bundled_model_path())
    assert SentenceTransformerEmbedder(str(other), precision="auto").precision == "float32"
    assert SentenceTransformerEmbedder(str(other), precision="auto").name == "other-model"
    assert SentenceTransformerEmbedder(str(other), precision="int8").precision == "int8"
    assert SentenceTransformerEmbedder(precision="auto").precision == "int8"


def test_the_setting_is_validated_and_defaults_to_auto(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().embed_precision == "auto"
    monkeypatch.setenv("RAG_EMBED_PRECISION", "bfloat16")
    assert Settings().embed_precision == "bfloat16"
    monkeypatch.setenv("RAG_EMBED_PRECISION", "half")
    with pytest.raises(ValueError, match="embed_precision"):
        Settings()


def test_the_answer_path_embedder_stays_float32_and_the_indexer_gets_the_setting() -> None:
    from rag.pipeline import Pipeline

    for setting, expected in (("bfloat16", "bfloat16"), ("int8", "int8"), ("auto", bulk_precision("auto"))):
        pipe = Pipeline(Settings(embed_precision=setting))
        assert isinstance(pipe.embedder.inner, SentenceTransformerEmbedder)
        assert isinstance(pipe.index_embedder, SentenceTransformerEmbedder)
        assert pipe.embedder.inner.precision == "float32"
        assert pipe.index_embedder.precision == expected
    assert bulk_precision("auto") in ("bfloat16", "int8")


def test_cached_embedder_embeds_each_text_once_and_gives_the_same_vectors() -> None:
    from rag.index.embeddings import CachedEmbedder

    calls: list[list[str]] = []

    class Counting(FakeEmbedder):
        def embed(self, texts):  # type: ignore[no-untyped-def]
            calls.append(list(texts))
            return super().embed(texts)

    inner = Counting()
    cached = CachedEmbedder(inner, size=3)
    first = cached.embed(["a b", "c d", "a b"])
    assert calls == [["a b", "c d"]]  # one call, each text once
    np.testing.assert_array_equal(first, FakeEmbedder().embed(["a b", "c d", "a b"]))
    again = cached.embed(["c d", "a b"])
    assert len(calls) == 1 and again.dtype == np.float32 and again.shape == (2, first.shape[1])
    np.testing.assert_array_equal(again, first[[1, 0]])
    cached.embed(["e f", "g h"])  # "c d" was used least recently: it goes, "a b" stays
    assert calls[-1] == ["e f", "g h"]
    cached.embed(["a b"])
    assert len(calls) == 2
    cached.embed(["c d"])
    assert calls[-1] == ["c d"]
    assert cached.embed([]).shape[0] == 0
