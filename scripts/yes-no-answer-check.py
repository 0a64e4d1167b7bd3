"""Whether the answer check could pick the sentence that settles a yes/no question.

For each yes/no case of a `rag eval` report, the answer check (the default model's P(yes) for
"does the sentence give what the question asks for?", prompts/answers.txt) is asked of the first
two sentences the run showed and of up to two retrieved sentences that hold one of the case's
answer facts but were not shown. Prints one line per sentence.

    PYTHONPATH=$PWD .venv/bin/python scripts/yes-no-answer-check.py \
        docs/eval-bbc-2026-11-30f/91f7452/report.json tests/eval/bbc.jsonl

Result on 2026-12-01 (docs/yes-no-answer-check-2026-12-01.json): the settling sentences of the
four failed cases scored 0.22-0.65, the unsettling sentences the model showed 0.10-0.59, so no
threshold re-selects them; no rule was built on it.
"""

from __future__ import annotations

import json
import sys

from rag.core.settings import Settings
from rag.pipeline.pipeline import Pipeline
from rag.reading.sentences import split_sentences


def main(report: str, cases_path: str) -> None:
    with open(cases_path, encoding="utf-8") as f:
        cases = {c["id"]: c for c in map(json.loads, f)}
    judge = Pipeline(Settings()).components.answer_judge(None)
    if judge is None:
        sys.exit("the answer check is off (RAG_ANSWER_CHECK=false or the fast model): nothing to measure")
    with open(report, encoding="utf-8") as f:
        rows = json.load(f)["rows"]
    for row in rows:
        if row["kind"] != "yes_no":
            continue
        q = row["question"]
        facts = [f for alts in cases[row["id"]]["answer_facts"] for f in alts]
        shown = [s["text"] for s in row["answer"]["statements"]][:2]
        settling: list[str] = []
        for p in row["answer"]["passages"]:
            for s in split_sentences(p["text"]):
                if any(f.lower() in s.text.lower() for f in facts) and s.text not in shown + settling:
                    settling.append(s.text)
        print(row["id"], round(row["scores"]["answer_correctness"], 2), q, flush=True)
        for s in shown:
            print("   shown", round(judge.answers(q, s), 3), s[:100], flush=True)
        for s in settling[:2]:
            print("   settle", round(judge.answers(q, s), 3), s[:100], flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
