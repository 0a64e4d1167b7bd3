"""Whose words a shown sentence is: the article's reporting, or a named source's quotation.

A quoted sentence shown alone reads as the article's own statement ("It shows he has no case to
answer." is a lawyer's words). So every statement that quotes an article's sentence as it stands
is given a `voice`: "quote" when the sentence is a quotation (it opens with a quotation mark, ends
"…,” he said", or stands inside a quotation opened earlier in its paragraph) or reports what a
named source said ("Mr Hain said the bill …", "according to SAMS"), else "reporting". A quotation
whose speaker the article names elsewhere is shown as "<speaker> said: “…”", the speaker taken
from the article's own attribution (`rag.reading.speakers`) and the sentence that names them
cited too; one whose speaker cannot be told is shown as "The article quotes: “…”", never as the
article's voice. A sentence of the readers' comments printed after an article
(`rag.reading.comments`) has the voice "comment" and is shown only as "A reader wrote: “…”"; a
statement that cites both the article and its comments keeps only the article's citations. Readers'
words answer only a question about them (`rag.reading.comments.asks_readers`); any other is answered by the article.
"""

from __future__ import annotations

from dataclasses import replace

from rag.answering.citations import SourceTexts
from rag.core.types import Citation, Statement
from rag.reading.comments import is_comment
from rag.reading.sentences import next_start, sentence_at
from rag.reading.speakers import (
    QUOTATION_MARKS,
    attributed,
    inside_quotation,
    is_quotation,
    named_speaker,
    phrase_speaker,
    quotation_opening,
    quoted_words,
    reported_by_pronoun,
    speaker_at,
)

UNNAMED = "The article quotes"
READER = "A reader wrote"
COMMENT = "comment"  # the voice of a sentence of readers' comments
QUOTE = "quote"  # the voice of a source's words, quoted or reported ("X said …")
REPORTING = "reporting"  # the voice of the article's own reporting


def cites_comment(texts: SourceTexts, c: Citation) -> bool:
    """Whether the citation quotes a sentence of the readers' comments after its article."""
    text = texts.get(c.source)
    return text is not None and is_comment(text, c.start)


def _reader(st: Statement, texts: SourceTexts) -> Statement | None:
    """A statement citing readers' comments: "A reader wrote: “…”" when it cites only them, the
    statement without them when it cites the article too; None when it cites none."""
    comments = [cites_comment(texts, c) for c in st.citations]
    if not any(comments):
        return None
    if not all(comments):
        return replace(st, citations=tuple(c for c, x in zip(st.citations, comments, strict=True) if not x))
    words = " ".join(quoted_words(c.quote) for c in st.citations)
    return replace(st, text=f"{READER}: “{words}”", voice=COMMENT, speaker=None)


def quote_speaker(texts: SourceTexts, c: Citation) -> tuple[str, Citation | None] | None:
    """Who speaks the quoted sentence `c` cites, and the citation of the sentence that names them
    when it is another one (None when the sentence names them itself); None when untold."""
    text = texts.get(c.source)
    found = speaker_at(text, c.start, c.end) if text else None
    if text is None or found is None:
        return None
    speaker, at = found
    if c.start <= at < c.end:
        return speaker, None
    return speaker, _naming(texts, c, text, at)


def _naming(texts: SourceTexts, c: Citation, text: str, at: int) -> Citation:
    """The citation of the sentence of `c`'s source `text` that holds offset `at` (a speaker's name)."""
    s, e = sentence_at(text, at)
    return replace(c, start=s, end=e, quote=text[s:e], verified=True, support=1.0, page=texts.page(c.source, s))


def _phrase(st: Statement, c: Citation, copies: tuple[Citation, ...], text: str, texts: SourceTexts) -> Statement:
    """The reporter's sentence `c` quotes (its `copies` in other articles kept), with the speaker
    of a phrase it quotes whom the article names elsewhere ('… for "security reasons" [Scott
    Stanzel].', `phrase_speaker`) and their sentence cited; the article's reporting when none."""
    found = phrase_speaker(text, c.start, c.end)
    if found is None:
        return replace(st, voice=REPORTING, speaker=None)
    speaker, at, closed = found
    cut = closed - c.start
    cites = (*sorted((c, _naming(texts, c, text, at)), key=lambda x: x.start), *copies)
    return replace(
        st, text=f"{c.quote[:cut]} [{speaker}]{c.quote[cut:]}", citations=cites, voice=QUOTE, speaker=speaker
    )


def voiced(st: Statement, texts: SourceTexts) -> Statement:
    """The statement with its voice and speaker; a quotation shown with its speaker (see above).

    A statement citing only readers' comments is shown as "A reader wrote: “<their words>”" (the
    model's wording of them is not shown); one citing the article too loses the comments'
    citations. A statement that quotes its sentences as they stand is read sentence by sentence
    (one sentence, or one in several copies of an article, or several in turn: `_joined`); one in
    the model's own words takes the voice of the sentences it cites (`_worded`).
    """
    if st.voice is not None:
        return st
    reader = _reader(st, texts)
    if reader is not None and reader.voice == COMMENT:
        return reader
    st = reader or st
    # the same sentence in two copies of an article (syndicated) is one sentence
    quotes = list(dict.fromkeys(c.quote for c in st.citations))
    if len(quotes) > 1 and " ".join(st.text.split()) == " ".join(" ".join(quotes).split()):
        return _joined(st, texts)
    if st.text not in quotes:
        return _worded(st, texts)
    # a sentence quoted as it stands, whose other copies differ by a word ("On Thursday, Lord
    # Bingham …"), is read in the copy it quotes: its other copies' voices are not its own
    c = next(c for c in st.citations if c.quote == st.text)
    copies = tuple(x for x in st.citations if x is not c)
    text = texts.get(c.source)
    if text is None:
        return st
    reported = False  # "He said anyone …": its "he" found as a quotation's is, shown "He [Ian Fogg] said …"
    if not (is_quotation(c.quote) or inside_quotation(text, c.start)):
        speaker = named_speaker(c.quote)
        if speaker is not None:
            return replace(st, voice=QUOTE, speaker=speaker)
        if not reported_by_pronoun(c.quote):
            return _phrase(st, c, copies, text, texts)
        reported = True
    found = quote_speaker(texts, c)
    if found is None and reported:
        return replace(st, voice=REPORTING, speaker=None)  # a pronoun is no source to show
    if found is None and not any(mark in c.quote for mark in QUOTATION_MARKS):
        # the reporter's sentence with its "he says" inside ("He quit the game, he says, because
        # …"): shown whole, never cut to a quotation it is not
        return replace(st, voice=QUOTE, speaker=None)
    if found is None:
        return replace(st, text=f"{UNNAMED}: “{quoted_words(c.quote)}”", voice=QUOTE)
    speaker, named = found
    if named is None:  # it names its speaker itself ('…," replied Mr Sullivan.'), from the opening mark on
        opening = opening_sentences(c, text, texts)
        whole = " ".join(x.quote for x in (*opening, c))
        return replace(st, text=whole, citations=(*opening, c, *copies), voice=QUOTE, speaker=speaker)
    cites = (*sorted((c, named), key=lambda x: x.start), *copies)
    return replace(st, text=attributed(c.quote, speaker), citations=cites, voice=QUOTE, speaker=speaker)


# How far back a quotation's opening mark may stand for its earlier sentences to be shown with the
# one that closes it and names its speaker (a sentence or two of the quotation, not a speech; the
# 71 BBC sentences it reaches are in docs/quotation-openings-2026-11-30.json).
OPENING_REACH = 300


def opening_sentences(c: Citation, text: str, texts: SourceTexts | None = None) -> tuple[Citation, ...]:
    """The sentences of the quotation `c` closes that stand before it, each cited at its exact
    offsets, when it opened within `OPENING_REACH` characters in the same paragraph: the sentence
    splitter cuts '"On that date, yes. I was lying," replied Mr Sullivan.' at its inner full stop,
    and the closing part alone reads with a stray mark and without its start (two newcomers' runs).
    () when `c` is no such closing part."""
    if c.quote.lstrip()[:1] in QUOTATION_MARKS:
        return ()  # it opens a quotation itself (one reopened at its paragraph): whole as it stands
    mark = quotation_opening(text, c.start)
    if mark is None or c.start - mark > OPENING_REACH:
        return ()
    out: list[Citation] = []
    at = sentence_at(text, mark)[0]
    while at < c.start:
        s, e = sentence_at(text, at)
        if e <= s or e > c.start:
            return ()  # the sentences do not meet `c` at a boundary: leave it as it is
        page = texts.page(c.source, s) if texts is not None else c.page
        out.append(replace(c, start=s, end=e, quote=text[s:e], verified=True, support=1.0, page=page))
        at = next_start(text, e)
    return tuple(out)


def _sentences(st: Statement, texts: SourceTexts) -> list[Statement]:
    """Each sentence a statement cites, read for its voice as a statement of its own (with every
    copy of it the statement cites), in the order first cited."""
    by_quote: dict[str, list[Citation]] = {}
    for c in st.citations:
        by_quote.setdefault(c.quote, []).append(c)
    return [
        voiced(replace(st, text=q, citations=tuple(cs), voice=None, speaker=None), texts) for q, cs in by_quote.items()
    ]


def _joined(st: Statement, texts: SourceTexts) -> Statement:
    """A statement that quotes two or more sentences as they stand, each read for its voice: a
    quotation among them is shown with its speaker, in place ('He added: "We have an opportunity
    …" Tuesday's meeting is hosted by Tony Blair.' would give the words to no one, or to Blair: a
    newcomer's run, issue 28). Consecutive quotations of one speaker are shown as one. The voice is
    "quote" when any sentence is one, and the speakers are joined by "; "."""
    parts = _sentences(st, texts)
    # a quotation's opening sentence the model cited beside its closing part, which is shown from
    # the opening mark on (`opening_sentences`), is not shown twice
    spans = [{(c.source, c.start, c.end) for c in p.citations} for p in parts]
    parts = [p for i, p in enumerate(parts) if not any(spans[i] < spans[j] for j in range(len(parts)) if j != i)]
    if all(p.voice == REPORTING for p in parts):
        return replace(st, voice=REPORTING, speaker=None)
    texts_out: list[str] = []
    last: str | None = None
    for p in parts:
        prefix = f"{p.speaker} said: “"
        if last is not None and p.speaker == last and p.text.startswith(prefix) and texts_out[-1].endswith("”"):
            texts_out[-1] = texts_out[-1][:-1] + " " + p.text[len(prefix) :]
        else:
            texts_out.append(p.text)
        last = p.speaker if p.voice == QUOTE else None
    cites = tuple(dict.fromkeys(c for p in parts for c in p.citations))
    speakers = list(dict.fromkeys(p.speaker for p in parts if p.speaker))
    return replace(st, text=" ".join(texts_out), citations=cites, voice=QUOTE, speaker="; ".join(speakers) or None)


def _worded(st: Statement, texts: SourceTexts) -> Statement:
    """A statement in the model's own words (`RAG_ANSWER_STYLE=written`, or a sentence whose first
    letter was raised) takes the voice of the sentences it cites: "reporting" when each is the
    article's own; else "quote", with the speakers the article names for them, the sentences that
    name them cited too, and, when its words neither name them nor attribute the claim themselves
    ("…, according to SAMS"), "According to <speaker>: " before
    it ("According to a source the article does not name: " when the article names none). The
    model's wording of a quotation is never put inside quotation marks."""
    parts = _sentences(st, texts)
    if not parts:
        return st
    if all(p.voice == REPORTING for p in parts):
        return replace(st, voice=REPORTING, speaker=None)
    speakers = list(dict.fromkeys(p.speaker for p in parts if p.speaker))
    cites = tuple(dict.fromkeys((*st.citations, *(c for p in parts for c in p.citations))))
    said = "; ".join(speakers) or None
    folded = st.text.casefold()
    if not speakers:
        text = f"According to a source the article does not name: {st.text}"
    elif named_speaker(st.text) or all(s.split()[-1].casefold() in folded for s in speakers):
        text = st.text  # its words say whose claim it is ("…, according to SAMS.", "Ms Berg says …")
    else:
        text = f"According to {' and '.join(speakers)}: {st.text}"
    return replace(st, text=text, citations=cites, voice=QUOTE, speaker=said)
