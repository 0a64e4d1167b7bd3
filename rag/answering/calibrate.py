"""`rag calibrate`: fit the verifier's thresholds on half of the labelled support set and report
precision, recall and accuracy per layer and combined on the other (held-out) half.

Rows with an even index calibrate, odd rows are held out (a fixed, stratified-enough split: the
table alternates supported and unsupported statements about the same passage).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from rag.answering import verify
from rag.answering.citations import SourceTexts
from rag.answering.verify import CALIBRATION_FILE, Evidence, Judge, Thresholds, Verifier, exact_check
from rag.core.types import Citation
from rag.index.embeddings import Embedder

LABELS = Path(__file__).resolve().parents[2] / "tests" / "eval" / "support_labels.jsonl"


@dataclass
class Row:
    id: str
    statement: str
    evidence: Evidence
    label: bool
    kind: str
    exact_ok: bool = True
    score: float = 0.0
    judge: float = math.nan


def load_rows(path: Path, root: Path, *, context_chars: int = 300) -> list[Row]:
    rows = []
    texts = SourceTexts(root, {}, max_bytes=10**8)  # each file read once
    for line in path.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        cites = []
        for p in d["passages"]:
            start = (texts.get(p["source"]) or "").index(p["quote"])
            cites.append(Citation(p["source"], start, start + len(p["quote"]), p["quote"], "", None, None))
        evidence = Evidence.around(cites, texts.get, context_chars)
        rows.append(Row(d["id"], d["statement"], evidence, d["label"] == "supported", d["kind"]))
    return rows


def score_rows(rows: list[Row], embedder: Embedder, judge: Judge | None) -> None:
    """Each row's layer results: exact checks, similarity and (with a judge) the judge's probability."""
    v = Verifier(embedder, thresholds=Thresholds())  # similarity does not depend on the thresholds
    for r in rows:
        r.exact_ok = exact_check(r.statement, r.evidence) is None
        r.score = v.similarity(r.statement, r.evidence)
        if judge is not None:
            r.judge = judge.entailment(" ".join(r.evidence.quotes), r.statement)


def decide(r: Row, t: Thresholds, *, use_judge: bool) -> bool:
    """The verifier's own decision (`rag.answering.verify.decide`) on a row's stored layer results."""
    judge_p = r.judge if use_judge and not math.isnan(r.judge) else None
    reason = None if r.exact_ok else "exact checks failed"
    return verify.decide(exact_reason=reason, score=r.score, judge_p=judge_p, t=t).supported


def metrics(pred: list[bool], gold: list[bool]) -> dict[str, float]:
    tp = sum(p and g for p, g in zip(pred, gold, strict=True))
    fp = sum(p and not g for p, g in zip(pred, gold, strict=True))
    fn = sum(g and not p for p, g in zip(pred, gold, strict=True))
    acc = sum(p == g for p, g in zip(pred, gold, strict=True)) / len(gold) if gold else math.nan
    prec = tp / (tp + fp) if tp + fp else math.nan
    rec = tp / (tp + fn) if tp + fn else math.nan
    return {"precision": prec, "recall": rec, "accuracy": acc, "n": len(gold)}


def fit(rows: list[Row], *, use_judge: bool) -> Thresholds:
    """Grid search (low, high) for accuracy; ties go to higher precision, then a wider band."""
    best: tuple[float, float, float, Thresholds] | None = None
    grid = [i / 100 for i in range(20, 96, 5)]
    gold = [r.label for r in rows]
    for lo in grid:
        for hi in grid:
            if hi < lo:
                continue
            t = Thresholds(low=lo, high=hi)
            m = metrics([decide(r, t, use_judge=use_judge) for r in rows], gold)
            key = (m["accuracy"], 0 if math.isnan(m["precision"]) else m["precision"], hi - lo)
            if best is None or key > best[:3]:
                best = (*key, t)
    assert best is not None
    return best[3]


def run(embedder: Embedder, judge: Judge | None, *, root: Path, path: Path = LABELS) -> dict[str, object]:
    rows = load_rows(path, root)
    score_rows(rows, embedder, judge)
    calib, held = rows[0::2], rows[1::2]
    t_nojudge = fit(calib, use_judge=False)
    t_judge = fit(calib, use_judge=True) if judge is not None else None
    gold = [r.label for r in held]
    # Layer 2 alone: one threshold, fitted on the calibration half.
    best_t2 = max(
        (i / 100 for i in range(20, 96)),
        key=lambda x: metrics([r.score >= x for r in calib], [r.label for r in calib])["accuracy"],
    )
    report: dict[str, object] = {
        "rows": len(rows),
        "calibration": len(calib),
        "held_out": len(held),
        "thresholds": {
            "without_judge": vars_of(t_nojudge),
            "with_judge": vars_of(t_judge) if t_judge else None,
            "similarity_alone": best_t2,
        },
        "held_out_metrics": {
            "1 exact checks alone": metrics([r.exact_ok for r in held], gold),
            "2 similarity alone": metrics([r.score >= best_t2 for r in held], gold),
            "1+2 combined": metrics([decide(r, t_nojudge, use_judge=False) for r in held], gold),
        },
    }
    if judge is not None and t_judge is not None:
        hm = report["held_out_metrics"]
        assert isinstance(hm, dict)
        hm["3 judge alone"] = metrics([r.judge >= 0.5 for r in held], gold)
        hm["1+2+3 combined"] = metrics([decide(r, t_judge, use_judge=True) for r in held], gold)
        report["judge_calls_held_out"] = sum(t_judge.low <= r.score < t_judge.high and r.exact_ok for r in held)
    errors = [
        {"id": r.id, "kind": r.kind, "label": r.label, "statement": r.statement, "score": round(r.score, 3)}
        for r in held
        if decide(r, t_judge or t_nojudge, use_judge=judge is not None) != r.label
    ]
    report["held_out_errors"] = errors
    report["scores"] = [
        {"id": r.id, "exact_ok": r.exact_ok, "score": round(r.score, 6), "judge": _num(r.judge)} for r in rows
    ]
    return report


def _nan(x: float | None) -> float:
    return math.nan if x is None else x


def _num(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 6)


def write(report: dict[str, object], path: Path = CALIBRATION_FILE) -> None:
    """Store the fitted thresholds, and the per-row scores they were fitted from, for the verifier."""
    data = {
        "written_by": "rag calibrate --write",
        "labels": str(LABELS.relative_to(LABELS.parent.parent.parent)),
        "rows": report["rows"],
        "thresholds": report["thresholds"],
        "held_out_metrics": report["held_out_metrics"],
        "scores": report["scores"],
    }
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def refit(data: dict[str, object]) -> dict[str, dict[str, float] | None]:
    """The thresholds fitted again from a calibration file's stored scores (its calibration half)."""
    scores = data["scores"]
    assert isinstance(scores, list)
    lines = LABELS.read_text(encoding="utf-8").splitlines()
    labels = {d["id"]: d["label"] == "supported" for d in map(json.loads, lines)}
    rows = [
        Row(d["id"], "", Evidence((), ()), labels[d["id"]], "", d["exact_ok"], d["score"], _nan(d["judge"]))
        for d in scores
    ]
    calib = rows[0::2]
    has_judge = all(not math.isnan(r.judge) for r in rows)
    return {
        "without_judge": vars_of(fit(calib, use_judge=False)),
        "with_judge": vars_of(fit(calib, use_judge=True)) if has_judge else None,
    }


def held_out_accuracy(embedder: Embedder, judge: Judge | None, *, root: Path) -> float:
    """The verifier's accuracy on the held-out half of the labelled set, as the eval reports it."""
    report = run(embedder, judge, root=root)
    hm = report["held_out_metrics"]
    assert isinstance(hm, dict)
    return float(hm["1+2+3 combined" if judge is not None else "1+2 combined"]["accuracy"])


def vars_of(t: Thresholds) -> dict[str, float]:
    return {"low": t.low, "high": t.high, "judge": t.judge}


def markdown(report: dict[str, object]) -> str:
    lines = ["| layer | precision | recall | accuracy | n |", "|---|---|---|---|---|"]
    hm = report["held_out_metrics"]
    assert isinstance(hm, dict)
    for name, m in hm.items():
        lines.append(f"| {name} | {m['precision']:.3f} | {m['recall']:.3f} | {m['accuracy']:.3f} | {m['n']} |")
    return "\n".join(lines)
