"""Which answers of an eval run the answer check's veto would turn into abstentions.

For every answered case of a `rag eval` report whose question asks for no item (`asked_for` is
None: why, what did X say, yes/no, what happened), broad questions left out, the answer check
(the default model's P(yes) for "does the sentence give what the question asks for?") is asked
of each shown statement. A case whose every statement is under the veto (`answer_check_veto`)
would abstain under the rule in `StatementChecker.answer_first`.

    PYTHONPATH=$PWD .venv/bin/python scripts/answer-veto.py \
        docs/eval-bbc-2026-11-30/0f78471/report.json /tmp/bbc-veto.json

Prints one line per case (id, kind, should abstain, correctness, P(yes) of each statement) and
writes them as JSON to OUT.
"""

from __future__ import annotations

import json
import sys

from rag.answering.premise import asked_for
from rag.core.settings import Settings
from rag.pipeline.pipeline import Pipeline


def main(report_path: str, out_path: str) -> None:
    settings = Settings()
    judge = Pipeline(settings).components.answer_judge(None)
    if judge is None:
        sys.exit("the answer check is off (RAG_ANSWER_CHECK=false or the fast model): nothing to measure")
    report = json.load(open(report_path, encoding="utf-8"))
    rows = []
    for row in report["rows"]:
        answer = row["answer"]
        if answer["abstained"] or row["kind"] == "broad" or asked_for(row["question"]) is not None:
            continue
        p = [round(judge.answers(row["question"], st["text"]), 3) for st in answer["statements"]]
        rows.append(
            {
                "id": row["id"],
                "kind": row["kind"],
                "abst": row["should_abstain"],
                "corr": row["scores"].get("answer_correctness"),
                "p": p,
                "texts": [st["text"][:100] for st in answer["statements"]],
                "vetoed": max(p) < settings.answer_check_veto,
            }
        )
        print(row["id"], row["kind"], row["should_abstain"], rows[-1]["corr"], p, flush=True)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main(*sys.argv[1:3])
