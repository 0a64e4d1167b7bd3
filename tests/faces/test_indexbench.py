"""`rag bench --index DIR` (rag/faces/indexbench.py): the JSONL layout, the timing summary and the
retrieval comparison, with the fake embedder (the real runs are the README's figures)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fakes import FakeEmbedder

from rag.core.settings import Settings
from rag.faces import indexbench
from rag.index.indexer import index_paths


def test_the_folder_is_written_as_one_jsonl_export_the_indexer_reads(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "news"
    (folder / "tech").mkdir(parents=True)
    (folder / "README.md").write_text("# About this folder\n\nNot an article.\n")
    (folder / "tech" / "chips.txt").write_text("Chip sales rise\n\nSales of chips rose 5% in May.\nAnalysts agreed.\n")
    (folder / "a.txt").write_text("Rain in Leeds\n\nIt rained.\n")
    out = tmp_path / "jsonl" / "news.jsonl"
    assert indexbench.write_jsonl(folder, out) == 2  # the README is about the folder: left out
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert records == [
        {"id": "a.txt", "title": "Rain in Leeds", "body": "It rained."},
        {
            "id": "tech/chips.txt",
            "title": "Chip sales rise",
            "body": "Sales of chips rose 5% in May.\nAnalysts agreed.",
        },
    ]
    report = index_paths([out.parent], settings=settings, embedder=FakeEmbedder())
    assert report.documents == 2 and report.chunks_added == 2


def test_indexing_alternates_the_precisions_and_keeps_each_ones_best_round(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[tuple[str, str]] = []
    speed = {("txt", "bfloat16"): [60.0, 62.0], ("txt", "int8"): [150.0, 140.0], ("jsonl", "bfloat16"): [50.0, 55.0]}
    speed[("jsonl", "int8")] = [110.0, 121.0]

    def index(root: Path, corpus: Path, index: Path, precision: str) -> dict[str, Any]:
        layout = index.name.split("-")[1]  # index-<layout>-<precision>
        runs.append((layout, precision))
        cps = speed[(layout, precision)][runs.count((layout, precision)) - 1]
        rss = 900 if precision == "bfloat16" else 300 + len(runs)  # int8's lowest: its first run
        return {"precision": precision, "chunks": 3850, "chunks_per_s": cps, "index_s": round(3850 / cps, 2),
                "process_s": round(3850 / cps + 2, 2), "peak_rss_mib": rss}  # fmt: skip

    monkeypatch.setattr(indexbench, "_index", index)
    layouts = {"txt": tmp_path / "txt", "jsonl": tmp_path / "jsonl"}
    rows, summary = indexbench.time_indexing(tmp_path, layouts, ("bfloat16", "int8"), rounds=2)
    assert runs == [
        ("txt", "bfloat16"), ("txt", "int8"), ("jsonl", "bfloat16"), ("jsonl", "int8"),
        ("txt", "int8"), ("txt", "bfloat16"), ("jsonl", "int8"), ("jsonl", "bfloat16"),
    ]  # fmt: skip
    assert len(rows) == 8 and rows[4]["round"] == 2
    # txt: best bfloat16 62 (round 2), best int8 150 (round 1): 150 / 62 = 2.419 -> 2.42
    assert summary["txt"]["bfloat16"]["chunks_per_s"] == 62.0 and summary["txt"]["int8"]["chunks_per_s"] == 150.0
    assert summary["txt"]["ratio_int8_to_bfloat16"] == 2.42
    assert summary["txt"]["int8"]["index_s"] == round(3850 / 150, 2) and summary["txt"]["int8"]["peak_rss_mib"] == 302
    # jsonl: 121 / 55 = 2.2
    assert summary["jsonl"]["ratio_int8_to_bfloat16"] == 2.2


class _Shifted(FakeEmbedder):
    """The fake embedder with every vector pulled towards one direction: other neighbours."""

    name = "fake-shifted"

    def embed(self, texts):  # type: ignore[no-untyped-def]
        v = super().embed(texts) + 0.5 / np.sqrt(self.dim)
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def test_retrieval_is_compared_case_by_case_and_vectors_chunk_by_chunk(tmp_path: Path, settings: Settings) -> None:
    root = settings.root
    shutil.copytree(settings.corpus_path, root / "seeds")
    s = settings.model_copy(update={"corpus_dir": root / "seeds"})
    indexes = {"bfloat16": root / "index-a", "int8": root / "index-b"}
    for (_, index), embedder in zip(indexes.items(), (FakeEmbedder(), FakeEmbedder()), strict=True):
        index_paths([s.corpus_path], settings=s.model_copy(update={"index_dir": index}), embedder=embedder)
    cases = tmp_path / "cases.jsonl"
    gold = "there are only about 30 doctors left"
    source = root / "seeds" / "002_75629192de6a8d8b.txt"
    rows = [
        {"id": "c1", "question": "How many doctors are left in eastern Aleppo?", "kind": "single_fact",
         "answer_facts": [["30"]], "gold_passages": [{"source": f"seeds/{source.name}", "quote": gold}]},
        {"id": "c2", "question": "What is the capital of Peru?", "kind": "unanswerable", "answer_facts": [],
         "gold_passages": [], "should_abstain": True},
    ]  # fmt: skip
    cases.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    same = indexbench.retrieval_quality(s, indexes, cases, embedder=FakeEmbedder())
    assert same["cases"] == 2 and same["cases_with_gold"] == 1
    assert same["retrieval_recall_bfloat16"] == same["retrieval_recall_int8"] == 100.0
    assert same["recall_difference_points"] == 0.0 and same["recall_changed"] == {}
    assert same["cases_other_passages"] == same["cases_only_reordered"] == same["cases_other_relevance"] == 0
    vectors = indexbench.vector_agreement(s, indexes)
    assert vectors["chunks"] > 5 and vectors["cosine_min"] == pytest.approx(1.0, abs=1e-5)
    # The second index embedded otherwise: its vectors differ, and so may its neighbours.
    index_paths([s.corpus_path], settings=s.model_copy(update={"index_dir": indexes["int8"]}), embedder=_Shifted())
    moved = indexbench.vector_agreement(s, indexes)
    assert moved["chunks"] == vectors["chunks"] and moved["cosine_min"] < 0.99
    assert moved["cosine_min"] <= moved["cosine_p1"] <= moved["cosine_mean"] < 1.0
