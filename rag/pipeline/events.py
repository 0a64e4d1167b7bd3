"""What `Pipeline.stream` yields: progress, each statement as soon as it is checked, then the answer."""

from __future__ import annotations

from dataclasses import dataclass

from rag.core.types import Answer, Statement


@dataclass(frozen=True, slots=True)
class Stage:
    """Progress event: a stage of the pipeline has started."""

    name: str  # "rewriting", "retrieving", "generating"


@dataclass(frozen=True, slots=True)
class Writing:
    """Progress event while the model writes (about every `WRITING_EVERY_S`): pieces received so far.

    It also gives a consumer that stops iterating (a chat user who left) a point at which to stop,
    which closes the model's stream and frees the model for the next question.
    """

    pieces: int


WRITING_EVERY_S = 0.5


@dataclass(frozen=True, slots=True)
class StatementReady:
    """A statement, resolved to its citations, as soon as the model finished it."""

    statement: Statement


@dataclass(frozen=True, slots=True)
class Done:
    """The final answer; always the last event."""

    answer: Answer


Event = Stage | Writing | StatementReady | Done
