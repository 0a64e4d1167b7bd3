"""Issue 26's reading probes, run for real: nothing an article says is lost at reading, articles
in scripts without spaces are indexed and cited, and the small ones (the cp1252 message, dates,
a citation's encoding, a partial list).

Each probe indexes its own files (written here, neutral facts) beside a copy of `seeds/` and
answers through the whole pipeline with the fake embedder and a scripted generator that cites
the sentence holding a needle; the store, lexical index, verifier and checks are the real ones.
Each adds a row to docs/robustness.md (see `conftest.py`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fakes import FakeEmbedder, ScriptedGenerator, source_ids

from rag.core.settings import Settings
from rag.core.types import Answer, Citation
from rag.index.indexer import index_paths
from rag.index.store import Manifest
from rag.pipeline import Pipeline

GROUP = "Reading articles (issue 26)"
BBC = Path("/work/shared/corpora/bbc-news")


def _ask(settings: Settings, files: dict[str, str], question: str, needle: str, text: str | None = None) -> Answer:
    """Index `files` (name -> text) into the corpus and ask; the model cites the lines holding
    `needle` and writes `text` (default: the first such line, as it stands)."""
    for name, body in files.items():
        (settings.corpus_path / name).write_text(body, encoding="utf-8")

    def reply(messages):  # type: ignore[no-untyped-def]
        ids = source_ids(messages, needle)
        lines = [ln.split("] ", 1)[1] for ln in messages[-1]["content"].splitlines() if needle in ln and "] " in ln]
        said = text or (lines[0] if lines else needle)
        return json.dumps({"statements": [{"sources": ids[:1], "text": said}] if ids else []})

    pipe = Pipeline(settings, embedder=FakeEmbedder(), generator=ScriptedGenerator(reply))
    pipe.index()
    return pipe.ask(question)


def _exact(settings: Settings, c: Citation) -> bool:
    """The README's check: the file read back with the citation's encoding holds the quote at its offsets."""
    with open(settings.root / c.source, encoding=c.encoding) as f:
        return f.read()[c.start : c.end] == c.quote


GAMES = (
    "Game one: Ashford beat Brixton.\nFinal score: 2-1.\n\n"
    "Game two: Brixton beat Carlow.\nFinal score: 2-1.\n\n"
    "Game three: Carlow drew with Ashford.\nFinal score: 0-0.\n"
)


def _after(messages, before: str, needle: str) -> list[int]:  # type: ignore[no-untyped-def]
    """The id of the first prompt line holding `needle` after the line holding `before`."""
    ids = source_ids(messages, needle)
    first = min(source_ids(messages, before))
    return [min(i for i in ids if i > first)]


def test_a_line_printed_twice_is_read_and_cited_where_it_stands(settings: Settings, robustness) -> None:
    (settings.corpus_path / "games.txt").write_text(GAMES, encoding="utf-8")

    def reply(messages):  # type: ignore[no-untyped-def]
        cited = _after(messages, "Game two", "Final score")
        return json.dumps({"statements": [{"sources": cited, "text": "Final score: 2-1."}]})

    pipe = Pipeline(settings, embedder=FakeEmbedder(), generator=ScriptedGenerator(reply))
    pipe.index()
    a = pipe.ask("What was the final score in game two?")
    cites = [c for st in a.statements for c in st.citations]
    # Game two's score is at 82-99 (worked out in tests/reading/test_layout.py); 0-0 is not the answer.
    assert not a.abstained and ("corpus/games.txt", 82, 99) in {(c.source, c.start, c.end) for c in cites}
    assert all(_exact(settings, c) and c.quote == "Final score: 2-1." for c in cites)
    robustness.add(
        GROUP,
        "“Final score: 2-1.” under two games, “0-0” under a third: “What was the final score in game two?”",
        f"answered “{a.statements[0].text}”, citing game two's line (82-99); repeated lines of copy are indexed",
    )


def test_a_bullet_line_answers(settings: Settings, robustness) -> None:
    budget = "Town budget\n\nThe council met on Tuesday.\n\n• Budget vote scheduled for May 4\n• Roads reopen in June\n"
    a = _ask(settings, {"budget.txt": budget}, "When is the budget vote?", "Budget vote scheduled")
    (st,) = a.statements
    (c,) = st.citations
    assert not a.abstained and st.verified and c.quote == "Budget vote scheduled for May 4" and _exact(settings, c)
    robustness.add(
        GROUP, "“• Budget vote scheduled for May 4”: “When is the budget vote?”", f"answered, cited {c.start}-{c.end}"
    )


def test_a_short_factual_line_answers(settings: Settings, robustness) -> None:
    concert = "Harbour concert\n\nThe harbour concert took place on Saturday evening.\n\nAttendance: 900.\n"
    a = _ask(settings, {"concert.txt": concert}, "What was the attendance at the harbour concert?", "Attendance")
    (st,) = a.statements
    assert not a.abstained and st.text == "Attendance: 900." and st.verified and _exact(settings, st.citations[0])
    robustness.add(GROUP, "“Attendance: 900.” as a line of its own", "answered and verified, not “too short”")


ZH = (
    "青石镇新图书馆开放\n\n"
    "青石镇新图书馆于周六正式向公众开放。图书馆共有三层，藏书约四万册。开馆首日共有一千二百名读者到访。\n\n"
    "馆长李华表示，图书馆每天上午八点开门，晚上九点闭馆。儿童阅读区位于二楼！\n"
)
JA = (
    "みなと市で花火大会\n\n"
    "みなと市の花火大会は八月十日に開催されます。打ち上げられる花火は約八千発です。\n\n"
    "会場は港公園で、午後七時半に始まります。雨の場合は翌日に延期されます！\n"
)


@pytest.mark.parametrize(
    ("case", "name", "text", "question", "needle", "span"),
    [
        # 9 (title) + 2 + 18 + 15 + 16 (the first paragraph's sentences) + 2 = 62; 26 characters.
        ("Chinese", "zh.txt", ZH, "图书馆每天几点开门？", "八点开门", (62, 88)),
        # 9 (title) + 2 + 22 + 17 (the first paragraph's sentences) + 2 = 52; 20 characters.
        ("Japanese", "ja.txt", JA, "花火大会の会場はどこですか？", "港公園", (52, 72)),
    ],
)
def test_an_article_in_an_unspaced_script_is_answered_with_exact_citations(
    settings: Settings, robustness, case, name, text, question, needle, span
) -> None:
    shutil.rmtree(settings.corpus_path)
    settings.corpus_path.mkdir()  # only such articles: no EmptyCorpusError
    a = _ask(settings, {"zh.txt": ZH, "ja.txt": JA}, question, needle)
    (st,) = a.statements
    (c,) = st.citations
    assert not a.abstained and st.verified and (c.source, c.start, c.end) == (f"corpus/{name}", *span)
    assert _exact(settings, c) and needle in c.quote
    doc = Manifest.load(settings.index_path).documents[f"corpus/{name}"]
    assert doc.title == text.split("\n", 1)[0]
    robustness.add(
        GROUP,
        f"a {case} article (and only CJK articles in the corpus): “{question}”",
        f"answered, cited {span[0]}-{span[1]} “{c.quote}”",
    )


def test_the_cp1252_message_names_the_encoding(settings: Settings, robustness) -> None:
    path = settings.corpus_path / "latin.txt"
    path.write_bytes("Café owners in Eastvale said the market reopened on Monday.\n".encode("cp1252"))
    rep = index_paths([path], settings=settings, embedder=FakeEmbedder())
    (warning,) = rep.warnings
    assert "`iconv -f cp1252 -t utf-8`" in warning and "{enc}" not in warning
    robustness.add(GROUP, "a cp1252 file", "the warning says “iconv -f cp1252 -t utf-8”")


def test_a_deadline_in_the_body_is_not_the_article_s_date(settings: Settings, robustness) -> None:
    run = (
        "Eastvale fun run\n\nThe Eastvale fun run opened its registration on Tuesday.\n\n"
        "Runners must register before May 1 at the town hall.\n"
    )
    a = _ask(settings, {"run.txt": run}, "When must runners register for the Eastvale fun run?", "before May 1")
    assert Manifest.load(settings.index_path).documents["corpus/run.txt"].date is None
    assert not a.abstained and a.statements[0].citations[0].date is None
    robustness.add(GROUP, "“register before May 1” in the body", "the article stays undated; the deadline is answered")


def test_a_citation_of_a_utf8_file_with_a_byte_order_mark_reads_back_with_its_encoding(
    settings: Settings, robustness
) -> None:
    (settings.corpus_path / "bom.txt").write_bytes(
        "Pier reopens\n\nThe Eastvale pier reopened on Friday.\n".encode("utf-8-sig")
    )
    a = _ask(settings, {}, "When did the Eastvale pier reopen?", "pier reopened")
    (c,) = a.statements[0].citations
    assert c.encoding == "utf-8-sig" and _exact(settings, c)
    with open(settings.root / c.source, encoding="utf-8") as f:
        assert f.read()[c.start : c.end] != c.quote  # read as "utf-8", one character off
    robustness.add(
        GROUP,
        "a UTF-8 file with a byte-order mark",
        "its citations carry encoding “utf-8-sig”; read so, the quote matches",
    )


def test_a_list_at_the_statement_cap_says_it_may_be_partial(settings: Settings, robustness) -> None:
    names = ["Northgate", "Southbank", "Eastfield", "Westmoor", "Hillcrest", "Riverside", "Oakwood", "Elmstead"]
    stations = "Bus stations\n\n" + "\n".join(f"{n} station reopened on Monday." for n in names) + "\n"
    (settings.corpus_path / "stations.txt").write_text(stations, encoding="utf-8")

    def reply(messages):  # type: ignore[no-untyped-def]
        return json.dumps({"answer": "Monday", "quotes": source_ids(messages, "reopened on Monday")[:2]})

    capped = settings.model_copy(update={"max_statements": 2, "answer_style": "quoted"})
    pipe = Pipeline(capped, embedder=FakeEmbedder(), generator=ScriptedGenerator(reply))
    pipe.index()
    a = pipe.ask("Which bus stations reopened on Monday?")
    assert a.capped == 2 and a.text.endswith("(RAG_MAX_STATEMENTS=2): the articles may list more.)")
    robustness.add(GROUP, "“Which bus stations reopened?” with 8 listed, 2 statements at most", f"“…{a.text[-90:]}”")


@pytest.mark.skipif(not BBC.is_dir(), reason="the BBC archive is not on this machine")
def test_the_bbc_archive_reaches_the_index_and_gets_no_invented_date(robustness) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("fidelity", Path(__file__).parents[2] / "scripts/reading-fidelity.py")
    assert spec is not None and spec.loader is not None
    fidelity = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fidelity)
    report = fidelity.measure(BBC / "politics")  # one folder of three: 397 articles in about 4 s
    assert report["indexed_share"] >= 0.995 and report["unexplained_chars"] == 0 and report["dates_invented"] == 0
    robustness.add(
        GROUP,
        "BBC archive, politics/ (397 articles): body characters in an indexed sentence; dates invented",
        f"{report['indexed_share']:.4%} ({report['kept_out_lines']} lines kept out, each with its reason); "
        f"{report['dates_invented']} dates. Whole archive: docs/reading-fidelity.json",
    )
