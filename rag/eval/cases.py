"""The eval cases: a question, its kind, the facts a right answer holds and the gold passages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

KINDS = (
    "single_fact",
    "multi_source",
    "conflicting",
    "numeric",
    "quote",
    "follow_up",
    "unanswerable",
    "adversarial",
    # Traps for the verifier and the abstention rule (issue "trust every shown statement").
    "false_premise",
    "attribution",
    "role_trap",
    "merge_trap",
    "bent_figure",
    # Questions as people ask them of a real archive (tests/eval/bbc.jsonl, issue 23).
    "yes_no",
    "alias",
    "paraphrase",
    "broad",
    # "Why/When/How did …?" whose presupposed event the articles report (tests/eval/bbc.jsonl bw*):
    # the answerable side of the false-premise cases, so a premise rule is judged on both.
    "reason",
    # The answer forms (issue 24): each case names the facts a good answer of its form covers.
    "summary",
    "timeline",
    "comparison",
    "list",
    # What readers wrote in the comments printed after an article (issue 28): answered by their
    # words, each shown as "A reader wrote: …".
    "comment",
)
CI_KINDS = KINDS[:8]  # the kinds `rag eval --ci` covers
CASES_FILE = Path(__file__).resolve().parent.parent.parent / "tests" / "eval" / "cases.jsonl"


@dataclass(frozen=True, slots=True)
class Case:
    """One eval case; `answer_facts` is a list of facts, each a tuple of accepted alternatives."""

    id: str
    question: str
    kind: str
    answer_facts: tuple[tuple[str, ...], ...]
    gold_passages: tuple[dict[str, str], ...]
    should_abstain: bool
    history: tuple[tuple[str, str], ...] = ()
    ci: bool = False
    held_out: bool = False  # never read while a rule was written; reported apart
    ordered: bool = False  # a timeline's facts must appear in the answer in this order (`fact_order`)


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    """The cases of a JSONL file, in order.

    Raises:
        ValueError: a line that is not a case, naming the line and the fix.
    """
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not JSON ({exc.msg}): write one case object a line") from None
        if d.get("kind") not in KINDS:
            raise ValueError(f"{path}:{n}: kind {d.get('kind')!r} is not one of {', '.join(KINDS)}")
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
                bool(d.get("held_out", False)),
                bool(d.get("ordered", False)),
            )
        )
    return out
