"""The verification decision, the threshold fit, and the stored calibration the verifier loads."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from fakes import FakeEmbedder

from rag.answering import calibrate
from rag.answering.calibrate import Row, fit, metrics, refit
from rag.answering.verify import CALIBRATION_FILE, Evidence, Thresholds, Verifier, calibrated, decide
from rag.core.errors import ModelError

T = Thresholds(low=0.3, high=0.8, judge=0.5)


@pytest.mark.parametrize(
    ("reason", "score", "judge_p", "supported", "layer"),
    [
        ("number not in the cited text: 45", 0.99, 0.99, False, "exact"),  # exact checks veto everything
        (None, 0.85, None, True, "similarity"),  # over the band
        (None, 0.10, 0.99, False, "similarity"),  # under the band: the judge is not asked
        (None, 0.50, 0.70, True, "judge"),  # in the band: the judge decides
        (None, 0.50, 0.40, False, "judge"),
        (None, 0.56, None, True, "similarity"),  # in the band, no judge: the midpoint 0.55 decides
        (None, 0.54, None, False, "similarity"),
    ],
)
def test_decide(reason: str | None, score: float, judge_p: float | None, supported: bool, layer: str) -> None:
    v = decide(exact_reason=reason, score=score, judge_p=judge_p, t=T)
    assert (v.supported, v.layer) == (supported, layer)


def _row(score: float, label: bool, *, exact_ok: bool = True, judge: float = math.nan) -> Row:
    return Row("r", "", Evidence((), ()), label, "", exact_ok, score, judge)


def test_fit_prefers_accuracy_then_precision_then_the_widest_band() -> None:
    # Scores 0.9/0.8 supported, 0.4/0.3 not: every band whose midpoint lies in (0.4, 0.8] is exact;
    # the widest on the grid is 0.20-0.95 (midpoint 0.575).
    rows = [_row(0.9, True), _row(0.8, True), _row(0.4, False), _row(0.3, False)]
    assert fit(rows, use_judge=False) == Thresholds(low=0.2, high=0.95)
    # A statement that fails the exact checks is unsupported whatever its score.
    assert not calibrate.decide(_row(0.99, True, exact_ok=False), T, use_judge=False)
    assert calibrate.decide(_row(0.5, True, judge=0.9), T, use_judge=True)
    assert not calibrate.decide(_row(0.5, True, judge=0.9), T, use_judge=False)  # no judge: midpoint 0.55


def test_metrics_by_hand() -> None:
    m = metrics([True, True, False, False], [True, False, False, True])
    assert (m["precision"], m["recall"], m["accuracy"], m["n"]) == (0.5, 0.5, 0.5, 4)
    assert math.isnan(metrics([False], [False])["precision"])


def test_the_stored_calibration_is_a_fit_of_its_own_scores() -> None:
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    labels = [json.loads(line) for line in calibrate.LABELS.read_text(encoding="utf-8").splitlines()]
    assert data["rows"] == len(labels) == len(data["scores"])
    assert [s["id"] for s in data["scores"]] == [r["id"] for r in labels]
    assert all(s["judge"] is not None for s in data["scores"])
    fresh = refit(data)
    assert fresh["without_judge"] == data["thresholds"]["without_judge"]
    assert fresh["with_judge"] == data["thresholds"]["with_judge"]


def test_the_verifier_uses_the_stored_thresholds() -> None:
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))["thresholds"]
    for with_judge, key in ((True, "with_judge"), (False, "without_judge")):
        t = calibrated(with_judge=with_judge)
        assert (t.low, t.high, t.judge) == (data[key]["low"], data[key]["high"], data[key]["judge"])
    assert Verifier(FakeEmbedder()).t == calibrated(with_judge=False)


def test_a_missing_calibration_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="rag calibrate --write"):
        calibrated(with_judge=True, path=tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ModelError, match="rag calibrate --write"):
        calibrated(with_judge=False, path=tmp_path / "bad.json")
