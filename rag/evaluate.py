"""`rag eval`: the citation-faithfulness suite.

Metrics (per case, then averaged overall and per kind; NaN where nothing can be judged):
- answer_correctness: share of `answer_facts` present in the answer (a fact is a list of accepted
  alternatives); for cases that should abstain, 1 when the answer abstains, else 0.
- citation_recall (ALCE): share of statements whose citations, taken together, support them.
- citation_precision (ALCE): share of citations that are needed: a citation is irrelevant when it
  alone does not support its statement and the statement's other citations still do without it.
- support_rate: share of shown statements the pipeline itself marked verified.
- offset_validity: share of citations with file[start:end] == quote (must be 1.0).
- gold_citation_recall: share of gold passages that some citation overlaps.
- retrieval_recall: share of gold passages that some retrieved passage overlaps (recall@k).
- abstention precision/recall (over the whole run): positives are cases that should abstain.
- first_statement_s, total_s, prompt_tokens.
Support is judged by a `Judge` (default: the project's verifier); a second judge can be
plugged in, and the report gives the agreement between judges.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.ingest import resolve_source
from rag.types import Answer, Citation

KINDS = ("single_fact", "multi_source", "conflicting", "numeric", "quote", "follow_up", "unanswerable", "adversarial")
METRICS = (
    "answer_correctness",
    "citation_recall",
    "citation_precision",
    "support_rate",
    "offset_validity",
    "gold_citation_recall",
    "retrieval_recall",
)
NAN = float("nan")
# What `rag eval --ci` must reach (CI gate): exact offsets always; the rest leave room for a
# 1.5B model on ten cases.
DEFAULT_MINIMUMS = {
    "offset_validity": 1.0,
    "answer_correctness": 0.6,
    "citation_recall": 0.8,
    "abstention_recall": 0.5,
}

SupportFn = Callable[[str, Sequence[Citation]], bool]


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    question: str
    kind: str
    answer_facts: tuple[tuple[str, ...], ...]
    gold_passages: tuple[dict[str, str], ...]
    should_abstain: bool
    history: tuple[tuple[str, str], ...] = ()
    ci: bool = False


def load_cases(path: Path) -> list[Case]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        facts = tuple(tuple(f) if isinstance(f, list) else (f,) for f in d.get("answer_facts", []))
        out.append(
            Case(
                d["id"],
                d["question"],
                d["kind"],
                facts,
                tuple(d.get("gold_passages", [])),
                bool(d.get("should_abstain", d["kind"] == "unanswerable")),
                tuple((h[0], h[1]) for h in d.get("history", [])),
                bool(d.get("ci", False)),
            )
        )
    return out


def mean(values: Sequence[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    return statistics.fmean(vals) if vals else NAN


# --- pure metric functions -----------------------------------------------------------------------
def answer_correctness(case: Case, a: Answer) -> float:
    if case.should_abstain:
        return 1.0 if a.abstained else 0.0
    if not case.answer_facts:
        return NAN
    if a.abstained:
        return 0.0
    text = a.text.casefold().replace("’", "'")
    hits = [any(alt.casefold().replace("’", "'") in text for alt in fact) for fact in case.answer_facts]
    return sum(hits) / len(hits)


def citation_recall(a: Answer, supports: SupportFn) -> float:
    if not a.statements:
        return NAN
    return mean([1.0 if supports(st.text, st.citations) else 0.0 for st in a.statements])


def citation_precision(a: Answer, supports: SupportFn) -> float:
    flags = []
    for st in a.statements:
        for i, c in enumerate(st.citations):
            alone = supports(st.text, [c])
            rest = [x for j, x in enumerate(st.citations) if j != i]
            rest_ok = bool(rest) and supports(st.text, rest)
            flags.append(1.0 if alone or not rest_ok else 0.0)
    return mean(flags) if flags else NAN


def support_rate(a: Answer) -> float:
    if not a.statements:
        return NAN
    return mean([1.0 if st.verified else 0.0 for st in a.statements])


def offset_validity(a: Answer, root: Path) -> float:
    cites = [c for st in a.statements for c in st.citations]
    if not cites:
        return NAN
    ok = 0
    for c in cites:
        try:
            text = resolve_source(c.source, root).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        ok += text[c.start : c.end] == c.quote
    return ok / len(cites)


def _overlaps(source: str, start: int, end: int, gold: dict[str, Any], root: Path, cache: dict[str, str]) -> bool:
    if source != gold["source"]:
        return False
    if gold["source"] not in cache:
        cache[gold["source"]] = resolve_source(gold["source"], root).read_text(encoding="utf-8")
    g0 = cache[gold["source"]].find(gold["quote"])
    return g0 >= 0 and start < g0 + len(gold["quote"]) and g0 < end


def gold_recall(case: Case, spans: Sequence[tuple[str, int, int]], root: Path) -> float:
    if not case.gold_passages:
        return NAN
    cache: dict[str, str] = {}
    hit = [any(_overlaps(s, a, b, g, root, cache) for s, a, b in spans) for g in case.gold_passages]
    return sum(hit) / len(hit)


def abstention(results: Sequence[tuple[Case, Answer]]) -> dict[str, float]:
    should = [c.should_abstain for c, _ in results]
    did = [a.abstained for _, a in results]
    tp = sum(s and d for s, d in zip(should, did, strict=True))
    return {
        "abstention_precision": tp / sum(did) if sum(did) else NAN,
        "abstention_recall": tp / sum(should) if sum(should) else NAN,
    }


def agreement(a: Sequence[bool], b: Sequence[bool]) -> dict[str, float]:
    """Share of equal verdicts and Cohen's kappa between two judges."""
    n = len(a)
    if n == 0:
        return {"agreement": NAN, "kappa": NAN, "n": 0}
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    kappa = (po - pe) / (1 - pe) if pe < 1 else NAN
    return {"agreement": po, "kappa": kappa, "n": n}


def score_case(case: Case, a: Answer, supports: SupportFn, root: Path) -> dict[str, float]:
    cites = [(c.source, c.start, c.end) for st in a.statements for c in st.citations]
    retrieved = [(p.chunk.source, p.chunk.start, p.chunk.end) for p in a.passages]
    retrieved += [(d.source, d.start, d.end) for p in a.passages for d in p.duplicates]
    return {
        "answer_correctness": answer_correctness(case, a),
        "citation_recall": citation_recall(a, supports),
        "citation_precision": citation_precision(a, supports),
        "support_rate": support_rate(a),
        "offset_validity": offset_validity(a, root),
        "gold_citation_recall": NAN if a.abstained and case.should_abstain else gold_recall(case, cites, root),
        "retrieval_recall": gold_recall(case, retrieved, root),
        "first_statement_s": a.timings.get("first_statement_s", NAN),
        "total_s": a.timings.get("total_s", NAN),
        "prompt_tokens": float(a.prompt_tokens),
    }


def aggregate(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    keys = [*METRICS, "first_statement_s", "total_s", "prompt_tokens"]
    overall = {k: mean([r["scores"][k] for r in rows]) for k in keys}
    per_kind = {
        kind: {k: mean([r["scores"][k] for r in rows if r["kind"] == kind]) for k in keys}
        | {"cases": sum(r["kind"] == kind for r in rows)}
        for kind in KINDS
        if any(r["kind"] == kind for r in rows)
    }
    return {"overall": overall, "per_kind": per_kind}


# --- running ------------------------------------------------------------------------------------
def run_cases(
    pipe: Any,
    cases: Sequence[Case],
    supports: SupportFn,
    *,
    model: str | None = None,
    second: SupportFn | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, Any]:
    root = pipe.settings.root
    rows: list[dict[str, Any]] = []
    results: list[tuple[Case, Answer]] = []
    verdicts_a: list[bool] = []
    verdicts_b: list[bool] = []
    t0 = time.perf_counter()
    for i, case in enumerate(cases):
        if progress:
            progress(i, len(cases), case.id)
        a = pipe.ask(case.question, model=model, history=case.history)
        results.append((case, a))
        scores = score_case(case, a, supports, root)
        if second is not None:
            for st in a.statements:
                verdicts_a.append(supports(st.text, st.citations))
                verdicts_b.append(second(st.text, st.citations))
        rows.append(
            {
                "id": case.id,
                "kind": case.kind,
                "question": case.question,
                "should_abstain": case.should_abstain,
                "answer": a.to_dict(),
                "scores": scores,
            }
        )
    if progress:
        progress(len(cases), len(cases), "")
    summary = aggregate(rows)
    summary["overall"].update(abstention(results))
    report: dict[str, Any] = {
        "model": results[0][1].model if results else "",
        "cases": len(rows),
        "seconds": time.perf_counter() - t0,
        "summary": summary,
        "rows": rows,
    }
    if second is not None:
        report["judge_agreement"] = agreement(verdicts_a, verdicts_b)
    return report


def failed_thresholds(report: dict[str, Any], minimums: dict[str, float]) -> list[str]:
    overall = report["summary"]["overall"]
    out = []
    for name, minimum in minimums.items():
        value = overall.get(name, NAN)
        if math.isnan(value) or value < minimum:
            out.append(f"{name} = {value:.3f} < {minimum}")
    return out


# --- reporting ----------------------------------------------------------------------------------
def _f(v: float) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"


def markdown(report: dict[str, Any]) -> str:
    s = report["summary"]
    cols = [*METRICS, "first_statement_s", "total_s"]
    lines = [f"# Citation-faithfulness report — {report['model']}, {report['cases']} cases", ""]
    lines += ["## Overall", "", "| metric | value |", "|---|---|"]
    for k, v in s["overall"].items():
        lines.append(f"| {k} | {_f(v)} |")
    if "judge_agreement" in report:
        ja = report["judge_agreement"]
        lines.append(f"| judge agreement (kappa) | {_f(ja['agreement'])} ({_f(ja['kappa'])}, n={ja['n']}) |")
    if "verifier_on_labels" in report:
        lines.append(f"| verifier accuracy on labelled set (held-out) | {_f(report['verifier_on_labels'])} |")
    lines += ["", "## Per kind", "", "| kind | cases | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
    for kind, m in s["per_kind"].items():
        lines.append(f"| {kind} | {m['cases']} | " + " | ".join(_f(m[c]) for c in cols) + " |")
    lines += ["", "## Worst 10 cases", ""]
    worst = sorted(report["rows"], key=lambda r: _badness(r["scores"]))[:10]
    for r in worst:
        a = r["answer"]
        lines.append(f"### {r['id']} ({r['kind']}): {r['question']}")
        sc = r["scores"]
        lines.append(
            f"correctness {_f(sc['answer_correctness'])}, citation recall {_f(sc['citation_recall'])}, "
            f"abstained {a['abstained']}"
        )
        lines.append("")
        lines.append("| statement | cited passage |")
        lines.append("|---|---|")
        for st in a["statements"] + a.get("rejected_statements", []):
            tag = "" if st.get("verified", True) else " *(rejected: " + (st.get("reason") or "") + ")*"
            quotes = "<br>".join(f"`{c['source']}:{c['start']}-{c['end']}` {c['quote']}" for c in st["citations"])
            lines.append(f"| {st['text'].replace('|', '/')}{tag} | {quotes.replace('|', '/')} |")
        if not a["statements"]:
            lines.append(f"| *{a['answer']}* | |")
        lines.append("")
    return "\n".join(lines)


def _badness(scores: dict[str, float]) -> tuple[float, float]:
    c = scores["answer_correctness"]
    r = scores["citation_recall"]
    return (0.5 if math.isnan(c) else c, 0.5 if math.isnan(r) else r)


def chart(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per = report["summary"]["per_kind"]
    kinds = list(per)
    metrics = [
        "answer_correctness",
        "citation_recall",
        "citation_precision",
        "gold_citation_recall",
        "retrieval_recall",
    ]
    fig, ax = plt.subplots(figsize=(11, 5.2))
    width = 0.8 / len(metrics)
    for i, m in enumerate(metrics):
        vals = [0 if math.isnan(per[k][m]) else per[k][m] for k in kinds]
        ax.bar([x + i * width for x in range(len(kinds))], vals, width, label=m)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(kinds))], kinds, rotation=20)
    ax.set_ylim(0, 1.05)
    ax.set_title(f"Metrics per kind — {report['model']}")
    ax.legend(fontsize=8, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(report: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(_no_nan(report), indent=1, ensure_ascii=False), encoding="utf-8")
    (out / "report.md").write_text(markdown(report), encoding="utf-8")
    chart(report, out / "metrics.png")


def _no_nan(v: Any) -> Any:
    """NaN is not JSON: write null for 'nothing to judge'."""
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, dict):
        return {k: _no_nan(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_no_nan(x) for x in v]
    return v


def verifier_support(pipe: Any, judge: Any) -> SupportFn:
    """The project's verifier as the eval's judge (context read from the files, as in answers)."""
    from rag.citations import SourceTexts
    from rag.verify import Evidence, Verifier, contexts

    verifier = Verifier(pipe.embedder, judge=judge)
    s = pipe.settings
    texts = SourceTexts(s.root, {}, max_bytes=s.max_file_bytes)  # each file read once per run

    def supports(statement: str, cites: Sequence[Citation]) -> bool:
        context = contexts(cites, texts.get, s.context_chars)
        return verifier.check(statement, Evidence.of(cites, context=context)).supported

    return supports


def llm_support(judge: Any, threshold: float = 0.5) -> SupportFn:
    """The local model alone as a judge."""
    return lambda statement, cites: judge.entailment(" ".join(c.quote for c in cites), statement) >= threshold


def endpoint_support(url: str, model: str = "judge", timeout: float = 60.0) -> SupportFn:
    """Any OpenAI-compatible chat endpoint as a judge (asked for a one-word yes/no)."""
    import urllib.request

    import prompts

    def supports(statement: str, cites: Sequence[Citation]) -> bool:
        body = json.dumps(
            {
                "model": model,
                "temperature": 0,
                "max_tokens": 3,
                "messages": [
                    {
                        "role": "user",
                        "content": prompts.render("judge", passage=" ".join(c.quote for c in cites), claim=statement),
                    }
                ],
            }
        ).encode()
        req = urllib.request.Request(url.rstrip("/") + "/chat/completions", body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            reply = json.loads(r.read())["choices"][0]["message"]["content"]
        return reply.strip().lower().startswith("yes")

    return supports


def compare(old: dict[str, Any], new: dict[str, Any]) -> str:
    """Which metrics and cases improved or regressed between two reports."""
    lines = ["metric                      old      new    change"]
    for k, v in new["summary"]["overall"].items():
        o = old["summary"]["overall"].get(k)
        o = NAN if o is None else o
        v = NAN if v is None else v
        d = v - o
        arrow = "" if math.isnan(d) or abs(d) < 1e-9 else ("↑" if d > 0 else "↓")
        lines.append(f"{k:26} {_f(o):>7}  {_f(v):>7}  {'' if math.isnan(d) else f'{d:+.3f}'} {arrow}")
    olds = {r["id"]: r for r in old["rows"]}
    better: list[str] = []
    worse: list[str] = []
    for r in new["rows"]:
        o = olds.get(r["id"])
        if not o:
            continue
        a, b = o["scores"]["answer_correctness"], r["scores"]["answer_correctness"]
        a = NAN if a is None else a
        b = NAN if b is None else b
        if not (math.isnan(a) or math.isnan(b)) and b != a:
            (better if b > a else worse).append(f"{r['id']} ({a:.2f} -> {b:.2f}) {r['question']}")
    lines.append(f"\nimproved cases ({len(better)}):")
    lines += [f"  {x}" for x in better]
    lines.append(f"regressed cases ({len(worse)}):")
    lines += [f"  {x}" for x in worse]
    return "\n".join(lines)
