"""Fair use of the one model by many clients (an API key, a chat login, a chat session).

Per client: at most `per_minute` questions in any 60 s (a sliding window over the times of its
admitted questions) and at most `queued` questions waiting or being answered at once. Every client
waits in one line for the model; a question that waited `wait_s` is dropped instead of holding the
line. Refusals are `FairUseError`s with a `code` and a `retry_after` in seconds.

    fair = FairUse(per_minute=20, queued=4, wait_s=60)
    ticket = fair.enter("key-1a2b")               # may raise FairUseError (rate, queue)
    try:
        while not fair.acquire(ticket, slice_s=0.5):  # may raise FairUseError (waited too long)
            ...                                    # still waiting: show it, notice a closed page
        ...                                        # the model is this ticket's
    finally:
        fair.leave(ticket)
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.core.errors import FairUseError

if TYPE_CHECKING:
    from rag.core.settings import Settings

WINDOW_S = 60.0
BUSY_RETRY_S = 5  # Retry-After for a full queue or a dropped question: about one answer (3 s, README "Speed")


@dataclass(slots=True)
class Ticket:
    """One admitted question: its client, when it entered (clock seconds), whether it holds the model."""

    client: str
    entered: float
    holds: bool = False
    left: bool = False


class FairUse:
    """Per-client limits on one shared model, thread-safe; `clock` is injectable for tests."""

    def __init__(
        self, *, per_minute: int, queued: int, wait_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute, self.queued, self.wait_s, self.clock = per_minute, queued, wait_s, clock
        self.model = threading.Lock()  # the one model: whoever holds it is answered
        self._guard = threading.Lock()
        self._times: dict[str, deque[float]] = {}
        self._waiting: dict[str, int] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> FairUse:
        return cls(per_minute=settings.rate_per_minute, queued=settings.queued_per_client, wait_s=settings.queue_wait_s)

    def enter(self, client: str) -> Ticket:
        """Admit a question of `client`, counting it against its minute and its queue.

        Raises:
            FairUseError: `rate_limit_exceeded` (retry when the oldest question of the minute is
                60 s old) or `too_many_queued`.
        """
        with self._guard:
            now = self.clock()
            times = self._times.setdefault(client, deque())
            while times and now - times[0] >= WINDOW_S:
                times.popleft()
            if len(times) >= self.per_minute:
                wait = max(1, math.ceil(times[0] + WINDOW_S - now))
                raise FairUseError(
                    f"Too many questions: {len(times)} in the last minute, the most one client may ask "
                    f"(RAG_RATE_PER_MINUTE); ask again in {wait} s.",
                    code="rate_limit_exceeded",
                    retry_after=wait,
                )
            if self._waiting.get(client, 0) >= self.queued:
                raise FairUseError(
                    f"You already have {self.queued} questions waiting for the model, the most one client may "
                    "queue (RAG_QUEUED_PER_CLIENT): wait for an answer, then ask again.",
                    code="too_many_queued",
                    retry_after=BUSY_RETRY_S,
                )
            times.append(now)
            self._waiting[client] = self._waiting.get(client, 0) + 1
            return Ticket(client, now)

    def acquire(self, ticket: Ticket, *, slice_s: float) -> bool:
        """Wait up to `slice_s` for the model: True once the ticket holds it, False while it waits.

        Raises:
            FairUseError: `queue_timeout` once the ticket has waited `wait_s` (it leaves the line).
        """
        if ticket.holds:
            return True
        if self.model.acquire(timeout=max(0.0, slice_s)):
            ticket.holds = True
            return True
        if self.clock() - ticket.entered >= self.wait_s:
            self.leave(ticket)
            raise FairUseError(
                f"The model was busy with other questions for {self.wait_s:g} s, the longest a question waits "
                "(RAG_QUEUE_WAIT_S), so yours was dropped: ask again in a moment.",
                code="queue_timeout",
                retry_after=BUSY_RETRY_S,
            )
        return False

    def leave(self, ticket: Ticket) -> None:
        """The question is answered, failed or dropped: free the model and its place in the queue (once)."""
        with self._guard:
            if ticket.left:
                return
            ticket.left = True
            self._waiting[ticket.client] -= 1
            if not self._waiting[ticket.client]:
                del self._waiting[ticket.client]
        if ticket.holds:
            ticket.holds = False
            self.model.release()

    def waiting(self, client: str) -> int:
        """Questions of `client` waiting or being answered now."""
        with self._guard:
            return self._waiting.get(client, 0)

    @contextmanager
    def turn(self, client: str, *, slice_s: float = 0.5) -> Iterator[Ticket]:
        """Enter, wait for the model, and leave when the block ends (raises as `enter`/`acquire`)."""
        ticket = self.enter(client)
        try:
            while not self.acquire(ticket, slice_s=slice_s):
                pass
            yield ticket
        finally:
            self.leave(ticket)
