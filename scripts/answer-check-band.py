"""The answer check's P(yes) on question-sentence pairs of a real eval run, and how many sentences
that hold the answer each threshold vetoes (decides `RAG_ANSWER_CHECK_VETO`/`RAG_ANSWER_CHECK_MIN`).

Pairs come from a `rag eval` report and its case file: for every answerable case, up to two
retrieved sentences that hold one of the case's answer facts (labelled: answers), and up to two
that name a word of the question's names but hold no fact (labelled: does not). The labels are
the facts' strings, so they are rough: a sentence can hold the fact's words without answering.

    .venv/bin/python scripts/answer-check-band.py docs/eval-bbc-2026-11-29b/b1a6f9d/report.json \
        tests/eval/bbc.jsonl > docs/answer-check-2026-11-29.json
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any


def pairs(report: dict[str, Any], cases: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    from rag.reading.sentences import split_sentences

    def fold(s: str) -> str:
        return s.casefold().replace(",", "")

    rng = random.Random(1)
    out = []
    for row in report["rows"]:
        c = cases[row["id"]]
        if row["kind"] == "broad" or c.get("should_abstain") or not c.get("answer_facts"):
            continue
        facts = c["answer_facts"]
        sentences = {p["text"][s.start : s.end] for p in row["answer"]["passages"] for s in split_sentences(p["text"])}
        names = set(re.findall(r"[A-Z][a-z]+", c["question"]))
        hold = sorted(s for s in sentences if any(any(fold(a) in fold(s) for a in f) for f in facts))
        other = sorted(
            s for s in sentences if s not in hold and len(s) > 40 and names & set(re.findall(r"[A-Z][a-z]+", s))
        )
        out += [{"id": row["id"], "question": c["question"], "sentence": s, "answers": True} for s in hold[:2]]
        out += [
            {"id": row["id"], "question": c["question"], "sentence": s, "answers": False}
            for s in rng.sample(other, min(2, len(other)))
        ]
    return out


def main(report_path: str, cases_path: str) -> None:
    from rag.core.settings import Settings
    from rag.pipeline import Pipeline

    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    cases = {c["id"]: c for c in map(json.loads, Path(cases_path).read_text(encoding="utf-8").splitlines())}
    rows = pairs(report, cases)
    gen = Pipeline(Settings()).generator()
    t = time.perf_counter()
    for r in rows:
        r["p_yes"] = round(gen.answers(r["question"], r["sentence"]), 4)
    seconds = time.perf_counter() - t
    answers = [r for r in rows if r["answers"]]
    others = [r for r in rows if not r["answers"]]
    table = [
        {
            "threshold": th,
            "answers_vetoed": round(sum(r["p_yes"] < th for r in answers) / len(answers), 3),
            "others_passed": round(sum(r["p_yes"] >= th for r in others) / len(others), 3),
        }
        for th in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
    ]
    out = {
        "report": report_path,
        "model": gen.name,
        "pairs": len(rows),
        "answers": len(answers),
        "others": len(others),
        "seconds": round(seconds, 1),
        "table": table,
        "rows": rows,
    }
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:3])
