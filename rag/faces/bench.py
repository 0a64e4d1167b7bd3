"""`rag bench`: latency figures on the bundled corpus, printed (never asserted).

Index build time (fresh index), retrieval latency p50/p95, prompt tokens, time to first token,
time to first statement and total answer time per question, for the selected-sentences prompt
and for a naive prompt of the top 5 whole chunks, with the ratio between them; and the p50 times
of each answer form (`rag.answering.forms`: a fact, or a summary composed without the model).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from rag.answering.citations import output_schema
from rag.answering.prompting import naive_prompt
from rag.core.settings import EmbedPrecision, Settings
from rag.pipeline import Pipeline

QUESTIONS = (
    "How many doctors remain in eastern Aleppo?",
    "How many people live under siege in east Aleppo?",
    "Which hospital in east Aleppo was hit by barrel bombs?",
    "What did Maria Zakharova warn the US against?",
    "What did MSF say about the hospitals in eastern Aleppo?",
    # the broad forms, composed without the model (issue 24: first statement and whole answer p50)
    "Summarize what happened to the hospitals in Aleppo.",
    "Give me a timeline of the attacks on the M10 hospital.",
    "What are the differing accounts of the death toll in Aleppo?",
)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    idx = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[idx]


def load_questions(path: str | None) -> list[str]:
    """One question per non-empty line of `path`; the built-in QUESTIONS without one."""
    if not path:
        return list(QUESTIONS)
    return [q.strip() for q in Path(path).read_text(encoding="utf-8").splitlines() if q.strip()]


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """`NAME:setting=value,setting=value` (settings as in Settings, e.g. llama_extra_buffers=off)."""
    name, _, spec = text.partition(":")
    change = dict(item.split("=", 1) for item in spec.split(",") if "=" in item)
    if not name or not change or len(change) != len([i for i in spec.split(",") if i]):
        raise ValueError(
            f"--variant {text!r}: write NAME:setting=value[,setting=value], e.g. off:llama_extra_buffers=off"
        )
    unknown = sorted(set(change) - set(Settings.model_fields))
    if unknown:
        raise ValueError(f"--variant {text!r}: no setting named {', '.join(unknown)} (see `rag --help` / README)")
    try:
        Settings.model_validate({**Settings().model_dump(), **change})
    except ValueError as exc:  # pydantic's ValidationError is one
        raise ValueError(f"--variant {text!r}: {str(exc).splitlines()[-2].strip()}") from exc
    return name, change


def run_bench(
    settings: Settings,
    *,
    questions_file: str | None = None,
    naive: bool = True,
    repeat: int = 1,
    out: Path | None = None,
) -> int:
    """`rag bench`: index the corpus, then time each question's answer (first token, first
    statement, total, in seconds on this machine) and, per answer form, the p50s; with `out`, the
    same as JSON (`{"rows": [...], "forms": {form: {"answers", "first_statement_p50_s",
    "total_p50_s"}}}`)."""
    questions = load_questions(questions_file)
    with tempfile.TemporaryDirectory() as tmp:
        s = settings.model_copy(update={"index_dir": Path(tmp) / "index"})
        pipe = Pipeline(s)
        pipe.embedder.embed(["warm-up"])  # model load is not index time
        t0 = time.perf_counter()
        report = pipe.index([s.corpus_path])
        took = time.perf_counter() - t0
        print(f"index build: {took:.2f} s for {report.documents} documents, {report.chunks_added} chunks")

        gen = pipe.generator()
        t0 = time.perf_counter()
        gen.load()
        print(f"model: {gen.name} (load {time.perf_counter() - t0:.1f} s)")
        # Warm-up: the first call also fills the KV cache with the system prompt.
        pipe.ask(questions[0])

        retrieval: list[float] = []
        rows: list[tuple[Any, ...]] = []
        forms: dict[str, list[tuple[float, float]]] = {}  # form: (first statement, total) per answer
        for _ in range(repeat):
            for q in questions:
                a = pipe.ask(q)
                retrieval.append(a.timings["retrieve_s"])
                forms.setdefault(a.form, []).append(
                    (a.timings.get("first_statement_s", float("nan")), a.timings["total_s"])
                )
                rows.append(
                    (
                        "selected",
                        q,
                        a.prompt_tokens,
                        a.timings.get("first_token_s", float("nan")),
                        a.timings.get("first_statement_s", float("nan")),
                        a.timings["total_s"],
                        len(a.statements),
                    )
                )
                if naive:
                    n = _naive_row(pipe, q)
                    rows.append(("naive", q, n["prompt_tokens"], n["first_token_s"], float("nan"), n["total_s"], -1))
        print(f"retrieval latency: p50 {_pct(retrieval, 0.5) * 1000:.0f} ms, p95 {_pct(retrieval, 0.95) * 1000:.0f} ms")
        print(f"{'prompt':9} {'tokens':>6} {'ttft_s':>7} {'first_stmt_s':>12} {'total_s':>8} {'stmts':>5}  question")
        for kind, q, tok, ttft, tfs, total, n in rows:
            print(f"{kind:9} {tok:6d} {ttft:7.2f} {tfs:12.2f} {total:8.2f} {n:5d}  {q}")
        for kind in ("selected", "naive"):
            sel = [r for r in rows if r[0] == kind]
            if sel:
                print(
                    f"mean {kind:9}: prompt {statistics.mean(r[2] for r in sel):.0f} tokens, "
                    f"ttft {statistics.mean(r[3] for r in sel):.2f} s, total {statistics.mean(r[5] for r in sel):.2f} s"
                )
        per_form = _form_summary(forms)
        for form, f in per_form.items():
            first = "none shown" if f["first_statement_p50_s"] is None else f"{f['first_statement_p50_s']:.2f} s"
            total = f["total_p50_s"]
            print(f"form {form:10}: {f['answers']} answers, first statement p50 {first}, total p50 {total:.2f} s")
        sel = [r for r in rows if r[0] == "selected"]
        nai = [r for r in rows if r[0] == "naive"]
        if sel and nai:
            ratio = [
                statistics.mean(r[i] for r in nai) / max(1e-9, statistics.mean(r[i] for r in sel)) for i in (2, 3, 5)
            ]
            print(f"naive / selected: prompt tokens x{ratio[0]:.2f}, ttft x{ratio[1]:.2f}, total x{ratio[2]:.2f}")
        if out is not None:
            _save_bench(out, {"model": gen.name, "corpus": str(s.corpus_path), "index_s": took}, rows, per_form)
    return 0


def _save_bench(out: Path, head: dict[str, Any], rows: list[tuple[Any, ...]], forms: dict[str, Any]) -> None:
    """`rag bench --out`: one run's rows (NaN as null) and per-form p50s, as JSON."""
    keys = ("prompt", "question", "prompt_tokens", "first_token_s", "first_statement_s", "total_s", "statements")
    data = {
        "what": "rag bench: seconds per answer on this machine, one run",
        **head,
        "rows": [dict(zip(keys, [None if v != v else v for v in r], strict=True)) for r in rows],
        "forms": forms,
    }
    out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


def _form_summary(forms: dict[str, list[tuple[float, float]]]) -> dict[str, dict[str, Any]]:
    """Per answer form: answers, first statement p50 (None when every answer abstained) and total p50, in s."""
    summary: dict[str, dict[str, Any]] = {}
    for form, times in forms.items():
        firsts = [t for t, _ in times if t == t]  # NaN: an abstention shows no statement
        summary[form] = {
            "answers": len(times),
            "first_statement_p50_s": _pct(firsts, 0.5) if firsts else None,
            "total_p50_s": _pct([t for _, t in times], 0.5),
        }
    return summary


def _naive_row(pipe: Pipeline, question: str) -> dict[str, Any]:
    """The baseline: the model answers from the top 5 whole chunks (every sentence numbered), not
    from the selected sentences; timed from the prompt to the end of the reply."""
    s = pipe.settings
    found = pipe.retrieve(question, top=5)
    prompt = naive_prompt(question, found.passages, max_statements=s.max_statements, style=s.answer_style)
    gen = pipe.generator()
    t0 = time.perf_counter()
    gen.generate(
        prompt.messages(), schema=output_schema(s.max_statements, s.answer_style), max_tokens=s.max_answer_tokens
    )
    u = gen.last_usage
    return {
        "question": question,
        "prompt_tokens": u.prompt_tokens,
        "cached_tokens": u.cached_tokens,
        "first_token_s": u.first_token_s,
        "total_s": time.perf_counter() - t0,
    }


def _answer_row(pipe: Pipeline, question: str) -> dict[str, Any]:
    """Ask once; the answer's timings with the model's token counts and reading/writing speeds."""
    a = pipe.ask(question)
    u = pipe.generator().last_usage
    called = "first_token_s" in a.timings  # a false premise or an empty retrieval never calls the model
    read = u.prompt_tokens - u.cached_tokens if called else 0
    write_s = u.total_s - u.first_token_s
    return {
        "question": question,
        "abstained": a.abstained,
        "statements": len(a.statements),
        "text": a.text,
        "prompt_tokens": u.prompt_tokens if called else 0,
        "cached_tokens": u.cached_tokens if called else 0,
        "completion_tokens": u.completion_tokens if called else 0,
        "read_tok_s": round(read / u.first_token_s, 1) if called and u.first_token_s > 0 else None,
        "write_tok_s": round((u.completion_tokens - 1) / write_s, 1) if called and write_s > 0 else None,
        "first_token_s": a.timings.get("first_token_s"),
        "first_statement_s": a.timings.get("first_statement_s"),
        "verify_s": a.timings.get("verify_s"),
        "total_s": a.timings["total_s"],
    }


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def p50(key: str) -> float | None:
        vals = [r[key] for r in rows if r.get(key) is not None]
        return round(statistics.median(vals), 3) if vals else None

    return {
        "first_statement_p50_s": p50("first_statement_s"),
        "total_p50_s": p50("total_s"),
        "first_token_p50_s": p50("first_token_s"),
        "verify_p50_s": p50("verify_s"),
        "read_tok_s_p50": p50("read_tok_s"),
        "write_tok_s_p50": p50("write_tok_s"),
        "prompt_tokens_p50": p50("prompt_tokens"),
        "cached_tokens_p50": p50("cached_tokens"),
        "completion_tokens_p50": p50("completion_tokens"),
        "answered": sum(not r["abstained"] for r in rows),
    }


def _naive_summary(naive: list[dict[str, Any]], rounds: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """The naive top-5-chunks prompt against the first variant's selected sentences, same questions."""
    called = [r for rows in rounds for r in rows if r["first_token_s"] is not None]
    asked = {r["question"] for r in called}
    base = [r for r in naive if r["question"] in asked]  # questions whose model call the selection made

    def p50(rows: list[dict[str, Any]], key: str) -> float:
        return float(statistics.median(r[key] for r in rows))

    return {
        "what": "the first variant's settings and model, prompt of the top 5 whole chunks; only questions where the "
        "selected prompt also reached the model (not false premises)",
        "questions": len(base),
        "prompt_tokens_p50": p50(base, "prompt_tokens"),
        "first_token_p50_s": round(p50(base, "first_token_s"), 3),
        "total_p50_s": round(p50(base, "total_s"), 3),
        "ratio_prompt_tokens": round(p50(base, "prompt_tokens") / p50(called, "prompt_tokens"), 3),
        "ratio_first_token": round(p50(base, "first_token_s") / p50(called, "first_token_s"), 3),
        "rows": naive,
    }


def compare_settings(
    settings: Settings,
    variants: dict[str, dict[str, Any]],
    *,
    questions: list[str],
    rounds: int,
    out: Path | None,
    naive: bool = True,
) -> dict[str, Any]:
    """Time settings variants against the first one in one process, alternating question by question.

    Every variant gets its own Pipeline (and model, where a load parameter differs) over one
    index of the bundled corpus. Per round and variant: p50 of time to first statement
    (answered questions), total time, time to first token, reading and writing tokens/s; the
    ratio to the first variant is the median over rounds of the per-round ratios.
    """
    import json

    from rag.core.machine import cpu_info

    with tempfile.TemporaryDirectory() as tmp:
        base = settings.model_copy(update={"index_dir": Path(tmp) / "index"})
        # Validated like the environment's values: "off" becomes the setting's type, a typo an error.
        pipes = {name: Pipeline(Settings.model_validate({**base.model_dump(), **c})) for name, c in variants.items()}
        first = next(iter(pipes.values()))
        first.index([base.corpus_path])
        for pipe in pipes.values():
            pipe.ask(questions[0])  # model load and the system prompt's KV cache are not timed
        raw: dict[str, list[list[dict[str, Any]]]] = {name: [] for name in pipes}
        naive_rows: list[dict[str, Any]] = []
        for r in range(rounds):
            for name in pipes:
                raw[name].append([])
            for q in questions:
                for name, pipe in pipes.items():
                    raw[name][r].append(_answer_row(pipe, q))
                if naive:
                    naive_rows.append(_naive_row(first, q))
            for name in pipes:
                print(f"round {r + 1} {name}: {_summary(raw[name][r])}")
    keys = ("first_statement_p50_s", "total_p50_s", "first_token_p50_s", "read_tok_s_p50", "write_tok_s_p50")
    names = list(pipes)
    per_round = {name: [_summary(rows) for rows in raw[name]] for name in names}
    ratios = {}
    for name in names[1:]:
        pairs = list(zip(per_round[name], per_round[names[0]], strict=True))
        both = [k for k in keys if all(a[k] and b[k] for a, b in pairs)]
        ratios[name] = {k: round(statistics.median(a[k] / b[k] for a, b in pairs), 3) for k in both}
    cpu = cpu_info()
    result = {
        "what": "rag bench --variants: settings variants over the bundled corpus, alternating question by question; "
        "ratio = variant / first variant per round, median over rounds",
        "machine": {"cpu": cpu.model, "cores": cpu.cores, "flags": list(cpu.flags)},
        "model": first.generator().name,
        "variants": variants,
        "questions": questions,
        "overall": {name: _summary([row for rows in raw[name] for row in rows]) for name in names},
        "rounds": per_round,
        "ratio_to_first": ratios,
        "naive": _naive_summary(naive_rows, raw[names[0]]) if naive_rows else None,
        "raw": raw,
    }
    print(json.dumps({"overall": result["overall"], "ratio_to_first": ratios}, indent=1))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


# Runs in a child process with one source tree first on sys.path: only the public API that every
# version has (Settings, Pipeline.index, Pipeline.ask, Answer.timings) is used.
_CHILD = """
import json, sys, tempfile
from pathlib import Path
import rag
from rag.pipeline import Pipeline
from rag.core.settings import Settings
tree, questions = Path(sys.argv[1]), json.loads(sys.argv[2])
with tempfile.TemporaryDirectory() as tmp:
    pipe = Pipeline(Settings(root=tree, corpus_dir=tree / "seeds", index_dir=Path(tmp) / "index"))
    pipe.index()
    pipe.ask(questions[0])  # warm-up: model load and the system prompt's cache
    rows = []
    for q in questions:
        a = pipe.ask(q)
        rows.append({"question": q, "abstained": a.abstained, "statements": len(a.statements),
                     "first_statement_s": a.timings.get("first_statement_s"), "total_s": a.timings["total_s"]})
print("@@" + json.dumps({"code": rag.__file__, "rows": rows}))
"""


def _p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _run_tree(tree: Path, questions: list[str]) -> list[dict[str, Any]]:
    import json

    text, _, _ = _child(["-c", _CHILD, str(tree), json.dumps(questions)], {"PYTHONPATH": str(tree)}, cwd=tree)
    got = json.loads(_marked(text))
    if not Path(got["code"]).resolve().is_relative_to(tree.resolve()):
        raise RuntimeError(f"the benchmark child for {tree} ran the code in {got['code']}: check PYTHONPATH")
    rows: list[dict[str, Any]] = got["rows"]
    return rows


def _marked(text: str) -> str:
    """The child's result line (after its `@@` mark)."""
    line = next((x for x in text.splitlines() if x.startswith("@@")), None)
    if line is None:
        raise RuntimeError(f"the benchmark child printed no result: {text[-500:]}")
    return line[2:]


def compare_trees(before: Path, after: Path, *, questions: list[str], rounds: int, out: Path | None) -> dict[str, Any]:
    """Time to first statement and total time, p50, of two source trees, alternating in one run.

    Each round runs `before` then `after` (fresh process, fresh index, one warm-up question),
    so both meet the same machine state; the ratio is after/before per round, then the median.

    Args:
        before: a checkout of the old commit (e.g. `git worktree add /tmp/before <commit>`).
        after: the new tree (this checkout).
        questions: the questions, asked in order.
        rounds: how many alternating rounds.
        out: where to write the JSON, if anywhere.
    """
    import json

    per: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    raw: dict[str, list[list[dict[str, Any]]]] = {"before": [], "after": []}
    for r in range(rounds):
        for name, tree in (("before", before), ("after", after)):
            rows = _run_tree(tree, questions)
            raw[name].append(rows)
            first = [x["first_statement_s"] for x in rows if x["first_statement_s"] is not None]
            per[name].append(
                {
                    "first_statement_p50_s": _p50(first),
                    "total_p50_s": _p50([x["total_s"] for x in rows]),
                    "answered": sum(not x["abstained"] for x in rows),
                }
            )
            print(f"round {r + 1} {name}: {per[name][-1]}")
    ratios = {
        key: statistics.median(a[key] / b[key] for a, b in zip(per["after"], per["before"], strict=True))
        for key in ("first_statement_p50_s", "total_p50_s")
    }
    result = {
        "what": "time to first statement (answered questions) and total time (all), p50 per round; "
        "ratio = after / before per round, median over rounds",
        "before": str(before),
        "after": str(after),
        "questions": questions,
        "rounds": per,
        "ratio_after_to_before": ratios,
        "raw": raw,
    }
    print(json.dumps({"rounds": per, "ratio_after_to_before": ratios}, indent=1))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


# Runs in a fresh process: open the index, retrieve for every question (timed), answer some.
_SCALE_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from rag.pipeline import Pipeline
from rag.core.settings import Settings
conf, questions, answer_n = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
pipe = Pipeline(Settings(**conf))
pipe.retrieve(questions[0]["question"])
ready = time.perf_counter() - t0
lat, found = [], 0
for q in questions:
    t = time.perf_counter()
    r = pipe.retrieve(q["question"])
    lat.append(time.perf_counter() - t)
    found += any(p.chunk.source.endswith(q["source"]) for p in r.passages)
from rag.index.store import ChromaStore
store = ChromaStore(pipe.settings.index_path / "chroma", create=False, collection=pipe.settings.chroma_collection)
vectors = pipe.embedder.embed([q["question"] for q in questions[:10]])
top = [[c.id for c, _ in store.query(v, 5)] for v in vectors]
answers = []
for q in questions[:answer_n]:
    a = pipe.ask(q["question"])
    answers.append({"question": q["question"], "expected": q["answer"], "answer": a.text,
                    "correct": q["answer"] in a.text, "total_s": a.timings["total_s"]})
print("@@" + json.dumps({"ready_s": ready, "retrieval_s": lat, "retrieved_source": found, "answers": answers,
                        "top_ids": top}))
"""


# Run first in a benchmark child: at exit it writes its own peak resident set (VmHWM of its memory
# map, which starts at exec) to the file named by RAG_BENCH_PEAK. The rusage `ru_maxrss` of a child
# also counts the memory of the parent it was forked from, so a large test runner or a large
# earlier phase would show as the child's peak.
_PEAK = (
    "import atexit as _a, os as _o\n"
    "def _peak():\n"
    "    for _l in open('/proc/self/status'):\n"
    "        if _l.startswith('VmHWM:'):\n"
    "            open(_o.environ['RAG_BENCH_PEAK'], 'w').write(_l.split()[1])\n"
    "_a.register(_peak)\n"
)


def _peak_args(args: list[str]) -> list[str]:
    """`args` for `python` run with `_PEAK` first: `-c CODE`, `-m MODULE` or a script path."""
    if args[0] == "-c":
        return ["-c", _PEAK + args[1], *args[2:]]
    if args[0] == "-m":
        run = "import runpy, sys; runpy.run_module(sys.argv.pop(1), run_name='__main__')"
        return ["-c", _PEAK + run, *args[1:]]
    return ["-c", _PEAK + "import runpy, sys; sys.argv.pop(0); runpy.run_path(sys.argv[0], run_name='__main__')", *args]


def _child(args: list[str], env: dict[str, str], *, cwd: Path | None = None) -> tuple[str, float, int]:
    """Run a child python, returning (stdout, seconds, peak RSS of that child alone, in MiB)."""
    import os
    import subprocess
    import sys

    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err, tempfile.TemporaryDirectory() as tmp:
        peak = Path(tmp) / "peak"
        proc = subprocess.Popen(
            [sys.executable, *_peak_args(args)],
            env={**os.environ, **env, "RAG_BENCH_PEAK": str(peak)},
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        took = time.perf_counter() - t0
        if code:
            err.seek(0)
            raise RuntimeError(f"benchmark child failed ({code}): {' '.join(args)[:200]}\n{err.read()[-2000:]}")
        # VmHWM in kB; without it (the child ended without running atexit), rusage's larger figure
        kib = int(peak.read_text()) if peak.exists() else int(usage.ru_maxrss)
    return out, took, kib // 1024


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def chunk_texts(corpus: Path, n: int) -> list[str]:
    """What the indexer embeds for the first `n` chunks of `corpus` (the title before each chunk)."""
    from rag.reading.chunking import chunk_document
    from rag.reading.ingest import discover, load_document

    s = Settings()
    texts: list[str] = []
    for path in discover([corpus]):
        doc, _ = load_document(path, root=corpus, max_bytes=s.max_file_bytes)
        if doc is not None:
            chunks = chunk_document(doc, target_tokens=s.chunk_tokens, max_tokens=s.chunk_max_tokens)
            texts += [c.embedding_text() for c in chunks]
        if len(texts) >= n:
            break
    return texts[:n]


def compare_precisions(
    corpus: Path, *, texts_n: int = 256, precisions: tuple[EmbedPrecision, ...] = ("float32", "bfloat16", "int8")
) -> dict[str, Any]:
    """Embed the first `texts_n` chunks of `corpus` in each precision, alternately, in this process.

    Returns each one's chunks/s (best of two rounds), each one's ratio to the first and the
    cosines between a chunk's vectors (`min_cosine`: bfloat16 against float32; `cosine_P`: the
    smallest and mean of P against the first); `chosen` is what `embed_precision=auto` picks.
    """
    from rag.index.embeddings import SentenceTransformerEmbedder, bulk_precision

    texts = chunk_texts(corpus, texts_n)
    embedders = {p: SentenceTransformerEmbedder(precision=p) for p in precisions}
    for e in embedders.values():
        e.embed(texts[:32])  # model load (and the int8 export) and warm-up are not timed
    rate: dict[str, float] = {}
    vecs: dict[str, np.ndarray] = {}
    for _ in range(2):
        for p, e in embedders.items():
            t0 = time.perf_counter()
            vecs[p] = e.embed(texts)
            rate[p] = max(rate.get(p, 0.0), len(texts) / (time.perf_counter() - t0))
    first = precisions[0]
    result: dict[str, Any] = {"chunks": len(texts)}
    result.update({f"{p}_chunks_per_s": round(rate[p], 1) for p in precisions})
    for p in precisions[1:]:
        cosine = (vecs[first] * vecs[p]).sum(1)
        result[f"ratio_{p}_to_{first}"] = round(rate[p] / rate[first], 2)
        result[f"cosine_{p}"] = {"min": round(float(cosine.min()), 6), "mean": round(float(cosine.mean()), 6)}
    if "bfloat16" in vecs and "float32" in vecs:
        result["min_cosine"] = round(float((vecs["float32"] * vecs["bfloat16"]).sum(1).min()), 6)
    if "int8" in rate and "bfloat16" in rate:
        result["ratio_int8_to_bfloat16"] = round(rate["int8"] / rate["bfloat16"], 2)
    result["chosen"] = bulk_precision("auto")
    return result


def _server_restart(chroma_dir: Path, questions: list[str], embedded_top: list[list[str]]) -> dict[str, Any]:
    """`chroma run` over the embedded index's own folder: the count and each question's top 5 as embedded."""
    from rag.index.embeddings import SentenceTransformerEmbedder
    from rag.index.store import ChromaStore
    from rag.model.processes import chroma_server

    vectors = SentenceTransformerEmbedder().embed(questions)
    t0 = time.perf_counter()
    with chroma_server(chroma_dir, timeout=300) as url:
        store = ChromaStore(url=url, collection=Settings().chroma_collection)
        top = [[c.id for c, _ in store.query(vectors[0], 5)]]
        took = time.perf_counter() - t0  # the server's start, its index loaded, one query answered
        top += [[c.id for c, _ in store.query(v, 5)] for v in vectors[1:]]
        count = store.count()
    same = sum(a == b for a, b in zip(top, embedded_top, strict=True))
    return {"chunks": count, "start_to_first_query_s": round(took, 2), "same_top5": f"{same}/{len(top)}"}


def _scale_archive(n: int, *, resume: Path | None, work: Path | None, seed: int) -> tuple[Path, Path, list[Any]]:
    """(run folder, corpus, planted facts) of an archive of `n` articles plus seeds/: written anew, or
    the one of an earlier run (`resume`), checked to be that archive."""
    import os
    import shutil

    from rag.faces.archive import write_archive

    if resume is not None:
        base, corpus = resume, resume / "corpus"
        with tempfile.TemporaryDirectory(dir=work) as tmp:  # the same seed plants the same questions
            planted = write_archive(Path(tmp), n, seed=seed, planted_every=max(10, n // 20))
            sample = planted[0].source
            if (Path(tmp) / sample).read_bytes() != (corpus / "archive" / sample).read_bytes():
                raise ValueError(f"{resume} is not an archive of {n} articles with seed {seed}")
        return base, corpus, planted
    base = Path(tempfile.mkdtemp(prefix=f"rag-scale-{n}-", dir=work))
    corpus = base / "corpus"
    planted = write_archive(corpus / "archive", n, seed=seed, planted_every=max(10, n // 20))
    shutil.copytree(Path(__file__).resolve().parents[2] / "seeds", corpus / "seeds")
    # An archive is old: files written in the indexer's last two seconds would be read again by
    # the next run (their time is not trusted), which is not what re-indexing one edit costs.
    old = time.time() - 3600
    for f in corpus.rglob("*.txt"):
        os.utime(f, (old, old))
    return base, corpus, planted


def run_scale(
    sizes: list[int],
    *,
    out: Path | None,
    answers: int,
    work: Path | None = None,
    seed: int = 7,
    resume: Path | None = None,
) -> dict[str, Any]:
    """`rag bench --scale`: the archive at each size in articles, indexed, reopened, queried, answered.

    Per size: indexing time and chunks/s, index size on disk, peak RSS of the indexer, time from
    a new process's start to its first retrieval (the index reopened after a restart), retrieval
    p50/p95 over the planted-fact questions, re-indexing one edited article, and answer
    correctness on `answers` planted questions with the seeds mixed into the archive.

    `resume`: the folder of an earlier run of one size (`rag-scale-N-*`) whose indexing finished
    but whose later steps did not; its index is finished by `rag index` (nothing to embed) and
    measured as a fresh one would be, except that the first indexing time is not known.
    """
    import json
    import shutil

    from rag.faces.archive import write_archive

    results: list[dict[str, Any]] = []
    result: dict[str, Any] = {
        "what": "rag bench --scale: the synthetic archive (rag/faces/archive.py) plus seeds/",
        "rows": results,
    }
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        write_archive(Path(tmp), 100, seed=seed)
        result["embedding_precision"] = compare_precisions(Path(tmp))
    print(json.dumps({"embedding_precision": result["embedding_precision"]}))
    if resume is not None and len(sizes) != 1:
        raise ValueError("--resume takes one --scale size: the size of the run it finishes")
    for n in sizes:
        base, corpus, planted = _scale_archive(n, resume=resume, work=work, seed=seed)
        env = {"RAG_ROOT": str(base), "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(base / "index")}
        text, took, rss = _child(["-m", "rag.faces.cli", "index", "--json"], env)
        report = json.loads(text)
        chunks = report["chunks_added"] + report["chunks_unchanged"]
        conf = {"root": str(base), "corpus_dir": str(corpus), "index_dir": str(base / "index")}
        qs = [{"question": p.question, "answer": p.answer, "source": p.source} for p in planted]
        text, _, rss_q = _child(["-c", _SCALE_CHILD, json.dumps(conf), json.dumps(qs), str(answers)], env)
        got = json.loads(_marked(text))
        server = _server_restart(base / "index" / "chroma", [q["question"] for q in qs[:10]], got["top_ids"])
        edited = corpus / "archive" / planted[0].source
        edited.write_text(edited.read_text(encoding="utf-8") + "\nA late paragraph was added by the editors.\n")
        text, reindex_s, _ = _child(["-m", "rag.faces.cli", "index", "--json"], env)
        again = json.loads(text)
        lat = sorted(got["retrieval_s"])
        row = {
            "articles": n + 5,
            "chunks": chunks,
            "index_s": None if resume else round(took, 1),
            "chunks_per_s": None if resume else round(chunks / took, 1),
            "resumed_index_s": round(took, 1) if resume else None,  # finishing an indexed run: nothing embedded
            "index_mib": round(_du(base / "index") / 2**20, 1),
            "indexer_peak_rss_mib": rss,
            "process_start_to_ready_s": round(got["ready_s"], 2),
            "retrieval_p50_ms": round(1000 * _pct(lat, 0.5), 1),
            "retrieval_p95_ms": round(1000 * _pct(lat, 0.95), 1),
            "planted_source_retrieved": f"{got['retrieved_source']}/{len(qs)}",
            "reindex_one_article_s": round(reindex_s, 2),  # the whole `rag index` process
            "reindex_one_article_work_s": round(again["seconds"], 2),  # its indexing, less start-up
            "reindex_chunks_embedded": again["chunks_added"],
            "answer_correct": f"{sum(a['correct'] for a in got['answers'])}/{len(got['answers'])}",
            "answers": got["answers"],
            "query_process_peak_rss_mib": rss_q,
            "chroma_server_restart": server,
        }
        results.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "answers"}))
        if resume is None:
            shutil.rmtree(base, ignore_errors=True)
        if out is not None:  # after every size: a long run stopped at a larger size keeps the smaller ones
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result
