"""The choice of arithmetic for embedding articles (`embed_precision`), and the cached embedder."""

from __future__ import annotations

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
    [(ZEN4, "bfloat16"), (SAPPHIRE_RAPIDS, "bfloat16"), (SKYLAKE_X, "float32"), (HASWELL, "float32")],
)
def test_auto_uses_bfloat16_only_where_the_cpu_computes_it_natively_and_int8_only_by_name(
    flags: tuple[str, ...], expected: str
) -> None:
    assert bulk_precision("auto", flags) == expected  # int8's answers are not yet measured: opt-in


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
    auto = SentenceTransformerEmbedder(precision="auto")  # int8 is chosen by name only
    assert auto.precision in ("bfloat16", "float32") and auto.name == names["float32"]
    assert SentenceTransformerEmbedder("/some/model", precision="int8").name == f"model+{RECIPE}"


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
