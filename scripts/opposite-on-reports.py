"""Where the opposite-premise check (`rag.answering.opposite`) would fire on the saved passages of
eval reports, and whether each case is one that should be refused (false premise or unanswerable).

    .venv/bin/python scripts/opposite-on-reports.py \
        docs/eval-bbc-2026-11-29b/b1a6f9d/report.json:tests/eval/bbc.jsonl \
        docs/eval-full-2026-11-23/report.json:tests/eval/cases.jsonl \
        docs/eval-trust-2026-11-24/report.json:tests/eval/cases.jsonl > docs/opposite-2026-11-29.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(pairs: list[str]) -> None:
    from rag.answering.opposite import opposite
    from rag.eval.cases import load_cases
    from rag.reading.sentences import split_sentences

    out = []
    for pair in pairs:
        report_path, cases_path = pair.split(":")
        report = json.loads(Path(report_path).read_text(encoding="utf-8"))
        cases = {c.id: c for c in load_cases(Path(cases_path))}
        fired = []
        for row in report["rows"]:
            case = cases.get(row["id"])
            if case is None:
                continue
            passages = [
                [p.get("title") or "", *(p["text"][s.start : s.end] for s in split_sentences(p["text"]))]
                for p in row["answer"]["passages"]
            ]
            found = opposite(case.question, passages)
            if found is not None:
                right = case.should_abstain
                fired.append({"id": row["id"], "right": right, "verb": found.verb, "sentence": found.sentence})
        out.append(
            {
                "report": report_path,
                "cases": len(report["rows"]),
                "fired": len(fired),
                "wrong": sum(not f["right"] for f in fired),
                "rows": fired,
            }
        )
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
