"""Whose words a shown sentence is: reporting, or a quotation shown with its speaker."""

from __future__ import annotations

from pathlib import Path

from rag.answering.citations import SourceTexts
from rag.answering.voice import voiced
from rag.core.types import Citation, Statement

# Written for these tests; neutral facts.
TEXT = (
    "Ferry service resumes\n\n"
    '"Nobody told us when the dredger would leave."\n\n'
    'Harbour master Lena Berg said: "The channel is clear again. Boats can sail from six." '
    "The council voted to fund a second ferry. "
    "Mr Holm said the timetable would be published on Monday, according to the port office.\n\n"
    '"We have waited three weeks for this," said Omar Sayed, a ferry captain.\n'
)


def _st(tmp_path: Path, sentence: str) -> tuple[Statement, SourceTexts]:
    (tmp_path / "ferry.txt").write_text(TEXT, encoding="utf-8")
    start = TEXT.index(sentence)
    c = Citation("ferry.txt", start, start + len(sentence), sentence, "Ferry service resumes", None, None, True, 1.0)
    return Statement(sentence, (c,), True, 1.0), SourceTexts(tmp_path, {}, max_bytes=10_000)


def test_a_quotation_whose_speaker_is_named_before_is_shown_with_them_and_both_sentences_cited(tmp_path: Path) -> None:
    st, texts = _st(tmp_path, 'Boats can sail from six."')
    out = voiced(st, texts)
    assert out.text == "Lena Berg said: “Boats can sail from six.”"
    assert (out.voice, out.speaker) == ("quote", "Lena Berg")
    assert [c.quote for c in out.citations] == ['Harbour master Lena Berg said: "The channel is clear again.', st.text]
    for c in out.citations:
        assert TEXT[c.start : c.end] == c.quote


def test_a_sentence_that_names_its_own_speaker_stays_as_it_is(tmp_path: Path) -> None:
    st, texts = _st(tmp_path, '"We have waited three weeks for this," said Omar Sayed, a ferry captain.')
    out = voiced(st, texts)
    assert out.text == st.text and out.citations == st.citations
    assert (out.voice, out.speaker) == ("quote", "Omar Sayed")


def test_reported_speech_names_its_source_and_plain_copy_is_reporting(tmp_path: Path) -> None:
    st, texts = _st(tmp_path, "Mr Holm said the timetable would be published on Monday, according to the port office.")
    assert (voiced(st, texts).voice, voiced(st, texts).speaker) == ("quote", "Mr Holm")
    st, texts = _st(tmp_path, "The council voted to fund a second ferry.")
    assert (voiced(st, texts).voice, voiced(st, texts).speaker, voiced(st, texts).text) == ("reporting", None, st.text)


def test_a_quotation_whose_speaker_cannot_be_told_is_never_shown_as_the_articles_voice(tmp_path: Path) -> None:
    # it opens the article: no attribution before it, none after it in its paragraph
    st, texts = _st(tmp_path, '"Nobody told us when the dredger would leave."')
    out = voiced(st, texts)
    assert out.text == "The article quotes: “Nobody told us when the dredger would leave.”"
    assert (out.voice, out.speaker) == ("quote", None)


def test_a_statement_in_the_models_own_words_is_not_read(tmp_path: Path) -> None:
    st, texts = _st(tmp_path, "The council voted to fund a second ferry.")
    written = Statement("The council will fund a second ferry.", st.citations, True, 1.0)
    assert voiced(written, texts) == written
