"""Hand labels of real answer statements: an honest measure of what the verifier lets through.

`tests/eval/answer_labels.jsonl` holds statements the system produced on the eval questions (shown
and rejected), each read by a person against its cited quotes and labelled supported or not, with
the pattern of the error. The eval matches a run's statements to these labels by statement text
and cited spans, and reports, for the labelled ones:

- precision of what is shown: the share of shown statements labelled supported;
- recall of supported statements: the share of statements labelled supported that were shown;
- how many statements of the run had no label (a changed system writes new statements).

The judge of these figures is a person, not the verifier that chose what to show.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LABELS_FILE = Path(__file__).resolve().parent.parent.parent / "tests" / "eval" / "answer_labels.jsonl"
PATTERNS = ("role_swap", "merged_claim", "bent_figure", "overreach", "other")
Key = tuple[str, tuple[tuple[str, int, int], ...]]


def key_of(statement: str, citations: Sequence[Mapping[str, Any]]) -> Key:
    """A statement's identity: its text (whitespace and case folded) and its cited spans."""
    spans = tuple(sorted((str(c["source"]), int(c["start"]), int(c["end"])) for c in citations))
    return " ".join(statement.casefold().split()), spans


@dataclass(frozen=True, slots=True)
class HandLabelScore:
    """What the hand labels say about one run's statements."""

    shown_precision: float  # NaN when no shown statement is labelled
    supported_recall: float  # NaN when no labelled statement is supported
    shown_labelled: int
    shown_unlabelled: int
    rejected_labelled: int
    not_supported_shown: tuple[str, ...]  # the shown statements labelled not supported
    shown_relevant: float = math.nan  # share of shown statements labelled as helping answer; NaN: none
    relevance_labelled: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["not_supported_shown"] = list(self.not_supported_shown)
        d["judge"] = "hand labels (tests/eval/answer_labels.jsonl)"
        return d


def labelled_rows(path: Path = LABELS_FILE) -> list[dict[str, Any]]:
    """The labelled rows of the file (statement, citations, label, pattern, ...)."""
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("label") in ("supported", "not_supported")]


def load_labels(path: Path = LABELS_FILE) -> dict[Key, bool]:
    """{statement key: supported} for every labelled row; unlabelled rows are left out."""
    return {key_of(r["statement"], r["citations"]): r["label"] == "supported" for r in labelled_rows(path)}


def load_relevance(path: Path = LABELS_FILE) -> dict[Key, bool]:
    """{statement key: relevant} for the rows that say whether the statement helps answer its question."""
    return {
        key_of(r["statement"], r["citations"]): bool(r["relevant"])
        for r in labelled_rows(path)
        if isinstance(r.get("relevant"), bool)
    }


def score(
    answers: Sequence[Mapping[str, Any]], labels: Mapping[Key, bool], relevance: Mapping[Key, bool] | None = None
) -> HandLabelScore:
    """Precision of shown and recall of supported statements over answers' JSON contracts, and the
    share of shown statements that help answer their question (`relevance` labels)."""
    relevance = relevance or {}
    relevant = [
        relevance[k]
        for a in answers
        for st in a["statements"]
        if (k := key_of(st["text"], st["citations"])) in relevance
    ]
    shown: list[bool] = []
    rejected: list[bool] = []
    unlabelled = 0
    bad: list[str] = []
    for a in answers:
        for st in a["statements"]:
            label = labels.get(key_of(st["text"], st["citations"]))
            if label is None:
                unlabelled += 1
                continue
            shown.append(label)
            if not label:
                bad.append(st["text"])
        for st in a.get("rejected_statements", []):
            label = labels.get(key_of(st["text"], st["citations"]))
            if label is not None:
                rejected.append(label)
    supported = sum(shown) + sum(rejected)
    return HandLabelScore(
        shown_precision=sum(shown) / len(shown) if shown else math.nan,
        supported_recall=sum(shown) / supported if supported else math.nan,
        shown_labelled=len(shown),
        shown_unlabelled=unlabelled,
        rejected_labelled=len(rejected),
        not_supported_shown=tuple(bad),
        shown_relevant=sum(relevant) / len(relevant) if relevant else math.nan,
        relevance_labelled=len(relevant),
    )
