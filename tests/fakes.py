"""Fakes behind the same interfaces as the real embedder and generator."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from rag.model.generation import Messages, Usage

_WORD = re.compile(r"\w+")


class FakeEmbedder:
    """Bag of words hashed into 256 dimensions, L2-normalised.

    Neighbours are predictable by hand: texts sharing more (lower-cased) words are closer, and
    texts sharing no word have cosine 0.
    """

    name = "fake-bow-256"
    dim = 256

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in _WORD.findall(t.lower()):
                h = int(hashlib.md5(w.encode()).hexdigest()[:8], 16)
                out[i, h % self.dim] += 1.0
            n = np.linalg.norm(out[i])
            if n:
                out[i] /= n
        return out


Script = str | Callable[[Messages], str]


class ScriptedGenerator:
    """Returns scripted replies in turn (or computes one from the prompt) and records every prompt."""

    def __init__(self, replies: Sequence[Script] | Script, *, name: str = "scripted") -> None:
        self.replies = list(replies) if isinstance(replies, (list, tuple)) else [replies]
        self.prompts: list[Messages] = []
        self.schemas: list[dict[str, Any]] = []
        self.name = name
        self.last_usage = Usage()

    def load(self) -> None:
        """Nothing to load."""

    def _next(self, messages: Messages) -> str:
        reply = self.replies[min(len(self.prompts) - 1, len(self.replies) - 1)]
        return reply(messages) if callable(reply) else reply

    def generate(self, messages: Messages, *, schema: dict[str, Any], max_tokens: int) -> str:
        return "".join(self.stream(messages, schema=schema, max_tokens=max_tokens))

    def stream(self, messages: Messages, *, schema: dict[str, Any], max_tokens: int) -> Iterator[str]:
        self.prompts.append(messages)
        self.schemas.append(schema)
        text = self._next(messages)
        self.last_usage = Usage(
            prompt_tokens=sum(len(m["content"]) // 4 for m in messages), completion_tokens=len(text) // 4
        )
        for i in range(0, len(text), 7):
            yield text[i : i + 7]


def source_ids(messages: Messages, needle: str) -> list[int]:
    """Ids of the numbered source lines in the prompt that contain `needle`."""
    user = messages[-1]["content"]
    return [int(m.group(1)) for m in re.finditer(r"^\[(\d+)\] (.*)$", user, re.M) if needle in m.group(2)]


class ScriptedJudge:
    """A judge with fixed answers: `supports` for every entailment, and `answers(question, sentence)`
    1.0 when the sentence holds one of `answering`, else 0.0. Records every question asked."""

    def __init__(self, *, answering: Sequence[str] = (), supports: float = 1.0) -> None:
        self.answering = list(answering)
        self.supports = supports
        self.asked: list[tuple[str, str]] = []

    def entailment(self, passage: str, statement: str) -> float:
        return self.supports

    def answers(self, question: str, sentence: str) -> float:
        self.asked.append((question, sentence))
        return 1.0 if any(a in sentence for a in self.answering) else 0.0
