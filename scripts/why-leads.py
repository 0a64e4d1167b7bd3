"""Which sentence would lead each why-question's answer under `checking.reason_first`, replayed on
the saved passages and answers of eval reports, and whether it holds the case's answer facts.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/why-leads.py \
        docs/eval-bbc-2026-11-30f/91f7452/report.json:tests/eval/bbc.jsonl \
        docs/eval-seeds-2026-11-30c/ed1535a/report.json:tests/eval/cases.jsonl > docs/why-leads-2026-12-01.json

A replay: the passages' sentences stand for the prompt's lines, the shown statements for the
model's, and the real embedder scores how well each addresses the question (`addresses_question`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _holds(text: str, facts: tuple[tuple[str, ...], ...]) -> bool:
    low = text.casefold()
    return bool(facts) and all(any(a.casefold() in low for a in alts) for alts in facts)


def main(pairs: list[str]) -> None:
    from rag.answering.checking import names_any
    from rag.answering.premise import other_year, subject_names
    from rag.answering.relations import CAUSE_STATED
    from rag.answering.verify import addresses_question
    from rag.core.settings import Settings
    from rag.eval.cases import load_cases
    from rag.index.embeddings import SentenceTransformerEmbedder
    from rag.reading.sentences import split_sentences

    embedder = SentenceTransformerEmbedder()
    threshold = Settings().relevance_threshold
    out = []
    for pair in pairs:
        report_path, cases_path = pair.split(":")
        report = json.loads(Path(report_path).read_text(encoding="utf-8"))
        cases = {c.id: c for c in load_cases(Path(cases_path))}
        rows = []
        for row in report["rows"]:
            question, answer = row["question"], row["answer"]
            if not question.lower().startswith("why") or answer["abstained"]:
                continue
            facts = cases[row["id"]].answer_facts
            first = answer["statements"][0]["text"] if answer["statements"] else ""
            lead = None
            if not CAUSE_STATED.search(first):
                subjects = subject_names(question)
                scored = []
                for p in answer["passages"]:
                    if not names_any(subjects, p["text"]):
                        continue
                    for s in split_sentences(p["text"]):
                        line = p["text"][s.start : s.end]
                        if CAUSE_STATED.search(line) and not other_year(line, question):
                            scored.append((addresses_question(question, line, p.get("title") or "", embedder), line))
                best = max(scored, default=None)
                lead = best if best and best[0] >= threshold else None
            rows.append(
                {
                    "id": row["id"],
                    "should_abstain": row["should_abstain"],
                    "first_states_a_cause": lead is None and bool(CAUSE_STATED.search(first)),
                    "answered_before": _holds(answer["answer"], facts),
                    "new_lead": lead[1] if lead else None,
                    "new_lead_score": round(lead[0], 3) if lead else None,
                    "new_lead_holds_answer": _holds(lead[1], facts) if lead else None,
                }
            )
        changed = [r for r in rows if r["new_lead"]]
        out.append(
            {
                "report": report_path,
                "why_questions_answered": len(rows),
                "lead_changed": len(changed),
                "answerable_now_right": sum(
                    bool(r["new_lead_holds_answer"]) for r in changed if not r["should_abstain"]
                ),
                "answerable_missed_before": sum(not r["answered_before"] for r in rows if not r["should_abstain"]),
                "rows": rows,
            }
        )
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
