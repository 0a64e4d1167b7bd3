"""Whether the answer check separates the relevant later statements of an answer from the rest.

For every statement after the first of each answered case of a `rag eval` report that has a hand
label with a `relevant` field, the answer check (the default model's P(yes) for "does the
sentence give what the question asks for?") is asked. Prints the area under the ROC curve
against the hand labels (all later statements, fact-form ones, the others) and, for each
threshold, how many statements a rule "collapse a later statement under the threshold" would
take out of the answer, how many of those the labels call relevant and how many irrelevant ones
it would leave. Writes the scores and the table as JSON to OUT.

    PYTHONPATH=$PWD .venv/bin/python scripts/relevance-judge.py \
        docs/eval-bbc-2026-11-30f/91f7452/report.json tests/eval/bbc_labels.jsonl OUT [SCORES]

SCORES, if given, is an earlier OUT (or a list of {"id", "i", "p"}): its P(yes) are used instead
of asking the model again (the judge is deterministic: temperature 0, the same prompt).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rag.core.settings import Settings
from rag.pipeline.pipeline import Pipeline

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5)


def auc(scored: list[tuple[float, bool]]) -> float | None:
    """The chance that a relevant statement scores above an irrelevant one (ties count half)."""
    pos = [p for p, y in scored if y]
    neg = [p for p, y in scored if not y]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return round(wins / (len(pos) * len(neg)), 3)


def main(report_path: str, labels_path: str, out_path: str, scores_path: str | None = None) -> None:
    known: dict[tuple[str, int], float] = {}
    if scores_path:
        earlier = json.loads(Path(scores_path).read_text(encoding="utf-8"))
        known = {(r["id"], r["i"]): r["p"] for r in (earlier["rows"] if isinstance(earlier, dict) else earlier)}
    judge = Pipeline(Settings()).components.answer_judge(None)
    if judge is None:
        sys.exit("the answer check is off (RAG_ANSWER_CHECK=false or the fast model): nothing to measure")
    labels = {}
    for line in Path(labels_path).read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        labels[(d["case"], d["statement"])] = d.get("relevant")
    rows = []
    for row in json.loads(Path(report_path).read_text(encoding="utf-8"))["rows"]:
        answer = row["answer"]
        if answer["abstained"]:
            continue
        for i, st in enumerate(answer["statements"][1:], 1):
            relevant = labels.get((row["id"], st["text"]))
            if relevant is None:
                continue
            p = known.get((row["id"], i))
            if p is None:
                p = round(judge.answers(row["question"], st["text"]), 3)
            form = answer.get("form")
            rows.append({"id": row["id"], "form": form, "i": i, "p": p, "relevant": relevant, "text": st["text"]})
            print(row["id"], i, p, relevant, flush=True)
    groups = {
        "later": rows,
        "later_fact": [r for r in rows if r["form"] == "fact"],
        "later_other_forms": [r for r in rows if r["form"] != "fact"],
    }
    result = {
        "report": report_path,
        "labels": labels_path,
        "judge": "answer check, default model, P(yes) (prompts/answers.txt)",
        "scores_from": "asked now" if not scores_path else f"an earlier run of the same judge ({scores_path})",
        "auc": {name: {"n": len(g), "auc": auc([(r["p"], r["relevant"]) for r in g])} for name, g in groups.items()},
        "collapse_under": [
            {
                "threshold": t,
                "taken_out": sum(r["p"] < t for r in rows),
                "of_which_relevant": sum(r["p"] < t and r["relevant"] for r in rows),
                "irrelevant_left": sum(r["p"] >= t and not r["relevant"] for r in rows),
            }
            for t in THRESHOLDS
        ],
        "rows": rows,
    }
    print(json.dumps({k: result[k] for k in ("auc", "collapse_under")}, indent=1))
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main(*sys.argv[1:5])
