from __future__ import annotations

import string

import pytest

import prompts


@pytest.mark.parametrize("name", prompts.NAMES)
def test_every_template_renders_with_its_variables(name: str) -> None:
    tpl = prompts.template(name)
    names = {
        m.group("named") or m.group("braced")
        for m in tpl.pattern.finditer(tpl.template)
        if m.group("named") or m.group("braced")
    }
    if not names:  # a fixed text, such as the judge's system prompt
        assert prompts.render(name) == tpl.template.strip() != ""
        return
    out = prompts.render(name, **{n: f"<{n}>" for n in names})
    for n in names:
        assert f"<{n}>" in out
    with pytest.raises(KeyError):
        prompts.render(name)


def test_templates_are_string_templates() -> None:
    assert isinstance(prompts.template("system"), string.Template)
