from __future__ import annotations

import json
from pathlib import Path

from rag.core.types import Answer, Citation, Statement
from rag.faces.cli import format_answer


def test_cli_prints_the_answer_text_and_each_numbered_passage() -> None:
    c = Citation("seeds/a.txt", 3, 20, "only 30 doctors", "Title", "2016-10-02", None)
    a = Answer(
        "q", "As of 2016-10-02: Only 30 doctors remain. [1]", (Statement("Only 30 doctors remain.", (c,)),), False
    )
    out = format_answer(a).splitlines()
    assert out[0] == "As of 2016-10-02: Only 30 doctors remain. [1]"
    assert out[2] == "[1] seeds/a.txt:3-20 (Title, 2016-10-02)"
    assert out[3] == "    “only 30 doctors”"


def test_bench_compare_tree_names_a_tree_that_cannot_run(tmp_path) -> None:
    import pytest

    from rag.faces.bench import _run_tree

    with pytest.raises(RuntimeError, match=str(tmp_path)):
        _run_tree(tmp_path, ["How many doctors remain?"])


def test_bench_child_reports_its_own_peak_memory() -> None:
    from rag.faces.bench import _child

    _child(["-c", "x = bytearray(300_000_000)"], {})
    parent = b"\x01" * 400_000_000  # a large parent, resident (a test runner that grew) is not the child's peak
    out, took, rss = _child(["-c", "x = bytearray(60_000_000); print('ok')"], {})
    assert out.strip() == "ok" and took > 0 and len(parent) > 0
    assert 60 <= rss < 290, "the small child's peak, not the earlier child's nor its parent's"


def test_bench_variant_is_parsed_and_a_wrong_one_names_the_fix() -> None:
    import pytest

    from rag.faces.bench import parse_variant

    assert parse_variant("off:llama_extra_buffers=off") == ("off", {"llama_extra_buffers": "off"})
    assert parse_variant("both:llama_extra_buffers=off,prompt_budget_tokens=180") == (
        "both",
        {"llama_extra_buffers": "off", "prompt_budget_tokens": "180"},
    )
    with pytest.raises(ValueError, match="NAME:setting=value"):
        parse_variant("off")
    with pytest.raises(ValueError, match="NAME:setting=value"):
        parse_variant("off:llama_extra_buffers")
    with pytest.raises(ValueError, match="no setting named prompt_budget"):
        parse_variant("small:prompt_budget=180")
    with pytest.raises(ValueError, match="'auto', 'on' or 'off'"):
        parse_variant("off:llama_extra_buffers=of")


def test_bench_answer_row_counts_reading_without_the_cached_prefix(make_pipeline) -> None:
    """Reading speed is the tokens read again over the time to the first token; the KV prefix kept is not read."""
    import json

    from fakes import source_ids

    from rag.faces.bench import _answer_row
    from rag.model.generation import Usage

    def reply(messages):
        ids = source_ids(messages, "only 30 doctors remained")
        return json.dumps({"statements": [{"sources": ids, "text": "SAMS said only 30 doctors remained inside."}]})

    pipe, gen = make_pipeline(reply)
    pipe.index()
    real_stream = gen.stream

    def stream(messages, **kw):  # the fake's text, with the figures a llama.cpp call would report
        yield from real_stream(messages, **kw)
        gen.last_usage = Usage(
            prompt_tokens=400, cached_tokens=100, completion_tokens=31, first_token_s=3.0, total_s=6.0
        )

    gen.stream = stream
    row = _answer_row(pipe, "How many doctors remain in eastern Aleppo?")
    assert not row["abstained"] and row["statements"] >= 1
    assert row["read_tok_s"] == 100.0  # (400 - 100) / 3.0
    assert row["write_tok_s"] == 10.0  # 30 tokens after the first, in 3.0 s
    assert row["prompt_tokens"] == 400 and row["cached_tokens"] == 100


def test_bench_naive_summary_compares_only_questions_that_reached_the_model() -> None:
    from rag.faces.bench import _naive_summary

    def row(q, tokens, ttft):
        return {"question": q, "prompt_tokens": tokens, "first_token_s": ttft}

    selected = [
        [row("a", 500, 2.0), row("b", 520, 3.0), {"question": "premise", "prompt_tokens": 0, "first_token_s": None}]
    ]
    naive = [
        {**row("a", 1400, 8.0), "total_s": 9.0},
        {**row("b", 1500, 10.0), "total_s": 11.0},
        {**row("premise", 1300, 7.0), "total_s": 8.0},  # answered without the model by the selection: not compared
    ]
    got = _naive_summary(naive, selected)
    assert got["questions"] == 2 and got["prompt_tokens_p50"] == 1450 and got["first_token_p50_s"] == 9.0
    assert got["ratio_prompt_tokens"] == round(1450 / 510, 3) and got["ratio_first_token"] == round(9.0 / 2.5, 3)


def test_bench_form_summary_gives_p50s_per_form_and_none_when_every_answer_abstained() -> None:
    from rag.faces.bench import _form_summary

    nan = float("nan")
    got = _form_summary({"fact": [(1.0, 2.0), (3.0, 4.0), (nan, 1.0)], "summary": [(nan, 0.5)]})
    assert got["fact"]["answers"] == 3 and got["fact"]["first_statement_p50_s"] == 1.0  # nearest rank, the lower
    assert got["fact"]["total_p50_s"] == 2.0
    assert got["summary"] == {"answers": 1, "first_statement_p50_s": None, "total_p50_s": 0.5}


# --- serving a team (issue 27): the refusal off loopback, `rag users` --------------------------

ROOT = Path(__file__).resolve().parents[2]


def _rag(tmp_path, *args: str, stdin: str = "", env: dict[str, str] | None = None):
    """`python -m rag.faces.cli ARGS` from this checkout, in a project root of its own (tmp_path)."""
    import os
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    clean.update({"PYTHONPATH": str(ROOT), "RAG_ROOT": str(tmp_path), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "rag.faces.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=clean,
    )


def test_serving_off_loopback_without_auth_refuses_to_start(tmp_path, robustness) -> None:
    """Bound to 0.0.0.0 (every address of this machine) without keys or users: both exit before
    loading anything or listening, naming the fix. No request is sent."""
    from servers import free_port

    serve = _rag(tmp_path, "serve", "--host", "0.0.0.0", "--port", str(free_port()))
    assert serve.returncode == 2, serve.stderr
    assert "--api-key" in serve.stderr and "--no-auth" in serve.stderr and "RAG_SERVE_API_KEYS" in serve.stderr
    chat = _rag(tmp_path, "chat", "--host", "0.0.0.0", "--port", str(free_port()))
    assert chat.returncode == 2, chat.stderr
    assert "rag users add NAME --role editor" in chat.stderr and "--no-auth" in chat.stderr
    assert not (tmp_path / "index").exists(), "refused before indexing"
    short = _rag(tmp_path, "serve", "--host", "0.0.0.0", "--api-key", "short")
    assert short.returncode == 2 and "secrets.token_urlsafe" in short.stderr
    robustness.add(
        "Serving a team (`rag serve`, `rag chat`)",
        "`rag serve --host 0.0.0.0` without a key; `rag chat --host 0.0.0.0` without users",
        f"exit 2 before loading or listening: “{serve.stderr.strip().removeprefix('error: ')}”",
    )


def test_rag_users_add_list_remove(tmp_path) -> None:
    from rag.core.access import authenticate

    added = _rag(tmp_path, "users", "add", "ana", "--role", "editor", stdin="correct horse\n")
    assert added.returncode == 0 and "added: ana (editor)" in added.stdout, added.stderr
    assert _rag(tmp_path, "users", "add", "ben", stdin="battery staple\n").returncode == 0
    listed = _rag(tmp_path, "users", "list")
    assert [line.split("\t")[:2] for line in listed.stdout.splitlines()] == [["ana", "editor"], ["ben", "reader"]]
    assert authenticate(tmp_path / "users.json", "ana", "correct horse") is not None
    assert "correct horse" not in (tmp_path / "users.json").read_text(encoding="utf-8")
    short = _rag(tmp_path, "users", "add", "cy", stdin="short\n")
    assert short.returncode == 2 and "use at least 8" in short.stderr
    assert _rag(tmp_path, "users", "remove", "ben").returncode == 0
    gone = _rag(tmp_path, "users", "remove", "ben")
    assert gone.returncode == 2 and "rag users list" in gone.stderr
    assert _rag(tmp_path, "users", "list").stdout.splitlines()[0].startswith("ana\teditor")


def test_explain_lists_what_reading_keeps_out_and_why(tmp_path, capsys) -> None:
    from rag.faces.cli import main

    f = tmp_path / "budget.txt"
    f.write_text(
        "Town budget\n\nTown budget\n\n• Budget vote scheduled for May 4\n\nShare this article | Facebook | Twitter\n",
        encoding="utf-8",
    )
    assert main(["index", "--explain", str(f)]) == 0
    # "Town budget" is 11 characters; the second starts after "\n\n" at 13; the bullet line (2 + 31
    # characters) runs 26-59, so the share bar starts at 61 and is 39 characters long.
    assert capsys.readouterr().out.splitlines() == [
        f"{f} (utf-8): 1 sentences indexed; 4 kept out:",
        "  0-11  the title: “Town budget”",
        "  13-24  the title printed again: “Town budget”",
        "  26-28  a list item's bullet or number (the item is indexed): “•”",
        "  61-100  a share bar: “Share this article | Facebook | Twitter”",
    ]
    assert main(["index", "--explain", "--json", str(f)]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["sentences"] == 1 and [x["reason"] for x in row["kept_out"]][1] == "the title printed again"
    assert main(["index", "--explain", str(tmp_path / "missing.txt")]) == 2
    assert "does not exist: give a file or folder" in capsys.readouterr().err
    assert not (tmp_path / "index").exists()


def test_ask_without_an_index_says_no_index_yet_once(tmp_path, corpus, monkeypatch, capsys, caplog, robustness) -> None:
    from fakes import FakeEmbedder, ScriptedGenerator

    import rag.pipeline
    from rag.faces.cli import main

    real = rag.pipeline.Pipeline
    monkeypatch.setattr(
        rag.pipeline, "Pipeline", lambda s: real(s, embedder=FakeEmbedder(), generator=ScriptedGenerator("{}"))
    )
    for key, value in {"ROOT": tmp_path, "CORPUS_DIR": corpus, "INDEX_DIR": tmp_path / "index"}.items():
        monkeypatch.setenv(f"RAG_{key}", str(value))
    assert main(["ask", "How many doctors remain in eastern Aleppo?"]) == 0
    err = capsys.readouterr().err
    shown = err.count("No index yet") + sum("No index yet" in r.getMessage() for r in caplog.records)
    assert shown == 1 and (tmp_path / "index").exists()
    robustness.add(
        "Reading articles (issue 26)", "`rag ask` before any index exists", "“No index yet: indexing …” shown once"
    )


def test_a_refusal_prints_the_related_sentences_json_gives_not_chunks() -> None:
    """The plain output and `--json` give one answer: an abstention shows `related`, numbered."""
    from rag.core.types import Chunk, Passage

    c = Citation("seeds/a.txt", 40, 71, "MSF runs eight hospitals there.", "Title", None, None)
    chunk = Chunk("d:0", "d", "seeds/a.txt", 0, "A whole chunk of text that is not the answer.", 0, 46, ())
    a = Answer(
        "q",
        "The indexed articles do not answer this question.",
        (),
        True,
        passages=(Passage(chunk, 0.5, 1),),
        related=(Statement("MSF runs eight hospitals there.", (c,)),),
    )
    out = format_answer(a).splitlines()
    assert out == [
        "The indexed articles do not answer this question.",
        "",
        "Related, not an answer:",
        "[1] seeds/a.txt:40-71 (Title)",
        "    “MSF runs eight hospitals there.”",
    ]
    assert [s["citations"][0]["start"] for s in a.to_dict()["related"]] == [40]


def test_models_prepare_embedder_exports_the_int8_embedder_once(tmp_path, monkeypatch, capsys) -> None:
    """`rag models --prepare embedder` (and `all`, which scripts/setup.sh runs) makes the int8 file."""
    from rag.faces.cli import main
    from rag.index import int8

    made = []
    monkeypatch.setattr(int8, "export_int8", lambda model, dest: made.append(dest) or dest.write_bytes(b"onnx"))
    monkeypatch.setenv("RAG_MODEL_CACHE_DIR", str(tmp_path))
    assert main(["models", "--prepare", "embedder"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"embedder: {tmp_path}/onnx/minilm-") and line.endswith(
        f"-{int8.RECIPE}.onnx (int8: RAG_EMBED_PRECISION=auto on a CPU without native bfloat16, or =int8)"
    )
    assert main(["models", "--prepare", "embedder"]) == 0 and len(made) == 1  # cached


def test_ask_with_a_corpus_the_index_does_not_hold_says_so_and_never_answers_from_another(
    tmp_path, corpus, monkeypatch, capsys
) -> None:
    """`rag ask --corpus ~/other` beside an index of other articles had answered from them."""
    import shutil

    from fakes import FakeEmbedder, ScriptedGenerator

    import rag.pipeline
    from rag.faces.cli import main

    real = rag.pipeline.Pipeline
    monkeypatch.setattr(
        rag.pipeline, "Pipeline", lambda s: real(s, embedder=FakeEmbedder(), generator=ScriptedGenerator("{}"))
    )
    for key, value in {"ROOT": tmp_path, "CORPUS_DIR": corpus, "INDEX_DIR": tmp_path / "index"}.items():
        monkeypatch.setenv(f"RAG_{key}", str(value))
    assert main(["index"]) == 0
    other = tmp_path / "other"
    shutil.copytree(corpus, other)
    capsys.readouterr()
    assert main(["ask", "--corpus", str(other), "How many doctors remain in eastern Aleppo?"]) == 2
    err = capsys.readouterr().err
    assert f"none of them under {other.resolve()}" in err and "--index-dir DIR" in err
    # the corpus the index was built from is asked as before
    assert main(["ask", "--corpus", str(corpus), "How many doctors remain in eastern Aleppo?"]) == 0
