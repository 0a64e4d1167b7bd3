from __future__ import annotations

from dataclasses import replace

import pytest

from rag.core.errors import UploadError
from rag.core.types import Answer, Chunk, Citation, Passage, Sentence, Statement
from ui import render
from ui.uploads import safe_filename, save_upload

C1 = Citation("seeds/a <b>.txt", 10, 20, "30 <doctors> & *nurses*", "Title <i>", "2016-10-02", None)
C2 = Citation("seeds/b.txt", 5, 9, "six", "B", None, "http://x.org/a?b=1&c=2")


def test_citation_links_number_by_first_appearance_and_round_trip() -> None:
    a = Answer("q", "", (Statement("First.", (C2,)), Statement("Second.", (C1, C2))), False)
    out = render.answer_html(a)
    assert out.index("[1]") < out.index("[2]")
    key = render.cite_key(C1)
    assert render.parse_cite_key(key) == ("seeds/a <b>.txt", 10, 20)
    assert 'href="#cite=seeds%2Fa%20%3Cb%3E.txt%3A10%3A20"' in out
    assert "\n\n" not in out  # one HTML block: markdown leaves it alone


def test_article_text_and_model_text_are_escaped() -> None:
    a = Answer("q", "", (Statement("<script>alert(1)</script> **bold**", (C1,)),), False)
    out = render.answer_html(a)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "30 &lt;doctors&gt; &amp; *nurses*" in out
    assert "Title &lt;i&gt;" in out


def test_highlight_offsets_wrap_exactly_the_quote() -> None:
    text = "Intro <b>. The quote is here. After."
    start = text.index("The quote")
    end = start + len("The quote is here.")
    out = render.article_html(text, title="T", date=None, url=None, source="s.txt", start=start, end=end)
    assert '<mark id="cite-mark">The quote is here.</mark>' in out
    assert "Intro &lt;b&gt;. " in out
    # Offsets outside the text are clamped, never an exception.
    assert "<mark" in render.article_html(text, title="T", date=None, url=None, source="s", start=-5, end=10_000)


def test_rejected_statements_are_hidden_behind_a_count() -> None:
    rej = Statement("45 nurses remained.", (C1,), verified=False, reason="number not in the cited text: 45")
    a = Answer("q", "", (Statement("Fine.", (C1,)),), False, rejected_statements=(rej,))
    out = render.answer_html(a)
    assert "1 statement hidden (each with the reason)" in out
    assert "<s>45 nurses remained.</s>" in out and "number not in the cited text: 45" in out


def test_abstention_shows_message_and_closest_passages() -> None:
    sentence = Sentence(0, 34, "Water returned to <east> Aleppo.")
    chunk = Chunk("d:0", "d", "seeds/w.txt", 0, sentence.text, 0, 34, (sentence,), title="Water")
    passages = tuple(Passage(chunk, 1.0 / r, r) for r in range(1, 5))
    a = Answer("q", "The indexed articles do not answer this question.", (), True, passages=passages)
    out = render.answer_html(a)
    assert '<p class="abstain">The indexed articles do not answer this question.</p>' in out
    assert "Closest passages found:" in out
    assert out.count("Water returned to &lt;east&gt; Aleppo.") == 3  # the closest three, escaped
    assert f'href="{render.cite_href("seeds/w.txt", 0, 34)}">Water</a>' in out  # opens the article
    bare = render.answer_html(Answer("q", "The indexed articles do not answer this question.", (), True))
    assert "Closest passages found" not in bare


@pytest.mark.parametrize("bad", ["x.pdf", "../../etc/passwd", "a.exe", "noext"])
def test_upload_names_are_refused_or_made_safe(bad: str) -> None:
    with pytest.raises(UploadError):
        safe_filename(bad)


def test_upload_name_cannot_escape_the_corpus(tmp_path) -> None:
    assert safe_filename("../../evil name!.md") == "evil_name.md"
    assert safe_filename("..\\..\\x.TXT") == "x.txt"
    src = tmp_path / "in.txt"
    src.write_text("Water returned to Aleppo on Monday.")
    corpus = tmp_path / "corpus"
    first = save_upload(src, corpus, max_bytes=1000)
    assert first.parent == corpus.resolve()
    # Same name, different content: saved beside it, nothing overwritten.
    src.write_text("Different article text here.")
    second = save_upload(src, corpus, max_bytes=1000)
    assert second.name == "in-1.txt" and first.read_text() == "Water returned to Aleppo on Monday."


@pytest.mark.parametrize(
    "data, msg",
    [(b"\x00\x01" * 10, "binary"), (b"caf\xe9 au lait", "not UTF-8"), (b"   ", "empty"), (b"x" * 2000, "limit")],
)
def test_upload_content_is_validated(tmp_path, data: bytes, msg: str) -> None:
    src = tmp_path / "a.txt"
    src.write_bytes(data)
    with pytest.raises(UploadError, match=msg):
        save_upload(src, tmp_path / "corpus", max_bytes=1000)
    assert not (tmp_path / "corpus" / "a.txt").exists()


def test_model_choices_keep_a_configured_gguf_path() -> None:
    from ui.handlers import model_choices

    assert [v for _, v in model_choices("default")] == ["default", "fast"]
    choices = model_choices("/models/my-model.gguf")
    assert choices[0] == ("configured (my-model.gguf)", "/models/my-model.gguf")


def test_the_direct_answer_is_a_bold_line_with_its_words_marked_in_the_quote() -> None:
    from rag.core.types import DirectAnswer

    quote = "Only 30 doctors <b>remain</b> in the east."
    c = Citation("a.txt", 100, 100 + len(quote), quote, "Aleppo", None, None, True, 1.0)
    direct = DirectAnswer("30 doctors", c, 105, 115)
    a = Answer(
        "How many?", "30 doctors [1]\n\n" + quote + " [1]", (Statement(quote, (c,), True, 1.0),), False, direct=direct
    )
    out = render.answer_html(a)
    assert '<p class="direct"><strong>30 doctors</strong> <a class="cite"' in out
    assert 'Only <mark class="answer-words">30 doctors</mark> &lt;b&gt;remain&lt;/b&gt;' in out
    assert out.index('class="direct"') < out.index('class="statement"')
    # an offset outside the quote marks nothing rather than the wrong words
    bad = Answer("How many?", "x", a.statements, False, direct=DirectAnswer("30 doctors", c, 90, 95))
    assert "answer-words" not in render.answer_html(bad)
    # a yes/no answer: "Yes" in bold when a sentence settles it, else a line that says none does
    unsettled = '<p class="unsettled">The articles do not say yes or no outright. What they report:</p>'
    yes_no = Answer("Do doctors remain?", "x", a.statements, False, form="yes_no")
    assert render.answer_html(yes_no).count(unsettled) == 1
    assert unsettled not in render.answer_html(replace(yes_no, direct=replace(direct, text="Yes")))
    assert unsettled not in render.answer_html(replace(yes_no, form="fact"))


def test_a_timeline_is_a_dated_list_with_each_date_composed_in_code() -> None:
    quote = "The bridge opened on 9 November 2006."
    c = Citation("a.txt", 0, len(quote), quote, "Bridge", None, None, True, 1.0)
    st = Statement(quote, (c,), True, 1.0, label="9 November 2006")
    out = render.answer_html(Answer("Timeline?", "x", (st,), False, form="timeline"))
    assert '<ul class="form-timeline"><li><strong class="label">9 November 2006</strong> — ' in out
    assert (
        render.answer_html(Answer("When?", "x", (replace(st, label=None),), False)).count("<li>") == 1
    )  # the source only


def test_a_comparison_is_grouped_under_each_side_s_name() -> None:
    def st(quote: str, label: str | None) -> Statement:
        c = Citation(f"{quote[:3]}.txt", 0, len(quote), quote, "Costs", None, None, True, 1.0)
        return Statement(quote, (c,), True, 1.0, label=label)

    sts = (
        st("The bridge cost 40m.", "Port Authority"),
        st("The authority kept to budget.", "Port Authority"),
        st("Ruiz put it at 55m.", "Ana Ruiz"),
        st("Work ended late.", None),
    )
    out = render.answer_html(Answer("Compare?", "x", sts, False, form="comparison"))
    assert out.count('class="side-name"') == 3  # each side's name once, then "Other"
    names = [part.split("</p>")[0] for part in out.split('class="side-name">')[1:]]
    assert names == ["Port Authority", "Ana Ruiz", "Other"]
    port = out.split('class="side-name">Port Authority</p>')[1].split("</ul>")[0]
    assert port.count("<li>") == 2 and "label" not in port  # the name is the heading, not repeated
