"""Adds the statements of a `rag eval` report to a hand-label file, unlabelled.

    python tests/eval/extract_statements.py eval-out/report.json [tests/eval/bbc_labels.jsonl]

(default: tests/eval/answer_labels.jsonl, the seeds' labels)

Every shown and every rejected statement becomes one row (once per statement text and cited
spans), with its cited quotes, so that a person can read the statement against exactly what it
cites and fill in `label` ("supported" / "not_supported") and, for "not_supported", `pattern`
("role_swap", "merged_claim", "bent_figure", "overreach", "other"). Rows already in the file keep
their labels; a row of a shown statement without a `voice` gets the system's voice and speaker
under `shown_voice`/`shown_speaker`, and empty `voice`/`speaker` for a person to fill in
("reporting", "quote" or "comment"; for a quote, the speaker as the article names them, or null).
Labels are written by people, never by the verifier.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rag.eval.labels import LABELS_FILE, key_of


def main(report_path: str, labels_file: Path = LABELS_FILE) -> None:
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    rows = []
    if labels_file.exists():
        rows = [json.loads(line) for line in labels_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_key = {key_of(r["statement"], r["citations"]): r for r in rows}
    seen = set(by_key)
    added = 0
    for case in report["rows"]:
        answer = case["answer"]
        for shown, statements in ((True, answer["statements"]), (False, answer["rejected_statements"])):
            for st in statements:
                cites = [{k: c[k] for k in ("source", "start", "end", "quote")} for c in st["citations"]]
                key = key_of(st["text"], cites)
                if key in by_key and shown and "voice" not in by_key[key]:
                    by_key[key].update(_voice_fields(st))
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
                    | (_voice_fields(st) if shown else {})
                )
    with labels_file.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{added} new statements, {len(rows)} in {labels_file}")


def _voice_fields(st: dict) -> dict:
    """What the system showed of whose words a statement is, and the empty labels for a person."""
    return {"shown_voice": st.get("voice"), "shown_speaker": st.get("speaker"), "voice": None, "speaker": None}


if __name__ == "__main__":
    main(sys.argv[1], *(Path(p) for p in sys.argv[2:3]))
