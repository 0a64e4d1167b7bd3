"""Adds the statements of a `rag eval` report to tests/eval/answer_labels.jsonl, unlabelled.

    python tests/eval/extract_statements.py eval-out/report.json

Every shown and every rejected statement becomes one row (once per statement text and cited
spans), with its cited quotes, so that a person can read the statement against exactly what it
cites and fill in `label` ("supported" / "not_supported") and, for "not_supported", `pattern`
("role_swap", "merged_claim", "bent_figure", "overreach", "other"). Rows already in the file keep
their labels. Labels are written by people, never by the verifier.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rag.eval.labels import LABELS_FILE, key_of


def main(report_path: str) -> None:
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    rows = []
    if LABELS_FILE.exists():
        rows = [json.loads(line) for line in LABELS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    seen = {key_of(r["statement"], r["citations"]) for r in rows}
    added = 0
    for case in report["rows"]:
        answer = case["answer"]
        for shown, statements in ((True, answer["statements"]), (False, answer["rejected_statements"])):
            for st in statements:
                cites = [{k: c[k] for k in ("source", "start", "end", "quote")} for c in st["citations"]]
                key = key_of(st["text"], cites)
                if key in seen:
                    continue
                seen.add(key)
                added += 1
                rows.append(
                    {
                        "id": f"{case['id']}-{len(rows) + 1:03d}",
                        "case": case["id"],
                        "question": case["question"],
                        "statement": st["text"],
                        "citations": cites,
                        "shown_in_run": shown,
                        "verifier_reason": st.get("reason"),
                        "label": None,
                        "pattern": None,
                        "note": "",
                    }
                )
    with LABELS_FILE.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{added} new statements, {len(rows)} in {LABELS_FILE}")


if __name__ == "__main__":
    main(sys.argv[1])
