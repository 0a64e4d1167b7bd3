"""Whose words a shown sentence is: reporting, or a quotation shown with its speaker."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rag.answering.citations import SourceTexts
from rag.answering.voice import voiced
from rag.core.types import Citation, Statement
from rag.reading.speakers import phrase_speaker

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


def test_a_statement_in_the_models_own_words_takes_the_voice_of_what_it_cites(tmp_path: Path) -> None:
    """`RAG_ANSWER_STYLE=written`: issue 28 asks every shown statement to say whose claim it is."""
    st, texts = _st(tmp_path, "The council voted to fund a second ferry.")
    written = Statement("The council will fund a second ferry.", st.citations, True, 1.0)
    assert voiced(written, texts) == replace(written, voice="reporting")
    # a quotation put in the model's words: the speaker before it, never quotation marks around it
    quoted, _ = _st(tmp_path, 'Boats can sail from six."')
    out = voiced(Statement("Boats may leave from six o'clock.", quoted.citations, True, 1.0), texts)
    assert out.text == "According to Lena Berg: Boats may leave from six o'clock."
    assert (out.voice, out.speaker) == ("quote", "Lena Berg")
    assert [c.quote for c in out.citations] == [
        quoted.text,
        'Harbour master Lena Berg said: "The channel is clear again.',
    ]
    # words that name the speaker already say whose they are
    out = voiced(Statement("Ms Berg says boats may leave from six.", quoted.citations, True, 1.0), texts)
    assert (out.text, out.speaker) == ("Ms Berg says boats may leave from six.", "Lena Berg")
    # a quotation nobody is named for
    opening, _ = _st(tmp_path, '"Nobody told us when the dredger would leave."')
    out = voiced(Statement("No one knew when the dredger would go.", opening.citations, True, 1.0), texts)
    assert out.text == "According to a source the article does not name: No one knew when the dredger would go."
    assert (out.voice, out.speaker) == ("quote", None)


# Written for these tests: a short report, then readers' comments printed after it.
REPORTED = (
    "Ferry fares to rise\n\n"
    "Fares on the island ferry will rise by 4% in April, the operator said on Monday.\n\n"
    'Operator spokeswoman Ana Ruiz said: "Fuel costs have doubled since last year."\n\n'
    "I take this ferry every week and the service has not improved at all.\n\n"
    "Why should islanders pay more for a boat that is late half the time?\n\n"
    "My family moved here for the quiet, but the crossings are a joke!\n"
)


def _cite(sentence: str) -> Citation:
    start = REPORTED.index(sentence)
    return Citation("fares.txt", start, start + len(sentence), sentence, "Ferry fares to rise", None, None, True, 1.0)


def test_a_readers_comment_is_shown_only_as_a_reader_wrote(tmp_path: Path) -> None:
    (tmp_path / "fares.txt").write_text(REPORTED, encoding="utf-8")
    texts = SourceTexts(tmp_path, {}, max_bytes=10_000)
    words = "I take this ferry every week and the service has not improved at all."
    out = voiced(Statement(words, (_cite(words),), True, 1.0), texts)
    assert out.text == f"A reader wrote: “{words}”"
    assert (out.voice, out.speaker, out.citations) == ("comment", None, (_cite(words),))
    # the model's own wording of a comment is not shown: the reader's words are
    out = voiced(Statement("The service has not improved.", (_cite(words),), True, 1.0), texts)
    assert (out.text, out.voice) == (f"A reader wrote: “{words}”", "comment")
    # the article's sentence is still the article's
    fact = "Fares on the island ferry will rise by 4% in April, the operator said on Monday."
    assert voiced(Statement(fact, (_cite(fact),), True, 1.0), texts).voice == "reporting"


def test_a_statement_citing_the_article_and_a_comment_keeps_only_the_article(tmp_path: Path) -> None:
    (tmp_path / "fares.txt").write_text(REPORTED, encoding="utf-8")
    texts = SourceTexts(tmp_path, {}, max_bytes=10_000)
    fact = "Fares on the island ferry will rise by 4% in April, the operator said on Monday."
    comment = "Why should islanders pay more for a boat that is late half the time?"
    out = voiced(Statement("Fares will rise by 4% in April.", (_cite(fact), _cite(comment)), True, 1.0), texts)
    assert out.citations == (_cite(fact),)
    assert out.voice == "reporting" and out.text == "Fares will rise by 4% in April."


def test_a_reporters_sentence_after_a_quotation_reopened_without_closing_stays_reporting(tmp_path: Path) -> None:
    # The BBC's style reopens a quotation at each sentence ("… bold move. "But it shows …"), so the
    # marks before the reporter's next sentence are odd in number; it is not the speaker's (a
    # newcomer's summary showed such a sentence as "Harris said: …").
    text = (
        "Shops react\n\n"
        'Ana Ruiz added: "Prices will fall. "But only for a while." The new ferry costs 40m euros '
        "and seats 300 people.\n"
    )
    sentence = "The new ferry costs 40m euros and seats 300 people."
    out = _voiced_in(tmp_path, text, sentence)
    assert (out.text, out.voice, out.speaker) == (sentence, "reporting", None)


def _joined(tmp_path: Path, *sentences: str) -> tuple[Statement, SourceTexts]:
    cites = tuple(_st(tmp_path, s)[0].citations[0] for s in sentences)
    return Statement(" ".join(sentences), cites, True, 1.0), SourceTexts(tmp_path, {}, max_bytes=10_000)


def test_a_statement_joining_sentences_shows_each_quotation_with_its_speaker(tmp_path: Path) -> None:
    # a quotation then the reporter's sentence: the words keep their speaker, in place
    st, texts = _joined(tmp_path, 'Boats can sail from six."', "The council voted to fund a second ferry.")
    out = voiced(st, texts)
    assert out.text == "Lena Berg said: “Boats can sail from six.” The council voted to fund a second ferry."
    assert (out.voice, out.speaker) == ("quote", "Lena Berg")
    assert [c.quote for c in out.citations] == [
        'Harbour master Lena Berg said: "The channel is clear again.',
        'Boats can sail from six."',
        "The council voted to fund a second ferry.",
    ]
    # two reporting sentences stay as they are
    st, texts = _joined(tmp_path, "The council voted to fund a second ferry.", "Ferry service resumes")
    assert voiced(st, texts) == Statement(st.text, st.citations, True, 1.0, voice="reporting")
    # two speakers are both given
    st, texts = _joined(
        tmp_path,
        'Boats can sail from six."',
        '"We have waited three weeks for this," said Omar Sayed, a ferry captain.',
    )
    assert voiced(st, texts).speaker == "Lena Berg; Omar Sayed"


def test_a_sentence_quoted_as_it_stands_is_read_in_its_own_copy_not_in_a_differing_one(tmp_path: Path) -> None:
    """Seeds run: "The foreign ministry in Moscow said on Facebook that …", cited with a syndicated
    copy worded "Russia said …", had been shown "According to Russia: The foreign ministry …"."""
    own = "Mr Holm said the timetable would be published on Monday, according to the port office."
    st, texts = _st(tmp_path, own)
    other = "The council said the timetable would be published on Monday."
    (tmp_path / "copy.txt").write_text(other, encoding="utf-8")
    copy = Citation("copy.txt", 0, len(other), other, "Ferry", None, None, True, 1.0)
    out = voiced(replace(st, citations=(copy, *st.citations)), texts)
    assert out.text == own and out.voice == "quote" and out.speaker == "Mr Holm"
    assert set(out.citations) == {copy, *st.citations}


def test_reported_speech_by_a_pronoun_names_its_speaker_in_brackets(tmp_path: Path) -> None:
    """'He said anyone …' is shown 'He [Ian Fogg] said anyone …', voice "quote", the sentence
    that names him cited too (a BBC eval statement shown as reporting, bt031)."""
    text = (
        "Mac mini review\n\nIan Fogg, an analyst at Jupiter Research, said the machine was a good buy.\n\n"
        "He said anyone wanting to use the Mac mini with an old monitor may find it odd.\n"
    )
    he = "He said anyone wanting to use the Mac mini with an old monitor may find it odd."
    (tmp_path / "mini.txt").write_text(text, encoding="utf-8")
    start = text.index(he)
    c = Citation("mini.txt", start, start + len(he), he, "Mac mini review", None, None, True, 1.0)
    st = voiced(Statement(he, (c,), True, 1.0), SourceTexts(tmp_path, {}, max_bytes=10_000))
    assert (st.voice, st.speaker) == ("quote", "Ian Fogg")
    assert st.text == "He [Ian Fogg] said anyone wanting to use the Mac mini with an old monitor may find it odd."
    assert [x.quote for x in st.citations] == [
        "Ian Fogg, an analyst at Jupiter Research, said the machine was a good buy.",
        he,
    ]


def test_a_reporters_sentence_with_he_says_inside_is_never_cut_to_a_quotation(tmp_path: Path) -> None:
    """'He quit the game, he says, because …' with no one named before is shown whole, not as
    'The article quotes: “He quit the game.”' (a newcomer's finding)."""
    sentence = "He quit the game, he says, because he realised life was more fun than the game."
    text = f"Online games\n\nSome players stay online for days.\n\n{sentence}\n"
    (tmp_path / "games.txt").write_text(text, encoding="utf-8")
    start = text.index(sentence)
    c = Citation("games.txt", start, start + len(sentence), sentence, "Online games", None, None, True, 1.0)
    st = voiced(Statement(sentence, (c,), True, 1.0), SourceTexts(tmp_path, {}, max_bytes=10_000))
    assert (st.text, st.voice, st.speaker) == (sentence, "quote", None)


def _voiced_in(tmp_path: Path, text: str, sentence: str) -> Statement:
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    start = text.index(sentence)
    c = Citation("a.txt", start, start + len(sentence), sentence, "A", None, None, True, 1.0)
    return voiced(Statement(sentence, (c,), True, 1.0), SourceTexts(tmp_path, {}, max_bytes=10_000))


def test_a_view_told_by_his_or_her_names_whose_view_it_is(tmp_path: Path) -> None:
    """'His only misgivings were …' after the analyst's words is his view: shown 'His [Ian
    Fogg’s] only misgivings …' (labelled a quotation of Mr Fogg's in the BBC eval, bt031)."""
    view = "His only misgivings were over how easy other buyers would find the machine."
    text = (
        "Mac mini review\n\nThe machine is a good buy for iPod owners, said Ian Fogg of Jupiter Research.\n\n"
        f"{view} Sales start in January.\n"
    )
    st = _voiced_in(tmp_path, text, view)
    assert (st.voice, st.speaker) == ("quote", "Ian Fogg")
    assert st.text == "His [Ian Fogg’s] only misgivings were over how easy other buyers would find the machine."
    assert [x.quote for x in st.citations][-1] == view
    # "His comments come as …" tells when, not what: the article's reporting
    when = "His comments come as the company opens a shop in London."
    st = _voiced_in(tmp_path, text.replace(view, when), when)
    assert (st.text, st.voice, st.speaker) == (when, "reporting", None)


def test_a_phrase_the_article_gives_a_named_source_is_shown_as_theirs(tmp_path: Path) -> None:
    """The lead's 'closed "until the roof is safe"' is the spokesman's phrase quoted below: shown
    with '[Tom Reid]' after it and his sentence cited. A two-word term ("flood barrier"), a phrase
    the article quotes again unquoted, and one in a sentence naming its own source are not."""
    lead = 'The castle is closed to visitors "until the roof is safe".'
    said = 'Tom Reid, a spokesman for the trust, said: "It stays shut until the roof is safe."'
    text = f"Castle shut\n\n{lead}\n\nStorms damaged the roof last week. {said}\n"
    st = _voiced_in(tmp_path, text, lead)
    assert (st.voice, st.speaker) == ("quote", "Tom Reid")
    assert st.text == 'The castle is closed to visitors "until the roof is safe" [Tom Reid].'
    assert [x.quote for x in st.citations] == [lead, said]
    for sentence, rest in [
        ('The town built a "flood barrier" last year.', 'Ann Lee said: "The flood barrier saved us."'),
        (
            'The town built a "barrier against the sea".',
            'A barrier against the sea held. Ann Lee said: "A barrier against the sea saved us."',
        ),
    ]:
        st = _voiced_in(tmp_path, f"Flood\n\n{sentence}\n\n{rest}\n", sentence)
        assert (st.text, st.voice, st.speaker) == (sentence, "reporting", None)
    # the sentence's own person is the phrase's source, not one who repeats it in reply
    text = (
        'Flood\n\nOn tape Mr Cole is heard asking Ms Lee if it is a "barrier against the sea".\n\n'
        'Ms Lee replies: "No, it is no barrier against the sea."\n'
    )
    start = text.index("On tape")
    assert phrase_speaker(text, start, text.index("\n", start)) is None


def test_the_closing_part_of_a_quotation_cut_at_its_full_stop_is_shown_from_the_opening_mark(tmp_path: Path) -> None:
    """The splitter cuts '"On that date, yes. I was lying," replied …' at its inner full stop; the
    closing part alone read with a stray mark and without its start (two newcomers' runs)."""
    text = (
        "Trial hears of lies\n\n"
        'Asked whether he had lied to the board, he paused. "On that date, yes. I was lying," replied Mr Sullivan. '
        "The trial is in its third week.\n"
    )
    tail = 'I was lying," replied Mr Sullivan.'
    out = _voiced_in(tmp_path, text, tail)
    assert out.text == '"On that date, yes. I was lying," replied Mr Sullivan.'
    assert (out.voice, out.speaker) == ("quote", "Mr Sullivan")
    assert [x.quote for x in out.citations] == ['"On that date, yes.', tail]
    assert all(text[x.start : x.end] == x.quote for x in out.citations)
    # a whole quotation that names its speaker is left as it is
    whole, texts = _st(tmp_path, '"We have waited three weeks for this," said Omar Sayed, a ferry captain.')
    assert voiced(whole, texts).citations == whole.citations


def test_a_quotation_cited_in_both_its_halves_is_shown_once(tmp_path: Path) -> None:
    """The model cited both parts the splitter cut; the closing part is shown from the opening mark,
    so the opening part alone is not shown again before it (a review of the change)."""
    text = 'Trial hears of lies\n\n"On that date, yes. I was lying," replied Mr Sullivan. The trial goes on.\n'
    (tmp_path / "trial.txt").write_text(text, encoding="utf-8")
    head, tail = '"On that date, yes.', 'I was lying," replied Mr Sullivan.'
    cites = tuple(
        Citation("trial.txt", text.index(q), text.index(q) + len(q), q, "Trial", None, None, True, 0.9)
        for q in (head, tail)
    )
    out = voiced(Statement(f"{head} {tail}", cites, True, 0.9), SourceTexts(tmp_path, {}, max_bytes=10_000))
    assert out.text == '"On that date, yes. I was lying," replied Mr Sullivan.'
    assert [(c.start, c.end) for c in out.citations] == [(c.start, c.end) for c in cites]
