"""Fair use of the one model (rag/core/limits.py), on a clock the test moves by hand."""

from __future__ import annotations

import pytest

from rag.core.errors import FairUseError
from rag.core.limits import BUSY_RETRY_S, FairUse


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_minute_holds_per_minute_questions_and_says_when_to_retry() -> None:
    """Questions at t=0, 10 and 20 s fill a minute of 3; at t=30 the next waits until the first is
    60 s old: 0 + 60 - 30 = 30 s. At t=60 the first has left the window and one more is admitted."""
    clock = Clock()
    fair = FairUse(per_minute=3, queued=10, wait_s=5, clock=clock)
    for t in (0, 10, 20):
        clock.now = 1000.0 + t
        fair.leave(fair.enter("a"))
    clock.now = 1030.0
    with pytest.raises(FairUseError) as err:
        fair.enter("a")
    assert (err.value.code, err.value.retry_after) == ("rate_limit_exceeded", 30)
    assert "3 in the last minute" in str(err.value) and "ask again in 30 s" in str(err.value)
    fair.leave(fair.enter("b"))  # another client has its own minute
    clock.now = 1060.0
    fair.leave(fair.enter("a"))
    assert fair.waiting("a") == 0


def test_a_client_may_queue_so_many_questions() -> None:
    fair = FairUse(per_minute=100, queued=2, wait_s=5, clock=Clock())
    first, second = fair.enter("a"), fair.enter("a")
    with pytest.raises(FairUseError) as err:
        fair.enter("a")
    assert (err.value.code, err.value.retry_after) == ("too_many_queued", BUSY_RETRY_S)
    assert fair.waiting("a") == 2, "a refused question takes no place"
    fair.leave(first)
    fair.leave(first)  # leaving twice frees one place only
    third = fair.enter("a")
    assert fair.waiting("a") == 2
    for t in (second, third):
        fair.leave(t)


def test_a_question_that_waits_too_long_is_dropped_and_frees_its_place() -> None:
    clock = Clock()
    fair = FairUse(per_minute=100, queued=4, wait_s=30, clock=clock)
    holder, waiter = fair.enter("a"), fair.enter("b")
    assert fair.acquire(holder, slice_s=0)
    assert not fair.acquire(waiter, slice_s=0)
    clock.now += 29.9
    assert not fair.acquire(waiter, slice_s=0), "still within its wait"
    clock.now += 0.1
    with pytest.raises(FairUseError) as err:
        fair.acquire(waiter, slice_s=0)
    assert err.value.code == "queue_timeout" and "30 s" in str(err.value)
    assert fair.waiting("b") == 0
    fair.leave(holder)
    late = fair.enter("b")
    assert fair.acquire(late, slice_s=0), "the model is free again"
    fair.leave(late)
    assert not fair.model.locked()
