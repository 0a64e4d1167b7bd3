"""The `rag` command's options: each command offers only what it uses, and every option's help
gives its default, its range and the `RAG_*` variable that sets it too (`tests/faces/test_options.py`
checks every one). Defaults shown are `Settings`' own, read from its fields, never copied.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from rag.core.settings import MAX_TOP, Settings

Command = Callable[[argparse.Namespace], int]
CASES = Path(__file__).resolve().parents[2] / "tests" / "eval" / "cases.jsonl"


def default(name: str) -> Any:
    """A setting's default, as `Settings` declares it."""
    return Settings.model_fields[name].default


def port(text: str) -> int:
    """A TCP port, 1-65535; argparse reports anything else as an error naming the range."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a whole number from 1 to 65535, not {text!r}")
    return value


def top(text: str) -> int:
    """A passage count, 1-MAX_TOP."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_TOP:
        raise argparse.ArgumentTypeError(f"the number of passages is a whole number from 1 to {MAX_TOP}, not {text!r}")
    return value


def where(sp: argparse.ArgumentParser, *, corpus: bool = True) -> None:
    """Where the articles and the index are."""
    if corpus:
        sp.add_argument(
            "--corpus",
            metavar="DIR",
            help="your folder of articles (.txt .md .html .pdf .docx, JSON/CSV exports): what `rag index` reads, "
            f"`rag ask` indexes when there is "
            f"no index, and the chat adds uploads to (default: {default('corpus_dir')}/ in the project, the "
            "bundled articles; env RAG_CORPUS_DIR)",
        )
    sp.add_argument(
        "--index-dir",
        metavar="DIR",
        help=f"the index folder (default: {default('index_dir')}/ in the project; env RAG_INDEX_DIR)",
    )
    sp.add_argument(
        "--chroma-url",
        metavar="URL",
        help="keep the index in a Chroma server, http://HOST:PORT (default: none, the embedded index in "
        "--index-dir; env RAG_CHROMA_URL)",
    )


def models(sp: argparse.ArgumentParser, *, servers: bool = True) -> None:
    """Which model writes (and judges) the answers, and where it runs."""
    sp.add_argument(
        "--model",
        help=f"'default' (Qwen2.5 1.5B), 'fast' (0.5B) or the path of a GGUF file "
        f"(default: {default('llm_model')}; env RAG_LLM_MODEL)",
    )
    if not servers:
        return
    sp.add_argument(
        "--llm-url",
        metavar="URL",
        help="an OpenAI-compatible model server, http://HOST:PORT/v1 (default: none, the model runs in "
        "this process; env RAG_LLM_URL)",
    )
    sp.add_argument(
        "--llm-serve",
        action="store_true",
        help="run the model in a process of its own, started again if it dies (default: off; env RAG_LLM_SERVE=1)",
    )


def listening(sp: argparse.ArgumentParser, *, port_default: int, what: str) -> None:
    """`--host`, `--port` and `--log-questions` of the two servers."""
    sp.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (default: 127.0.0.1, this machine only; any other address, e.g. "
        "0.0.0.0, needs " + what + " or --no-auth: README, Serving a team)",
    )
    sp.add_argument("--port", type=port, default=port_default, help=f"1-65535 (default: {port_default})")
    sp.add_argument(
        "--log-questions",
        action="store_true",
        help="write each question's text in its request line (default: off, only time, status and seconds; "
        "env RAG_LOG_QUESTIONS=1)",
    )


def dates(sp: argparse.ArgumentParser) -> None:
    """The date range of `rag ask` (the API and the chat take the same three)."""
    sp.add_argument("--since", metavar="YYYY-MM-DD", help="only articles dated on or after this day (default: none)")
    sp.add_argument("--until", metavar="YYYY-MM-DD", help="only articles dated on or before this day (default: none)")
    sp.add_argument(
        "--include-undated",
        action="store_true",
        help="with --since/--until, search articles without a date too (default: off; the answer says how "
        "many it left out)",
    )


def build_parser(commands: Mapping[str, Command]) -> argparse.ArgumentParser:
    """The `rag` parser; `commands` maps each command's name to the function that runs it."""
    p = argparse.ArgumentParser(
        prog="rag",
        description="Cited answers from your news articles, offline. Start with `rag index --corpus DIR`, "
        "then `rag ask --corpus DIR QUESTION`, `rag chat` or `rag serve` (README, Quick start).",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="show debug logs (default: warnings only)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_index, _text, _ask, _chat, _serve, _users, _models, _doctor, _bench, _eval, _calibrate):
        add(sub, commands)
    return p


def _index(sub: Any, commands: Mapping[str, Command]) -> None:
    sp = sub.add_parser("index", help="index article files (default: the corpus folder)")
    sp.add_argument(
        "paths",
        nargs="*",
        help="files or folders of articles: .txt .md .html .pdf .docx, and .json/.jsonl/.csv exports of one record "
        "an article (default: --corpus, else seeds/)",
    )
    sp.add_argument("--rebuild", action="store_true", help="throw the index away and build it again (default: off)")
    sp.add_argument(
        "--field",
        action="append",
        metavar="ROLE=NAME",
        help="an export's field for a role (id, title, body, date, url, author), e.g. body=story_text "
        "(repeatable; default: the usual names, title/headline, body/content/text/article, ...)",
    )
    sp.add_argument("--json", action="store_true", help="print a JSON summary (default: a line of text)")
    sp.add_argument(
        "--explain",
        action="store_true",
        help="index nothing: list what reading keeps out of each file, and why (default: off)",
    )
    where(sp)
    sp.set_defaults(func=commands["index"])


def _text(sub: Any, commands: Mapping[str, Command]) -> None:
    sp = sub.add_parser("text", help="print exactly the text an indexed article's citation offsets index")
    sp.add_argument("source", help="the article as indexed (a file, or FILE#ID for an export's record)")
    sp.add_argument("--record", help="the record's id, for a JSON/JSONL/CSV export (default: none)")
    where(sp)
    sp.set_defaults(func=commands["text"])


def _ask(sub: Any, commands: Mapping[str, Command]) -> None:
    sp = sub.add_parser("ask", help="answer a question with citations")
    sp.add_argument("question", help="the question, in quotes")
    sp.add_argument("--json", action="store_true", help="print the Answer as JSON (default: text)")
    sp.add_argument(
        "--source", action="append", metavar="FILE", help="only use this indexed file (repeatable; default: all)"
    )
    sp.add_argument(
        "--top",
        type=top,
        metavar="N",
        help=f"passages to draw sentences from, 1-{MAX_TOP} (default: {default('top_passages')}; env RAG_TOP_PASSAGES)",
    )
    dates(sp)
    where(sp)
    models(sp)
    sp.set_defaults(func=commands["ask"])


def _chat(sub: Any, commands: Mapping[str, Command]) -> None:
    sp = sub.add_parser("chat", help="start the chat in the browser; prints its URL when ready")
    listening(sp, port_default=7860, what="logins (rag users add)")
    sp.add_argument(
        "--users-file",
        metavar="FILE",
        help=f"the logins (default: {default('users_file')} in the project; env RAG_USERS_FILE)",
    )
    sp.add_argument(
        "--no-auth",
        action="store_true",
        help="off loopback: serve without logins, and without uploads (default: off)",
    )
    where(sp)
    models(sp)
    sp.set_defaults(func=commands["chat"])


def _serve(sub: Any, commands: Mapping[str, Command]) -> None:
    sp = sub.add_parser(
        "serve", help="serve cited answers as an OpenAI-compatible /v1/chat/completions; prints its URL when ready"
    )
    listening(sp, port_default=8000, what="keys (--api-key)")
    sp.add_argument(
        "--api-key",
        action="append",
        metavar="KEY",
        help="a key clients must send, 16 characters or more (repeatable; default: none; "
        "env RAG_SERVE_API_KEYS, comma-separated or a file of keys)",
    )
    sp.add_argument(
        "--cors-origin",
        action="append",
        metavar="ORIGIN",
        help="a web origin allowed to call it, e.g. https://desk.example (repeatable; default: none; "
        "env RAG_CORS_ORIGINS)",
    )
    sp.add_argument("--no-auth", action="store_true", help="off loopback: serve without keys (default: off)")
    where(sp)
    models(sp)
    sp.set_defaults(func=commands["serve"])


def _users(sub: Any, commands: Mapping[str, Command]) -> None:
    sp = sub.add_parser("users", help="the chat's logins: add NAME --role reader|editor, list, remove NAME")
    sp.add_argument("action", choices=["add", "list", "remove"], help="what to do")
    sp.add_argument("name", nargs="?", default="", help="the login name (for add and remove)")
    sp.add_argument(
        "--role",
        choices=["reader", "editor"],
        default="reader",
        help="readers ask; editors also add articles (default: reader)",
    )
    sp.add_argument(
        "--users-file",
        metavar="FILE",
        help=f"default: {default('users_file')} in the project; env RAG_USERS_FILE",
    )
    sp.set_defaults(func=commands["users"])


def _models(sub: Any, commands: Mapping[str, Command]) -> None:
    sp = sub.add_parser("models", help="assemble and verify the bundled models")
    sp.add_argument(
        "--prepare",
        choices=["default", "fast", "embedder", "all"],
        default="default",
        help="which bundled model: a GGUF, or the embedder's int8 ONNX export for indexing (default: default)",
    )
    sp.set_defaults(func=commands["models"])


def _doctor(sub: Any, commands: Mapping[str, Command]) -> None:
    sp = sub.add_parser("doctor", help="check that llama.cpp runs here; CPU features, buffers, speed")
    sp.add_argument(
        "--quick", action="store_true", help="a shorter generation, as scripts/setup.sh runs (default: off)"
    )
    sp.add_argument("--json", action="store_true", help="print the facts as JSON (default: text)")
    sp.add_argument(
        "--compare-site",
        action="append",
        metavar="DIR",
        help="also time the llama-cpp-python build in DIR (repeatable; default: none)",
    )
    sp.add_argument("--rounds", type=int, metavar="N", help="speed comparison: rounds of every build (default: 3)")
    sp.add_argument("--out", metavar="FILE", help="write the comparison JSON here (default: print only)")
    models(sp, servers=False)
    sp.set_defaults(func=commands["doctor"])


def _bench(sub: Any, commands: Mapping[str, Command]) -> None:
    sp = sub.add_parser("bench", help="print latency figures on the bundled corpus (in an index of its own)")
    sp.add_argument(
        "--questions", metavar="FILE", help="one question per line (default: five fixed questions on seeds/)"
    )
    sp.add_argument("--repeat", type=int, default=1, metavar="N", help="rounds (default: 1)")
    sp.add_argument("--no-naive", action="store_true", help="skip the naive top-5-chunks baseline (default: off)")
    sp.add_argument(
        "--compare-tree",
        metavar="DIR",
        help="time an older checkout (git worktree) against this one, alternating, --repeat rounds (default: none)",
    )
    sp.add_argument(
        "--scale",
        metavar="N,N,...",
        help="the synthetic archive at these sizes in articles (about 5 chunks each), e.g. 200,2000,20000 "
        "(default: none)",
    )
    sp.add_argument(
        "--answers", type=int, default=5, metavar="N", help="with --scale: planted questions answered (default: 5)"
    )
    sp.add_argument(
        "--index",
        metavar="DIR",
        help="index a copy of this folder of articles, and of it as one JSONL export, with today's and the int8 "
        "embedder, --repeat rounds: chunks/s, peak RSS, time (default: none)",
    )
    sp.add_argument(
        "--cases",
        metavar="FILE",
        help="with --index: eval cases whose retrieval recall both indexes are scored on, without the model "
        "(default: none)",
    )
    sp.add_argument(
        "--resume",
        metavar="DIR",
        help="with --scale N: finish the run of size N left in DIR (default: none, a new run)",
    )
    sp.add_argument(
        "--variant",
        action="append",
        metavar="NAME:SETTING=VALUE,...",
        help="time these settings against the current ones in one run, alternating (repeatable; default: none), "
        "e.g. off:llama_extra_buffers=off",
    )
    sp.add_argument("--out", metavar="FILE", help="write the JSON here (any bench; default: none)")
    models(sp)
    sp.set_defaults(func=commands["bench"])


def _eval(sub: Any, commands: Mapping[str, Command]) -> None:
    sp = sub.add_parser("eval", help="run the citation-faithfulness suite")
    sp.add_argument("--cases", default=str(CASES), metavar="FILE", help="the cases (default: tests/eval/cases.jsonl)")
    sp.add_argument(
        "--corpus",
        metavar="DIR",
        help="index a copy of this folder of articles (in its own work folder) and ask the cases over it "
        "(default: none, the project's index)",
    )
    sp.add_argument(
        "--work", metavar="DIR", help="with --corpus: the folder of its copy and index (default: the cache)"
    )
    sp.add_argument("--labels", metavar="FILE", help="hand labels (default: tests/eval/answer_labels.jsonl)")
    sp.add_argument("--kinds", nargs="*", metavar="KIND", help="only these kinds (default: all)")
    sp.add_argument("--limit", type=int, metavar="N", help="only the first N cases (default: all)")
    sp.add_argument("--ci", action="store_true", help="the fixed CI subset, with the default thresholds (default: off)")
    sp.add_argument(
        "--out",
        default="eval-out",
        metavar="DIR",
        help="folder for report.json, report.md, metrics.png (default: eval-out)",
    )
    sp.add_argument(
        "--min", action="append", metavar="METRIC=VALUE", help="fail (exit 1) under this value (default: none)"
    )
    sp.add_argument(
        "--judge2", help="second judge: 'llm' (the local model alone) or an OpenAI-compatible URL (default: none)"
    )
    sp.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"), help="compare two report.json files (default: none)")
    sp.add_argument(
        "--hand-labels", metavar="REPORT", help="score a report.json's statements by the hand labels (default: none)"
    )
    sp.add_argument(
        "--verify-labels",
        action="store_true",
        help="the verifier's verdicts on the hand-labelled statements (default: off)",
    )
    sp.add_argument(
        "--no-labels", action="store_true", help="skip the verifier's accuracy on the labelled set (default: off)"
    )
    sp.add_argument("--quiet", action="store_true", help="no progress bar (default: off)")
    where(sp, corpus=False)
    models(sp)
    sp.set_defaults(func=commands["eval"])


def _calibrate(sub: Any, commands: Mapping[str, Command]) -> None:
    sp = sub.add_parser("calibrate", help="fit and report the verifier on tests/eval/support_labels.jsonl")
    sp.add_argument("--no-judge", action="store_true", help="leave the model judge out (default: off)")
    sp.add_argument("--write", action="store_true", help="store the fitted thresholds for the verifier (default: off)")
    models(sp)
    sp.set_defaults(func=commands["calibrate"])
