"""Issue 25: a newsroom's archive as it keeps it (saved web pages, a CMS export as JSONL and CSV,
PDF pages, Word files from the wire desk), indexed and answered through the whole pipeline with
the fake embedder and a scripted generator that cites the sentence holding a needle; the store,
text layer, lexical index, verifier and checks are the real ones.

The citation contract for every format: `pipe.source_text(c)[c.start:c.end] == c.quote` for every
citation, with `record` for an export's article and `page` for a PDF's. Bad files add rows to
docs/robustness.md (see `conftest.py`).
"""

from __future__ import annotations

import json
from pathlib import Path

import documents as D
import pytest
from fakes import FakeEmbedder, ScriptedGenerator, source_ids

from rag.core.settings import Settings
from rag.core.types import Answer
from rag.index.store import ChromaStore, Manifest
from rag.index.texts import FileTexts
from rag.pipeline import Pipeline

GROUP = "Archive formats (issue 25)"
BBC = Path(__file__).resolve().parents[1] / "data" / "bbc" / "bbc-news"
WIRE = ["The ferry to Jersey was cancelled on Sunday because of high winds, the operator said."]


def _archive(root: Path) -> Path:
    """A folder as a newsroom keeps it: every format, and the folder's own README."""
    a = root / "archive"
    (a / "web").mkdir(parents=True)
    (a / "print").mkdir()
    (a / "wire").mkdir()
    (a / "cms").mkdir()
    (a / "README.md").write_text("# Our archive\n\nExported from the CMS every night by the web desk.\n")
    (a / "web" / "flood.html").write_text(
        D.news_page(D.FLOOD_TITLE, D.FLOOD, author="Jane Roe", date="2024-03-05", url="https://courier.example/flood")
    )
    D.two_column_pdf(a / "print" / "page3.pdf")
    D.word_file(a / "wire" / "ferry.docx", title="Ferry cancelled", paragraphs=WIRE)
    records = D.bbc_records(BBC)
    D.write_jsonl(a / "cms" / "bbc.jsonl", records)
    D.write_csv(a / "cms" / "bbc.csv", [{k: v for k, v in r.items() if k != "id"} for r in records[:20]])  # by row
    (a / "note.txt").write_text("Courts\n\nThe court in Truro sat late on Thursday to hear the appeal.\n")
    return a


def _pipe(settings: Settings, needle: str) -> Pipeline:
    def reply(messages):  # type: ignore[no-untyped-def]
        ids = source_ids(messages, needle)
        return json.dumps({"answer": "", "quotes": ids[:2]})  # the "quoted" style: sentences as they stand

    return Pipeline(settings, embedder=FakeEmbedder(), generator=ScriptedGenerator(reply))


@pytest.fixture
def archive(settings: Settings, tmp_path: Path) -> Settings:
    s = settings.model_copy(update={"corpus_dir": _archive(tmp_path), "answer_style": "quoted"})
    report = Pipeline(s, embedder=FakeEmbedder()).index()
    assert report.warnings == ()
    return s


def _checked(pipe: Pipeline, a: Answer) -> list:  # type: ignore[type-arg]
    cites = [c for st in a.statements for c in st.citations]
    assert cites, a.text
    for c in cites:
        assert pipe.source_text(c)[c.start : c.end] == c.quote
    return cites


@pytest.mark.parametrize(
    ("question", "needle", "source", "record", "page"),
    [
        ("How many residents left their homes in Exeter?", "200 residents", "archive/web/flood.html", None, None),
        ("Did the reservoir hold through the night?", "reservoir held", "archive/print/page3.pdf", None, 1),
        ("How much could insurance claims reach?", "ten million pounds", "archive/print/page3.pdf", None, 2),
        ("Why was the ferry to Jersey cancelled?", "ferry to Jersey", "archive/wire/ferry.docx", None, None),
        ("Who replaces Laura Ashley's chief executive?", "Lillian Tan", "archive/cms/bbc.jsonl", "business/", None),
        ("What did the court in Truro hear on Thursday?", "court in Truro", "archive/note.txt", None, None),
    ],
)
def test_every_format_is_answered_with_citations_that_read_back_exactly(
    archive: Settings, question: str, needle: str, source: str, record: str | None, page: int | None
) -> None:
    pipe = _pipe(archive, needle)
    cites = _checked(pipe, pipe.ask(question))
    (c,) = [c for c in cites if c.source.startswith(source)][:1]
    assert needle in c.quote and c.page == page
    if record is None:
        assert c.record is None and c.source == source
    else:
        assert c.record is not None and c.record.startswith(record) and c.source == f"{source}#{c.record}"
    if source.endswith(".txt"):  # a plain file: the file itself, as today
        assert pipe.source_text(c) == (archive.root / source).read_text(encoding="utf-8")


def test_an_article_in_the_jsonl_and_the_csv_is_cited_in_both_with_its_record(archive: Settings) -> None:
    pipe = _pipe(archive, "Lillian Tan")
    cites = _checked(pipe, pipe.ask("Who replaces Laura Ashley's chief executive?"))
    files = {c.source.split("#")[0] for c in cites}
    assert files == {"archive/cms/bbc.jsonl", "archive/cms/bbc.csv"}
    row = next(i for i, r in enumerate(D.bbc_records(BBC), 1) if "laura-ashley" in r["id"])
    assert {c.record for c in cites if c.source.startswith("archive/cms/bbc.csv")} == {str(row)}  # no id: the row


def test_rag_text_prints_exactly_what_offsets_index(
    archive: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.faces.cli import main

    pipe = _pipe(archive, "reservoir held")
    (c,) = [c for c in _checked(pipe, pipe.ask("Did the reservoir hold through the night?")) if c.page == 1][:1]
    monkeypatch.setenv("RAG_ROOT", str(archive.root))
    assert main(["text", "archive/print/page3.pdf", "--index-dir", str(archive.index_path)]) == 0
    assert capsys.readouterr().out[c.start : c.end] == c.quote
    rid = next(r["id"] for r in D.bbc_records(BBC) if "laura-ashley" in r["id"])
    assert main(["text", "archive/cms/bbc.jsonl", "--record", rid, "--index-dir", str(archive.index_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("---\ntitle: Laura Ashley chief stepping down\n---\n") and "Lillian Tan" in out
    assert main(["text", "archive/cms/bbc.jsonl", "--index-dir", str(archive.index_path)]) == 2
    assert "name one record" in capsys.readouterr().err


def test_the_side_panel_and_serve_annotations_name_the_page_and_the_record(archive: Settings) -> None:
    from rag.faces.serve import citation_annotations
    from ui import render
    from ui.handlers import open_citation

    pipe = _pipe(archive, "ten million pounds")
    a = pipe.ask("How much could insurance claims reach?")
    c = next(c for st in a.statements for c in st.citations if c.page == 2)
    panel = open_citation(pipe, render.cite_key(c))
    assert "page 2" in panel and f'<mark id="cite-mark">{c.quote}</mark>' in panel
    ann = citation_annotations(a)[0]["url_citation"]
    assert (ann["page"], ann["record"]) == (2, None)

    pipe = _pipe(archive, "Lillian Tan")
    a = pipe.ask("Who replaces Laura Ashley's chief executive?")
    c = next(c for st in a.statements for c in st.citations if c.record)
    panel = open_citation(pipe, render.cite_key(c))
    assert f"record {c.record}" in panel and "Lillian Tan" in panel
    assert {x["url_citation"]["record"] for x in citation_annotations(a)} >= {c.record}


def test_the_folder_readme_is_left_out_with_a_note(archive: Settings) -> None:
    docs = Manifest.load(archive.index_path).documents
    assert "archive/README.md" not in docs and "archive/note.txt" in docs
    report = Pipeline(archive, embedder=FakeEmbedder()).index()
    assert len(report.notes) == 1 and "README.md: left out" in report.notes[0]


def test_an_export_is_indexed_a_record_at_a_time(archive: Settings) -> None:
    """Editing one record re-embeds its chunks only; a deleted record's chunks and text go."""
    path = archive.corpus_path / "cms" / "bbc.jsonl"
    records = D.bbc_records(BBC)
    before = Manifest.load(archive.index_path).documents
    key = f"archive/cms/bbc.jsonl#{records[30]['id']}"
    gone = f"archive/cms/bbc.jsonl#{records[31]['id']}"
    records[30]["body"] += "\nThe board met again on Friday and agreed the plan."
    D.write_jsonl(
        path, [r for i, r in enumerate(records) if i != 31]
    )  # both past the CSV's 20 rows (same text, one layer)
    emb = FakeEmbedder()
    report = Pipeline(archive, embedder=emb).index()
    after = Manifest.load(archive.index_path).documents
    assert report.chunks_added == after[key].chunks == emb.calls  # that record's chunks only
    assert report.chunks_removed == before[key].chunks + before[gone].chunks
    assert gone not in after and after[key].doc_id != before[key].doc_id
    assert {k: v.doc_id for k, v in after.items() if k != key} == {
        k: v.doc_id for k, v in before.items() if k not in (key, gone)
    }
    store = {c.source for c in ChromaStore(archive.index_path / "chroma").all_chunks()}
    assert gone not in store and key in store
    layer = FileTexts(archive.index_path).digests()
    assert before[gone].content_hash not in layer and before[key].content_hash not in layer
    assert after[key].content_hash in layer
    assert layer == {e.content_hash for k, e in after.items() if not k.endswith((".txt", ".md"))}


BAD = [
    ("a damaged PDF", "print/torn.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage", "cannot be read as a PDF"),
    ("a PDF with no text layer (scanned)", "print/scan.pdf", None, "no text layer"),
    ("an HTML page with no article text", "web/sections.html", D.menu_page().encode(), "no article text"),
    ("a JSONL line that is not JSON", "cms/more.jsonl", b'{"id": "x1", "body": "Fine text here."}\n{oops\n', "line 2"),
    ("a CSV without a text column", "cms/names.csv", b"headline,story_text\nA,Some text\n", "no text column"),
    ("a .docx that is not a zip", "wire/old.docx", b"\xd0\xcf\x11\xe0 an old binary .doc", "not a Word .docx"),
]


@pytest.mark.parametrize(("case", "name", "data", "expect"), BAD, ids=[b[0] for b in BAD])
def test_bad_files_are_named_with_the_fix_and_nothing_indexed_is_lost(
    archive: Settings, robustness, case: str, name: str, data: bytes | None, expect: str
) -> None:
    before = Manifest.load(archive.index_path).documents
    path = archive.corpus_path / name
    if data is None:
        D.blank_pdf(path)
    else:
        path.write_bytes(data)
    report = Pipeline(archive, embedder=FakeEmbedder()).index()
    (warning,) = report.warnings
    assert str(path) in warning and expect in warning
    after = Manifest.load(archive.index_path).documents
    assert {k: v.doc_id for k, v in before.items()}.items() <= {k: v.doc_id for k, v in after.items()}.items()
    new = set(after) - set(before)
    assert new == ({"archive/cms/more.jsonl#x1"} if name.endswith(".jsonl") else set())
    fix = warning.split(";", 1)[1].strip()
    robustness.add("Archive files", case, f"skipped with “{warning.split(': ', 1)[1][:60]}…; {fix[:70]}”, rest kept")


# --- with the real embedder and the default model (marker `real`) ------------------------------

REAL = [
    ("How many residents had to leave their homes in Exeter?", "200", "archive/web/flood.html"),
    ("How much could insurance claims reach after the Exeter flood?", "ten million", "archive/print/page3.pdf"),
    ("Why was the ferry to Jersey cancelled?", "high winds", "archive/wire/ferry.docx"),
    ("Who will replace Ainum Mohd-Saaid at Laura Ashley?", "Lillian Tan", "archive/cms/bbc."),
]


@pytest.fixture(scope="module")
def real_pipe(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    root = tmp_path_factory.mktemp("formats-real")
    s = Settings(root=root, corpus_dir=_archive(root), index_dir=root / "index")
    pipe = Pipeline(s)
    report = pipe.index()
    assert report.warnings == () and report.documents == 60 + 20 + 4
    return pipe


@pytest.mark.real
@pytest.mark.parametrize(("question", "fact", "source"), REAL, ids=[r[2] for r in REAL])
def test_real_answers_from_every_format_cite_text_that_reads_back(
    real_pipe: Pipeline, question: str, fact: str, source: str
) -> None:
    a = real_pipe.ask(question)
    assert not a.abstained, a.text
    cites = _checked(real_pipe, a)  # every citation: source_text(c)[c.start:c.end] == c.quote
    assert any(fact in c.quote and c.source.startswith(source) for c in cites), [c.quote for c in cites]
    for c in cites:
        assert (c.page is not None) == c.source.endswith(".pdf")
        assert (c.record is not None) == ("#" in c.source)
