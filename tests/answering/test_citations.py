from __future__ import annotations

import json

from rag.answering.citations import (
    RawStatement,
    SourceTexts,
    StatementStream,
    answer_text,
    clean_statement_text,
    hit_cap,
    output_schema,
    parse_output,
    resolve,
)
from rag.answering.prompting import SourceLine
from rag.core.types import Chunk, Sentence
from rag.reading.ingest import content_hash

RAW = "Title\n\nThirty doctors remain. The hospital was bombed twice.\n"


def _setup(tmp_path):
    (tmp_path / "a.txt").write_text(RAW, encoding="utf-8")
    s1 = Sentence(7, 29, "Thirty doctors remain.")
    s2 = Sentence(30, 60, "The hospital was bombed twice.")
    assert RAW[s1.start : s1.end] == s1.text and RAW[s2.start : s2.end] == s2.text
    chunk = Chunk("d:0", "d", "a.txt", 0, f"{s1.text} {s2.text}", 7, 60, (s1, s2), "Title")
    lines = [SourceLine(1, s1.text, ((chunk, s1),)), SourceLine(2, s2.text, ((chunk, s2),))]
    texts = SourceTexts(tmp_path, {"a.txt": content_hash(RAW)}, max_bytes=10**6)
    return lines, texts


def test_unknown_ids_are_dropped_and_uncited_statements_removed(tmp_path) -> None:
    lines, texts = _setup(tmp_path)
    raw = [
        RawStatement(sources=[1, 99], text="Thirty doctors remain."),
        RawStatement(sources=[42], text="Invented statement."),
        RawStatement(sources=[], text="No sources at all."),
    ]
    res = resolve(raw, lines, texts)
    assert [s.text for s in res.statements] == ["Thirty doctors remain."]
    (c,) = res.statements[0].citations
    assert (c.source, c.start, c.end, c.quote) == ("a.txt", 7, 29, "Thirty doctors remain.")
    assert len(res.dropped) == 2


def test_changed_file_gives_no_citation(tmp_path) -> None:
    lines, _ = _setup(tmp_path)
    texts = SourceTexts(tmp_path, {"a.txt": "not-the-hash"}, max_bytes=10**6)
    assert resolve([RawStatement(sources=[1], text="x")], lines, texts).statements == ()


def test_parse_output_handles_garbage_and_truncation() -> None:
    assert parse_output("not json") == []
    assert parse_output("") == []
    full = json.dumps({"statements": [{"sources": [1], "text": "A."}, {"sources": [2], "text": "B."}]})
    assert [s.text for s in parse_output(full)] == ["A.", "B."]
    cut = full[: full.index('"B."')]
    assert [s.text for s in parse_output(cut)] == ["A."]


def test_stream_yields_each_statement_once_when_complete() -> None:
    full = json.dumps({"statements": [{"sources": [1], "text": 'A {brace} "q".'}, {"sources": [2], "text": "B."}]})
    st = StatementStream()
    got = []
    for i in range(0, len(full), 5):
        got.extend(s.text for s in st.feed(full[i : i + 5]))
    assert got == ['A {brace} "q".', "B."]


def test_answer_text_numbers_citations_by_first_appearance(tmp_path) -> None:
    lines, texts = _setup(tmp_path)
    res = resolve(
        [RawStatement(sources=[2], text="Bombed twice."), RawStatement(sources=[1, 2], text="Doctors remain [3].")],
        lines,
        texts,
    )
    text, numbers = answer_text(res.statements)
    assert text == "Bombed twice. [1] Doctors remain. [2][1]"
    assert numbers == {("a.txt", 30, 60): 1, ("a.txt", 7, 29): 2}


def test_clean_statement_text() -> None:
    assert clean_statement_text("  Thirty  doctors [1, 2] remain [3]. ") == "Thirty doctors remain."


def test_schema_requires_sources_before_text() -> None:
    schema = output_schema(3)
    item = schema["properties"]["statements"]["items"]  # type: ignore[index]
    assert list(item["properties"]) == ["sources", "text"]
    assert schema["properties"]["statements"]["maxItems"] == 3  # type: ignore[index]


def test_quoted_replies_name_sentences_that_are_quoted_as_they_stand(tmp_path) -> None:
    lines, texts = _setup(tmp_path)
    schema = output_schema(2, "quoted")
    assert list(schema["properties"]) == ["answer", "quotes"]  # the answer is written before the ids
    assert schema["properties"]["quotes"] == {"type": "array", "items": {"type": "integer"}, "maxItems": 2}  # type: ignore[index]
    got = parse_output('{"answer": "", "quotes": [2, 1]}', "quoted", lines)
    assert [(s.sources, s.text) for s in got] == [([2], ""), ([1], "")]
    assert [s.sources for s in parse_output('{"answer": "x", "quotes": [2, 1', "quoted", lines)] == [[2]]  # cut off
    assert (
        parse_output("garbage", "quoted", lines) == [] and parse_output('{"answer": "", "quotes": []}', "quoted") == []
    )
    res = resolve(parse_output('{"answer": "", "quotes": [2, 7, 2, 1]}', "quoted", lines), lines, texts)
    assert [s.text for s in res.statements] == ["The hospital was bombed twice.", "Thirty doctors remain."]
    assert [(c.start, c.end, c.quote) for s in res.statements for c in s.citations] == [
        (30, 60, "The hospital was bombed twice."),
        (7, 29, "Thirty doctors remain."),
    ]
    assert res.dropped == ("no sentence to quote: cited [7]",)  # an id the prompt did not have


def test_the_short_answer_puts_the_sentence_that_states_it_first(tmp_path) -> None:
    lines, _ = _setup(tmp_path)
    # Named in the wrong order: the sentence holding the answer leads.
    assert [s.sources for s in parse_output('{"answer": "thirty", "quotes": [2, 1]}', "quoted", lines)] == [[1], [2]]
    # The model named only a neighbouring sentence: the one that holds the answer is quoted first.
    assert [s.sources for s in parse_output('{"answer": "bombed twice", "quotes": [1]}', "quoted", lines)] == [[2], [1]]
    # An answer no sentence holds changes nothing.
    assert [s.sources for s in parse_output('{"answer": "forty", "quotes": [2]}', "quoted", lines)] == [[2]]


def test_quoted_stream_yields_each_id_as_soon_as_it_is_written(tmp_path) -> None:
    lines, _ = _setup(tmp_path)
    st = StatementStream("quoted", lines)
    pieces = ['{"answer": "bombed [', 'twice]", "quo', 'tes": [1', "2", ", 1", "]}"]
    got = [[s.sources for s in st.feed(piece)] for piece in pieces]
    assert got == [[], [], [], [], [[2], [12]], [[1]]]  # the answer's sentence first; a "[" in the answer is no id
    assert st.feed("") == []


def test_a_reply_at_the_schema_s_max_items_hit_the_cap() -> None:
    four = json.dumps({"statements": [{"sources": [i], "text": f"S{i}."} for i in range(1, 5)]})
    assert hit_cap(four, "written", 4) and not hit_cap(four, "written", 5)
    assert hit_cap(json.dumps({"answer": "x", "quotes": [1, 2, 3]}), "quoted", 3)
    assert not hit_cap(four[:-5], "written", 4)  # cut off by max_tokens: not the item cap
    assert output_schema(4)["properties"]["statements"]["maxItems"] == 4  # type: ignore[index]


def test_a_citation_carries_the_encoding_its_offsets_read_back_with(tmp_path) -> None:
    # With a byte-order mark the file reads as "utf-8-sig"; read as "utf-8" the text starts with
    # U+FEFF and every offset is one character off.
    (tmp_path / "bom.txt").write_bytes(RAW.encode("utf-8-sig"))
    s1 = Sentence(7, 29, "Thirty doctors remain.")
    chunk = Chunk("d:0", "d", "bom.txt", 0, s1.text, 7, 29, (s1,), "Title")
    texts = SourceTexts(tmp_path, {"bom.txt": content_hash(RAW)}, max_bytes=10**6)
    res = resolve([RawStatement(sources=[1], text=s1.text)], [SourceLine(1, s1.text, ((chunk, s1),))], texts)
    (c,) = res.statements[0].citations
    assert c.encoding == "utf-8-sig" and c.to_dict()["encoding"] == "utf-8-sig"
    assert open(tmp_path / "bom.txt", encoding=c.encoding).read()[c.start : c.end] == c.quote
    assert open(tmp_path / "bom.txt", encoding="utf-8").read()[c.start : c.end] != c.quote
