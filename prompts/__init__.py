"""Prompt templates, shipped as package data and rendered with `string.Template` ($name)."""

from __future__ import annotations

import string
from functools import cache
from importlib import resources

NAMES = ("system", "system_quoted", "user", "rewrite", "judge", "judge_system")


@cache
def template(name: str) -> string.Template:
    return string.Template(resources.files(__name__).joinpath(f"{name}.txt").read_text(encoding="utf-8"))


def render(name: str, **values: object) -> str:
    """Render prompt `name`; a missing variable raises KeyError (a test renders every template)."""
    return template(name).substitute(**values).strip()
