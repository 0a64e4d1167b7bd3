"""Hand labels of real answer statements: an honest measure of what the verifier lets through.

`tests/eval/answer_labels.jsonl` holds statements the system produced on the eval questions (shown
and rejected), each read by a person against its cited quotes and labelled supported or not, with
the pattern of the error. The eval matches a run's statements to these labels by statement text
and cited spans, and reports, for the labelled ones:

- precision of what is shown: the share of shown statements labelled supported;
- recall of supported statements: the share of statements labelled supported that were shown;
- how many statements of the run had no label (a changed system writes new statements);
- whose words (issue 28): of the shown statements labelled a quotation (`voice` "quote", with
  the `speaker` the article names, or null when it names none), how many carry that speaker,
  how many carry none, how many another; and how many labelled reader comments were shown in
  another voice than "comment".

The judge of these figures is a person, not the verifier that chose what to show.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.answering.voice import COMMENT, QUOTE, REPORTING

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
    quotes_labelled: int = 0  # shown statements labelled a quotation
    quotes_right_speaker: int = 0  # ... shown with the speaker the label names (or none, where it names none)
    quotes_no_speaker: int = 0  # ... shown without a speaker although the article names one
    quotes_wrong_speaker: tuple[str, ...] = ()  # ... shown with another speaker: the statements
    comments_as_reporting: tuple[str, ...] = ()  # labelled comments shown in another voice

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["not_supported_shown"] = list(self.not_supported_shown)
        d["quotes_wrong_speaker"] = list(self.quotes_wrong_speaker)
        d["comments_as_reporting"] = list(self.comments_as_reporting)
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


VOICES = (REPORTING, QUOTE, COMMENT)  # the voices an answer shows (`rag.answering.voice`)


def load_voices(path: Path = LABELS_FILE) -> dict[Key, tuple[str, str | None]]:
    """{statement key: (voice, speaker)} for the rows labelled with a `voice` (`VOICES`); the
    speaker is the name the article gives the quotation's speaker, or None where it names none."""
    return {
        key_of(r["statement"], r["citations"]): (r["voice"], r.get("speaker") or None)
        for r in labelled_rows(path)
        if r.get("voice") in VOICES
    }


def same_speaker(shown: str | None, labelled: str | None) -> bool:
    """Whether a shown speaker is the labelled one: both none, or one name holds the other's
    surname ("Clara Furse" and "Ms Furse", "LSE chief executive Clara Furse"), case folded; of a
    statement labelled with two speakers ("Paul LeClerc; John Wilkin"), either; a statement shown
    with two ("Simon Hart; Theresa May") has each of them among the labelled."""
    if not shown or not labelled:
        return not shown and not labelled
    return all(_one_of(part, labelled) for part in shown.split(";") if part.split())


def _one_of(shown: str, labelled: str) -> bool:
    """Whether one shown speaker is one of the labelled ("Paul LeClerc; John Wilkin")."""
    a = shown.casefold().split()
    for one in labelled.split(";"):
        b = one.casefold().split()
        if b and (a[-1] in b or b[-1] in a):
            return True
    return False


def _names(text: str, speaker: str | None) -> bool:
    """Whether a statement's own words name the speaker ("Tony Banks said the fox was 'the
    most…'"): its text says whose words they are without a `speaker` field."""
    if not speaker:
        return False
    surnames = [part.split()[-1] for part in speaker.split(";") if part.split()]
    return any(re.search(rf"\b{re.escape(name)}\b", text, re.I) for name in surnames)


def _whose(
    answers: Sequence[Mapping[str, Any]], voices: Mapping[Key, tuple[str, str | None]]
) -> tuple[int, int, int, list[str], list[str]]:
    """(quotes labelled, right speaker, no speaker, wrong speakers, comments shown as other voices).
    A quotation shown without a `speaker` carries the right one when its own text names them."""
    quotes = right = none = 0
    wrong: list[str] = []
    comments: list[str] = []
    for a in answers:
        for st in a["statements"]:
            label = voices.get(key_of(st["text"], st["citations"]))
            if label is None:
                continue
            voice, speaker = label
            if voice == "comment" and st.get("voice") != "comment":
                comments.append(st["text"])
            if voice != "quote":
                continue
            quotes += 1
            if same_speaker(st.get("speaker"), speaker) or (not st.get("speaker") and _names(st["text"], speaker)):
                right += 1
            elif not st.get("speaker"):
                none += 1
            else:
                wrong.append(f"{st['text']} (labelled: {speaker})")
    return quotes, right, none, wrong, comments


def score(
    answers: Sequence[Mapping[str, Any]],
    labels: Mapping[Key, bool],
    relevance: Mapping[Key, bool] | None = None,
    voices: Mapping[Key, tuple[str, str | None]] | None = None,
) -> HandLabelScore:
    """Precision of shown and recall of supported statements over answers' JSON contracts, the
    share of shown statements that help answer their question (`relevance` labels), and whose
    words the shown statements are (`voices` labels, `load_voices`)."""
    relevance = relevance or {}
    quotes, right, none, wrong, comments = _whose(answers, voices or {})
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
        quotes_labelled=quotes,
        quotes_right_speaker=right,
        quotes_no_speaker=none,
        quotes_wrong_speaker=tuple(wrong),
        comments_as_reporting=tuple(comments),
    )
