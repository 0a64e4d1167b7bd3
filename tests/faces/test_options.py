"""Every option of every command says its default, its range where it has one and its `RAG_*`
variable where a setting backs it; each command offers only the options it uses (issue 29)."""

from __future__ import annotations

import argparse

import pytest

from rag.faces.cli import bars_wanted, build_parser

# Options a setting backs: the variable their help must name.
ENV = {
    "--corpus": "RAG_CORPUS_DIR",
    "--index-dir": "RAG_INDEX_DIR",
    "--chroma-url": "RAG_CHROMA_URL",
    "--model": "RAG_LLM_MODEL",
    "--llm-url": "RAG_LLM_URL",
    "--llm-serve": "RAG_LLM_SERVE",
    "--top": "RAG_TOP_PASSAGES",
    "--users-file": "RAG_USERS_FILE",
    "--api-key": "RAG_SERVE_API_KEYS",
    "--cors-origin": "RAG_CORS_ORIGINS",
    "--log-questions": "RAG_LOG_QUESTIONS",
}


def _commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _options(sp: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {a.option_strings[-1]: a for a in sp._actions if a.option_strings and a.dest != "help"}


def test_every_option_names_its_default_and_its_variable() -> None:
    missing = []
    for name, sp in _commands().items():
        for flag, action in _options(sp).items():
            text = action.help or ""
            if "default" not in text:
                missing.append(f"rag {name} {flag}: no default")
            if flag in ENV and ENV[flag] not in text and not (name == "eval" and flag == "--corpus"):
                missing.append(f"rag {name} {flag}: no {ENV[flag]}")
    assert missing == []


def test_each_command_offers_only_what_it_uses() -> None:
    cmds = {name: set(_options(sp)) for name, sp in _commands().items()}
    assert not {"--model", "--llm-url", "--llm-serve"} & cmds["index"]
    assert {"--corpus", "--index-dir", "--chroma-url"} <= cmds["index"]
    assert {"--corpus", "--since", "--until", "--include-undated", "--top", "--model", "--llm-url"} <= cmds["ask"]
    for server in ("chat", "serve"):
        assert {"--host", "--port", "--log-questions", "--corpus", "--model"} <= cmds[server]
    assert cmds["models"] == {"--prepare"}
    assert cmds["users"] == {"--role", "--users-file"}
    assert not {"--index-dir", "--llm-url", "--corpus"} & cmds["doctor"]


def test_ranges_are_checked_with_the_range_in_the_message(capsys) -> None:
    parser = build_parser()
    for argv, says in (
        (["ask", "q", "--top", "0"], "from 1 to 20"),
        (["serve", "--port", "70000"], "from 1 to 65535"),
    ):
        with pytest.raises(SystemExit):
            parser.parse_args(argv)
        assert says in capsys.readouterr().err
    help_text = _commands()["serve"].format_help()
    assert "(default: 127.0.0.1" in help_text and "(default: 8000)" in help_text


def test_progress_bars_only_on_a_terminal_with_or_without_json(monkeypatch) -> None:
    """`rag index --json` shows its bar on a terminal's stderr (the JSON goes to stdout alone)."""

    class Tty:
        def isatty(self) -> bool:
            return True

    parser = build_parser()
    monkeypatch.setattr("sys.stderr", Tty())
    assert bars_wanted(parser.parse_args(["index"]))
    assert bars_wanted(parser.parse_args(["index", "--json"]))
    monkeypatch.undo()
    monkeypatch.setattr("sys.stderr", open("/dev/null", "w"))  # noqa: SIM115
    assert not bars_wanted(parser.parse_args(["index"]))


def test_without_a_terminal_indexing_progress_is_a_plain_line_now_and_then(capsys) -> None:
    """A log or a pipe gets "indexing: 3 of 10 files (30%), 0 s" lines, not silence and not a bar."""
    from rag.faces.cli import _progress_bar

    quiet = _progress_bar("indexing", False, every_s=3600)
    for done in range(11):
        quiet(done, 10, f"a{done}.txt")
    assert capsys.readouterr().err.splitlines() == ["indexing: 10 of 10 files (100%), 0 s"]  # the end only
    often = _progress_bar("indexing", False, every_s=0)
    often(3, 10, "a.txt")
    often(1_000, 1_500, "b.txt")
    assert capsys.readouterr().err.splitlines() == [
        "indexing: 3 of 10 files (30%), 0 s",
        "indexing: 1,000 of 1,500 files (67%), 0 s",
    ]
