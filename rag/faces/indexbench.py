"""`rag bench --index DIR`: indexing speed with each embedding path, and what int8 changes in retrieval.

The folder is copied into a work folder (never written to) and also written there as one JSONL
export (`write_jsonl`: a record an article). First, in this process: embedding alone on all
cores (`compare_precisions`) and the CPU time a chunk costs on one thread (`one_core`). Then
each layout is indexed afresh with each precision (int8: `rag.index.int8`; and today's torch
path, `before()`: bfloat16 where the CPU computes it natively, else float32), alternating, each
`rag index` in a process of its own: its chunks/s, peak RSS, indexing time and whole process
time. Then, from the indexes of the folder's copy, without the model: each case's retrieval
recall of its gold passages, as `rag eval` scores it (`rag.eval.metrics.passage_spans`,
`gold_recall`; a follow-up question is asked as written, since rewriting it needs the model);
the cases whose retrieved passages, their order or the relevance verdict differ between the two
indexes (only those can get another answer: the rest of the answer path is the same); and the
cosine between the two indexes' vectors of each chunk. Figures are printed and written, never
asserted.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from rag.core.settings import EmbedPrecision, Settings
from rag.index.embeddings import Embedder


def before() -> EmbedPrecision:
    """int8's baseline, the torch path: bfloat16 where the CPU has it natively, else float32 (what
    `embed_precision=auto` chose before it chose int8 on a CPU without native bfloat16)."""
    from rag.index.embeddings import bulk_precision

    return "bfloat16" if bulk_precision("auto") == "bfloat16" else "float32"


def write_jsonl(corpus: Path, dest: Path) -> int:
    """Write the plain-text articles under `corpus` as one JSONL export at `dest`: a record an
    article, `id` its path in the folder, `title` its first line, `body` the rest. Returns the count."""
    from rag.reading.ingest import discover

    n = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", encoding="utf-8") as out:
        for path in discover([corpus]):
            if path.suffix.lower() not in (".txt", ".md"):
                continue
            title, _, body = path.read_text(encoding="utf-8", errors="replace").strip().partition("\n")
            record = {"id": path.relative_to(corpus).as_posix(), "title": title.strip(), "body": body.strip()}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n


def one_core(corpus: Path, precisions: tuple[EmbedPrecision, ...], *, texts_n: int = 128) -> dict[str, Any]:
    """CPU milliseconds a chunk takes on one thread, per precision (torch limited to one thread;
    the int8 model on one worker), best of two rounds, and the last one's speed-up over the first.

    The work a chunk costs, which another busy process changes far less than it changes chunks/s
    on all cores: there torch's threads also wait for each other at every operation.
    """
    import time

    import torch

    from rag.faces.bench import chunk_texts
    from rag.index.embeddings import SentenceTransformerEmbedder, bundled_model_path, load_tokenizer
    from rag.index.int8 import OnnxBert, ensure_int8

    texts = chunk_texts(corpus, texts_n)
    path = bundled_model_path()
    embed = {
        p: OnnxBert(ensure_int8(Path(path), Settings().model_cache_dir), load_tokenizer(path), workers=1).embed
        if p == "int8"
        else SentenceTransformerEmbedder(light_batch=0, precision=p).embed
        for p in precisions
    }
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        cost: dict[str, float] = {}
        for f in embed.values():
            f(texts[:16])  # loads and warm-up, not counted
        for _ in range(2):
            for p, f in embed.items():
                t0 = time.process_time()
                f(texts)
                cost[p] = min(cost.get(p, float("inf")), 1000 * (time.process_time() - t0) / len(texts))
    finally:
        torch.set_num_threads(threads)
    result: dict[str, Any] = {"chunks": len(texts), **{f"{p}_cpu_ms_per_chunk": round(cost[p], 1) for p in cost}}
    first, last = precisions[0], precisions[-1]
    result[f"speedup_{last}_over_{first}"] = round(cost[first] / cost[last], 2)
    return result


def _index(root: Path, corpus: Path, index: Path, precision: str) -> dict[str, Any]:
    """`rag index --json` of `corpus` into a fresh `index` in a process of its own, with `precision`."""
    from rag.faces.bench import _child

    shutil.rmtree(index, ignore_errors=True)
    env = {
        "RAG_ROOT": str(root),
        "RAG_CORPUS_DIR": str(corpus),
        "RAG_INDEX_DIR": str(index),
        "RAG_EMBED_PRECISION": precision,
    }
    text, took, rss = _child(["-m", "rag.faces.cli", "index", "--json"], env)
    report = json.loads(text.strip().splitlines()[-1])
    chunks = int(report["chunks_added"]) + int(report["chunks_unchanged"])
    return {
        "precision": precision,
        "documents": report["documents"],
        "chunks": chunks,
        "index_s": round(report["seconds"], 2),
        "process_s": round(took, 2),
        "chunks_per_s": round(chunks / report["seconds"], 1),
        "peak_rss_mib": rss,
    }


def time_indexing(
    root: Path, layouts: dict[str, Path], precisions: tuple[EmbedPrecision, EmbedPrecision], *, rounds: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Index each layout afresh with each precision (before, after), `rounds` times, alternating.

    Returns the rows and, per layout and precision, the best round (highest chunks/s; the
    lowest peak RSS) with the ratio of the second's chunks/s to the first's.
    """
    rows: list[dict[str, Any]] = []
    for r in range(rounds):
        for layout, corpus in layouts.items():
            order = precisions if r % 2 == 0 else precisions[::-1]
            for p in order:
                row = {"round": r + 1, "layout": layout, **_index(root, corpus, root / f"index-{layout}-{p}", p)}
                rows.append(row)
                print(json.dumps(row), flush=True)
    summary: dict[str, Any] = {}
    for layout in layouts:
        best: dict[str, Any] = {}
        for p in precisions:
            mine = [x for x in rows if x["layout"] == layout and x["precision"] == p]
            top = max(mine, key=lambda x: x["chunks_per_s"])
            best[p] = {k: top[k] for k in ("chunks", "chunks_per_s", "index_s", "process_s")}
            best[p]["peak_rss_mib"] = min(x["peak_rss_mib"] for x in mine)
        a, b = precisions
        best[f"ratio_{b}_to_{a}"] = round(best[b]["chunks_per_s"] / best[a]["chunks_per_s"], 2)
        summary[layout] = best
    return rows, summary


def _retrieve_cases(settings: Settings, cases: list[Any], embedder: Embedder | None) -> list[dict[str, Any]]:
    """Each case's retrieved chunk ids, relevance verdict and retrieval recall, from retrieval alone."""
    from rag.eval.metrics import gold_recall, passage_spans
    from rag.pipeline import Pipeline
    from rag.pipeline.steps import relevant

    pipe = Pipeline(settings, embedder=embedder)
    out = []
    for case in cases:
        found = pipe.retrieve(case.question)
        recall = gold_recall(case, passage_spans(found.passages), settings.root)
        out.append(
            {
                "id": case.id,
                "ids": [p.chunk.id for p in found.passages],
                "relevant": relevant(found, settings=settings),
                "recall": None if np.isnan(recall) else recall,
            }
        )
    return out


def retrieval_quality(
    settings: Settings, indexes: dict[str, Path], cases_file: Path, *, embedder: Embedder | None = None
) -> dict[str, Any]:
    """Retrieval recall (points) over the cases with gold passages, per precision (the first is
    `before`); how many cases get other passages, the same in another order, or another relevance
    verdict; and each case whose recall changed (before, after). `embedder`: the questions'
    (default: the settings' float32 one)."""
    from rag.eval.cases import load_cases

    cases = load_cases(cases_file)
    got = {
        p: _retrieve_cases(settings.model_copy(update={"index_dir": index, "embed_precision": p}), cases, embedder)
        for p, index in indexes.items()
    }
    result: dict[str, Any] = {"cases": len(cases), "follow_ups_asked_as_written": sum(bool(c.history) for c in cases)}
    for p, rows in got.items():
        scored = [r["recall"] for r in rows if r["recall"] is not None]
        result[f"retrieval_recall_{p}"] = round(100 * statistics.fmean(scored), 2) if scored else None
        result["cases_with_gold"] = len(scored)
    a, b = got.values()
    pairs = list(zip(a, b, strict=True))
    recall = [result[f"retrieval_recall_{p}"] for p in got]
    result["recall_difference_points"] = None if None in recall else round(recall[1] - recall[0], 2)
    # What reaches the answer path, which is the same for both indexes: other passages, the same
    # passages in another order, or another verdict on whether anything relevant was found.
    result["cases_other_passages"] = sum(set(x["ids"]) != set(y["ids"]) for x, y in pairs)
    result["cases_only_reordered"] = sum(x["ids"] != y["ids"] and set(x["ids"]) == set(y["ids"]) for x, y in pairs)
    result["cases_other_relevance"] = sum(x["relevant"] != y["relevant"] for x, y in pairs)
    result["recall_changed"] = {x["id"]: [x["recall"], y["recall"]] for x, y in pairs if x["recall"] != y["recall"]}
    return result


def vector_agreement(settings: Settings, indexes: dict[str, Path]) -> dict[str, Any]:
    """Cosine between the two indexes' vectors of each chunk (both are L2-normalised)."""
    from rag.index.store import ChromaStore

    stored = [
        ChromaStore(index / "chroma", create=False, collection=settings.chroma_collection).vectors()
        for index in indexes.values()
    ]
    ids = sorted(set(stored[0]) & set(stored[1]))
    cos = np.array([float(stored[0][i] @ stored[1][i]) for i in ids])
    return {
        "chunks": len(ids),
        "cosine_min": round(float(cos.min()), 5),
        "cosine_p1": round(float(np.percentile(cos, 1)), 5),
        "cosine_mean": round(float(cos.mean()), 5),
    }


def run_index_bench(
    corpus: Path, *, cases: Path | None, rounds: int = 1, out: Path | None = None, work: Path | None = None
) -> dict[str, Any]:
    """`rag bench --index DIR`: see the module docstring. Returns what it writes to `out`."""
    from rag.faces.bench import compare_precisions
    from rag.index.int8 import cores

    if not corpus.is_dir():
        raise ValueError(f"--index {corpus}: not a folder; give a folder of articles (it is copied, not written to)")
    base = Path(tempfile.mkdtemp(prefix="rag-index-bench-", dir=work))
    try:
        copy = base / corpus.resolve().name
        shutil.copytree(corpus, copy)
        records = write_jsonl(copy, base / "jsonl" / f"{copy.name}.jsonl")
        result: dict[str, Any] = {
            "what": "rag bench --index: a fresh `rag index` of the folder and of it as one JSONL export, per precision",
            "corpus": str(corpus),
            "jsonl_records": records,
            "cores": cores(),
        }
        precisions: tuple[EmbedPrecision, EmbedPrecision] = (before(), "int8")
        result["embedding_only"] = compare_precisions(copy, precisions=("float32", *precisions))
        result["one_core"] = one_core(copy, precisions)
        print(json.dumps({k: result[k] for k in ("embedding_only", "one_core")}), flush=True)
        layouts = {"txt": copy, "jsonl": base / "jsonl"}
        result["rows"], result["summary"] = time_indexing(base, layouts, precisions, rounds=rounds)
        settings = Settings().model_copy(update={"root": base, "corpus_dir": copy})
        indexes: dict[str, Path] = {p: base / f"index-txt-{p}" for p in precisions}
        result["vectors"] = vector_agreement(settings, indexes)
        if cases is not None:
            result["retrieval"] = retrieval_quality(settings, indexes, cases)
        print(json.dumps({k: result[k] for k in ("summary", "vectors", "retrieval") if k in result}, indent=1))
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        return result
    finally:
        shutil.rmtree(base, ignore_errors=True)
