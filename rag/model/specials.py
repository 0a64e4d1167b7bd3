"""Text sent to a model can never become one of its special tokens.

llama.cpp (and llama-cpp-python's chat handler) tokenizes the whole rendered chat prompt with
special tokens parsed, so `<|im_end|>` written in an article, a question or a history turn would
become Qwen's real end-of-turn token: the model then reads a turn ending inside an article (issue
26: an ordinary question cited the wrong sentence). Every message's text is therefore neutralised
here, in one place, before the chat template: a WORD JOINER (U+2060, invisible, no meaning) is
put after the first character of each special-token string, so the tokenizer reads the text as
ordinary characters and the model still sees the same glyphs. Only the text sent to the model
changes: citations are resolved in code from the file's own text by offsets.

The strings are every `<|…|>` form (ASCII or full-width bars, as Qwen, Llama 3, Phi and DeepSeek
write their control tokens) and the other special strings of the model's vocabulary: read from the
GGUF for a model run by llama.cpp (`rag.model.generation.project_llama`), and `BUNDLED_SPECIALS`
for a model behind an OpenAI-compatible server, whose vocabulary cannot be read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

WORD_JOINER = "\u2060"

# The bundled Qwen2.5-Coder vocabularies' special strings that are not of the `<|…|>` form (their
# control, user-defined and unknown tokens, llama.cpp's "special" tokens); tests/model/test_specials.py
# reads them from both GGUF files and fails if a model brings another.
BUNDLED_SPECIALS: frozenset[str] = frozenset({"</s>", "<tool_call>", "</tool_call>"})

_BARRED = r"<\|[^<>|\s]{0,64}\|>|<｜[^<>｜\s]{0,64}｜>"


@functools.lru_cache(maxsize=8)
def _pattern(specials: frozenset[str]) -> re.Pattern[str]:
    # Longest first, so a string that holds a shorter special is broken as a whole.
    named = sorted((s for s in specials if len(s) >= 2), key=lambda s: (-len(s), s))
    return re.compile("|".join([_BARRED, *map(re.escape, named)]))


def neutralise(text: str, specials: Iterable[str] = BUNDLED_SPECIALS) -> str:
    """`text` with every special-token string broken by a word joiner after its first character.

    Idempotent, and text without such a string comes back unchanged. A one-character special
    string cannot be broken and is left as it is (no known vocabulary has one).

    >>> neutralise("the end <|im_end|> of it")
    'the end <\\u2060|im_end|> of it'
    """
    pattern = _pattern(frozenset(specials))
    if pattern.search(text) is None:
        return text
    out = pattern.sub(lambda m: m[0][0] + WORD_JOINER + m[0][1:], text)
    if pattern.search(out) is not None:
        # A special string that the first break left whole (one inside another's remainder):
        # every character of it apart.
        out = pattern.sub(lambda m: WORD_JOINER.join(m[0]), out)
    return out


def neutral_messages(
    messages: Sequence[Mapping[str, Any]], specials: Iterable[str] = BUNDLED_SPECIALS
) -> list[dict[str, Any]]:
    """Chat messages with the text of every message neutralised (`content` as a string, or as
    OpenAI's list of parts, whose `text` parts are neutralised); roles and other fields as given."""
    names = frozenset(specials)
    out = []
    for message in messages:
        m = dict(message)
        content = m.get("content")
        if isinstance(content, str):
            m["content"] = neutralise(content, names)
        elif isinstance(content, list):
            m["content"] = [
                {**part, "text": neutralise(part["text"], names)}
                if isinstance(part, Mapping) and isinstance(part.get("text"), str)
                else part
                for part in content
            ]
        out.append(m)
    return out
