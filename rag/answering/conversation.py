"""Follow-up questions: detect them and rewrite them into standalone questions.

"And how many of them were children?" cannot be retrieved on its own. When a question leans on
the conversation (short, or opening or referring back with a pronoun), the model rewrites it
with the last turns into a standalone question, which is then retrieved and answered as usual.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import prompts
from rag.model.generation import Generator

REWRITE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"question": {"type": "string"}},
    "required": ["question"],
}
_FOLLOW_UP = re.compile(
    r"^(and|but|also|so|what about|how about|then|why|which of)\b|\b(they|them|their|it|its|he|she|his|her|"
    r"those|these|that|this|there|the same|the other)\b",
    re.IGNORECASE,
)
HISTORY_TURNS = 3  # the turns the rewrite sees
ANSWER_CHARS = 600  # of each earlier answer


def is_follow_up(question: str) -> bool:
    """A question that leans on the conversation: short, or opening/referring back with a pronoun."""
    return len(question.split()) <= 4 or _FOLLOW_UP.search(question) is not None


def strip_markers(text: str) -> str:
    """An answer without its [n] citation markers."""
    return re.sub(r"\s*\[\d+\]", "", text)


def rewrite(generator: Generator, question: str, history: Sequence[tuple[str, str]], *, max_chars: int) -> str:
    """`question` made standalone with the last turns of `history`; the question itself on failure."""
    lines = []
    for q, a in list(history)[-HISTORY_TURNS:]:
        lines.append(f"User: {q}")
        lines.append(f"Assistant: {strip_markers(a)[:ANSWER_CHARS]}")
    raw = generator.generate(
        [{"role": "user", "content": prompts.render("rewrite", history="\n".join(lines), question=question)}],
        schema=REWRITE_SCHEMA,
        max_tokens=80,
    )
    try:
        out = json.loads(raw).get("question", "")
    except (ValueError, AttributeError):
        out = ""
    out = " ".join(str(out).split())
    return out if 3 <= len(out) <= max_chars else question
