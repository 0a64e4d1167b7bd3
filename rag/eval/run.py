"""Running the eval: ask every case, score it, and gather a `Report`."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rag.answering.forms import FORMS
from rag.core.types import Answer, Citation
from rag.eval.cases import Case
from rag.eval.metrics import (
    NAN,
    Scores,
    SupportFn,
    abstention,
    aggregate,
    agreement,
    gate_table,
    score_case,
    withheld_table,
)
from rag.pipeline import Pipeline


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One case as asked: the answer's JSON contract and its scores."""

    id: str
    kind: str
    question: str
    should_abstain: bool
    answer: dict[str, Any]
    scores: Scores

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> CaseResult:
        return CaseResult(d["id"], d["kind"], d["question"], d["should_abstain"], d["answer"], _nans(d["scores"]))


@dataclass(frozen=True, slots=True)
class Report:
    """A whole run: overall and per-kind means, every case, and who judged support."""

    model: str
    cases: int
    seconds: float
    overall: Scores
    per_kind: dict[str, Scores]
    rows: tuple[CaseResult, ...]
    judge: str = "the project's verifier"
    judge_agreement: dict[str, float] | None = None
    verifier_on_labels: float | None = None  # the verifier's held-out accuracy on the labelled set
    hand_labels: dict[str, Any] | None = None  # precision/recall of shown statements by hand labels
    gates: dict[str, dict[str, Any]] | None = None  # per gate: fired, wrong (`metrics.gate_table`)
    held_out: Scores | None = None  # overall over the held-out cases only
    corpus: str = ""  # what was indexed
    per_form: dict[str, Scores] | None = None  # means per answer form (`rag.answering.forms`)
    commit: str = ""  # the code's git commit when the run started (`code_commit`)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: NaN ('nothing to judge') becomes null."""
        d = asdict(self)
        d["summary"] = {"overall": d.pop("overall"), "per_kind": d.pop("per_kind")}
        return _no_nan(d)

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> Report:
        s = d["summary"]
        return Report(
            model=d["model"],
            cases=d["cases"],
            seconds=d["seconds"],
            overall=_nans(s["overall"]),
            per_kind={k: _nans(v) for k, v in s["per_kind"].items()},
            rows=tuple(CaseResult.from_dict(r) for r in d["rows"]),
            judge=d.get("judge", "the project's verifier"),
            judge_agreement=d.get("judge_agreement"),
            verifier_on_labels=d.get("verifier_on_labels"),
            hand_labels=d.get("hand_labels"),
            per_form={k: _nans(v) for k, v in d["per_form"].items()} if d.get("per_form") else None,
            gates=d.get("gates"),
            held_out=_nans(d["held_out"]) if d.get("held_out") else None,
            corpus=d.get("corpus", ""),
            commit=d.get("commit", ""),
        )


def _nans(d: Mapping[str, float | None]) -> Scores:
    return {k: NAN if v is None else float(v) for k, v in d.items()}


def _no_nan(v: Any) -> Any:
    """NaN is not JSON: write null for 'nothing to judge'."""
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, dict):
        return {k: _no_nan(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_no_nan(x) for x in v]
    return v


def code_commit() -> str:
    """The project's git commit ("1a2b3c4", "1a2b3c4-dirty" with uncommitted changes to tracked
    files), or "" outside a git checkout: a figure states the commit it was measured at."""
    import subprocess

    root = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True).stdout

    try:
        sha = git("rev-parse", "--short", "HEAD").strip()
        dirty = git("status", "--porcelain", "--untracked-files=no").strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return f"{sha}-dirty" if dirty else sha


def remembered(supports: SupportFn) -> SupportFn:
    """`supports` asked once per (statement, cited spans): citation recall, citation precision and
    the judge agreement ask about the same statements, and a judge call costs about a second."""
    seen: dict[tuple[str, tuple[tuple[str, int, int], ...]], bool] = {}

    def ask(statement: str, cites: Sequence[Citation]) -> bool:
        key = (statement, tuple((c.source, c.start, c.end) for c in cites))
        if key not in seen:
            seen[key] = supports(statement, cites)
        return seen[key]

    return ask


def run_cases(
    pipe: Pipeline,
    cases: Sequence[Case],
    supports: SupportFn,
    *,
    model: str | None = None,
    second: SupportFn | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Report:
    """Ask every case (with its history), score it with `supports`, and compare with `second`."""
    supports = remembered(supports)
    commit = code_commit()
    root = pipe.settings.root
    rows: list[CaseResult] = []
    results: list[tuple[Case, Answer]] = []
    verdicts_a: list[bool] = []
    verdicts_b: list[bool] = []
    t0 = time.perf_counter()
    for i, case in enumerate(cases):
        if progress:
            progress(i, len(cases), case.id)
        a = pipe.ask(case.question, model=model, history=case.history)
        results.append((case, a))
        if second is not None:
            for st in a.statements:
                verdicts_a.append(supports(st.text, st.citations))
                verdicts_b.append(second(st.text, st.citations))
        scores = score_case(case, a, supports, root)
        rows.append(CaseResult(case.id, case.kind, case.question, case.should_abstain, a.to_dict(), scores))
    if progress:
        progress(len(cases), len(cases), "")
    overall, per_kind = aggregate([(r.kind, r.scores) for r in rows])
    _, per_form = aggregate([(str(r.answer.get("form", "fact")), r.scores) for r in rows], FORMS)
    overall.update(abstention(results))
    held = [(r, c_a) for r, c_a in zip(rows, results, strict=True) if c_a[0].held_out]
    held_out = None
    if held:
        held_out, _ = aggregate([(r.kind, r.scores) for r, _ in held])
        held_out.update(abstention([c_a for _, c_a in held]))
        held_out["cases"] = float(len(held))
    gates = gate_table([(c, r.answer) for (c, _), r in zip(results, rows, strict=True)], root)
    gates["instruction filter (indexing)"] = withheld_table(withheld_in_index(pipe), cases, root)
    return Report(
        model=results[0][1].model if results else "",
        cases=len(rows),
        seconds=time.perf_counter() - t0,
        overall=overall,
        per_kind=per_kind,
        rows=tuple(rows),
        judge_agreement=agreement(verdicts_a, verdicts_b) if second is not None else None,
        gates=gates,
        held_out=held_out,
        corpus=str(pipe.settings.corpus_path),
        per_form=per_form,
        commit=commit,
    )


def withheld_in_index(pipe: Pipeline) -> dict[str, list[tuple[int, int]]]:
    """{source: spans of the sentences indexing withheld} over every indexed article."""
    from rag.reading.ingest import read_text, resolve_source, withheld_spans

    out = {}
    for source in pipe.documents():
        try:
            text = read_text(resolve_source(source, pipe.settings.root), max_bytes=pipe.settings.max_file_bytes).text
        except OSError:
            continue
        if text is not None:
            out[source] = withheld_spans(text)
    return out
