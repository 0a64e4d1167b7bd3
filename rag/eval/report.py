"""Reporting: markdown for people, a chart, the JSON report, and the comparison of two runs."""

from __future__ import annotations

import json
import math
from pathlib import Path

from rag.eval.metrics import METRICS, NAN
from rag.eval.run import Report


def _f(v: float) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"


def markdown(report: Report) -> str:
    """The report for people: overall, per kind, and the worst 10 cases side by side with their passages."""
    cols = [*METRICS, "first_statement_s", "total_s"]
    lines = [f"# Citation-faithfulness report — {report.model}, {report.cases} cases", ""]
    lines += [f"Support (citation recall and precision) judged by {report.judge}.", ""]
    if report.commit:
        lines += [f"Code at commit `{report.commit}`; corpus `{report.corpus}`.", ""]
    lines += ["## Overall", "", "| metric | value |", "|---|---|"]
    for k, v in report.overall.items():
        lines.append(f"| {k} | {_f(v)} |")
    if report.judge_agreement is not None:
        ja = report.judge_agreement
        lines.append(f"| judge agreement (kappa) | {_f(ja['agreement'])} ({_f(ja['kappa'])}, n={ja['n']:.0f}) |")
    if report.verifier_on_labels is not None:
        lines.append(f"| verifier accuracy on labelled set (held-out) | {_f(report.verifier_on_labels)} |")
    if report.hand_labels is not None:
        h = report.hand_labels
        lines.append(
            f"| shown statements supported, by hand labels | {_f(h['shown_precision'])} "
            f"({h['shown_labelled']} labelled, {h['shown_unlabelled']} not) |"
        )
        lines.append(f"| supported statements shown, by hand labels | {_f(h['supported_recall'])} |")
        if h.get("relevance_labelled"):
            lines.append(f"| shown statements relevant, by hand labels | {_f(h['shown_relevant'])} |")
        if h.get("quotes_labelled"):
            lines.append(
                f"| shown quotations with the right speaker, by hand labels | {h['quotes_right_speaker']} of "
                f"{h['quotes_labelled']} ({h['quotes_no_speaker']} with none, "
                f"{len(h['quotes_wrong_speaker'])} another) |"
            )
    if report.held_out is not None:
        h = report.held_out
        lines += ["", f"## Held-out cases ({h['cases']:.0f})", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {_f(v)} |" for k, v in h.items() if k != "cases"]
    if report.gates is not None:
        lines += ["", "## Gates: how often each refused or removed the answer (by the cases' labels)", ""]
        lines += ["| gate | fired | wrong | wrong with the answer beside it | wrong cases |", "|---|---|---|---|---|"]
        for gate, g in report.gates.items():
            ids = ", ".join(g["wrong_ids"][:12]) + (" …" if len(g["wrong_ids"]) > 12 else "")
            lines.append(f"| {gate} | {g['fired']} | {g['wrong']} | {g['answer_beside']} | {ids} |")
    lines += ["", "## Per kind", "", "| kind | cases | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
    for kind, m in report.per_kind.items():
        lines.append(f"| {kind} | {m['cases']:.0f} | " + " | ".join(_f(m[c]) for c in cols) + " |")
    if report.per_form:
        lines += ["", "## Per answer form (as the pipeline chose it)", ""]
        lines += ["| form | cases | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
        for form, m in report.per_form.items():
            lines.append(f"| {form} | {m['cases']:.0f} | " + " | ".join(_f(m[c]) for c in cols) + " |")
    lines += ["", "## Worst 10 cases", ""]
    worst = sorted(report.rows, key=lambda r: _badness(r.scores))[:10]
    for r in worst:
        a = r.answer
        lines.append(f"### {r.id} ({r.kind}): {r.question}")
        sc = r.scores
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


def chart(report: Report, path: Path) -> None:
    """Bars of the main metrics per kind."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per = report.per_kind
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
    ax.set_title(f"Metrics per kind — {report.model}")
    ax.legend(fontsize=8, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(report: Report, out: Path) -> None:
    """report.json, report.md and metrics.png in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
    (out / "report.md").write_text(markdown(report), encoding="utf-8")
    chart(report, out / "metrics.png")


def compare(old: Report, new: Report) -> str:
    """Which metrics and cases improved or regressed between two reports."""
    lines = ["metric                      old      new    change"]
    for k, v in new.overall.items():
        o = old.overall.get(k, NAN)
        d = v - o
        arrow = "" if math.isnan(d) or abs(d) < 1e-9 else ("↑" if d > 0 else "↓")
        lines.append(f"{k:26} {_f(o):>7}  {_f(v):>7}  {'' if math.isnan(d) else f'{d:+.3f}'} {arrow}")
    olds = {r.id: r for r in old.rows}
    better: list[str] = []
    worse: list[str] = []
    for r in new.rows:
        before = olds.get(r.id)
        if before is None:
            continue
        a, b = before.scores["answer_correctness"], r.scores["answer_correctness"]
        if not (math.isnan(a) or math.isnan(b)) and b != a:
            (better if b > a else worse).append(f"{r.id} ({a:.2f} -> {b:.2f}) {r.question}")
    lines.append(f"\nimproved cases ({len(better)}):")
    lines += [f"  {x}" for x in better]
    lines.append(f"regressed cases ({len(worse)}):")
    lines += [f"  {x}" for x in worse]
    return "\n".join(lines)
