"""Readers' comments printed after an article: where they begin.

Archived news pages often end with readers' comments ("Have your say", letters), signed or not:
first-person opinion paragraphs that are not the article's reporting. They are kept and indexed
(a reader's words can still be searched), but each of their sentences is tagged (`Sentence.comment`)
so the answering side shows them as "A reader wrote: …" and never as the article's voice.

The comment section is found as a trailing run of paragraphs, the rest of the article above it:

1. Each paragraph is read in its own words (quoted words removed). It is a *reader's* paragraph
   when its own words speak in the first person singular ("I", "my"), react ("I agree", "this
   article", "Surely", "What about"), ask or exclaim; a *reporting* paragraph when it attributes
   ("said", "according to") or quotes someone and does not speak in the first person.
2. The comment section is the suffix of paragraphs whose weights (`READER` for a reader's,
   `REPORTING` for a reporting one, `NEUTRAL` for the rest) sum highest, starting at a reader's
   paragraph: a comment without "I" ("Ignorance is an expensive business.") inside the run stays
   in it, while the article's own first-person quotations, surrounded by reporting, do not start one.
3. It is kept only when it holds at least `MIN_READERS` reader's paragraphs and they are at least
   `MIN_SHARE` of it. A writer's byline ("Bill Thompson is a regular commentator on …") ends the
   article: no comment section reaches above it. When fewer than `LEAD` paragraphs above the
   section report, the article speaks in the first person itself (a column, an interview), and
   its comments can only begin at a paragraph that reacts to it ("An interesting article", "I
   agree with …"). A list's item is the article's layout, never a reader's paragraph.

Each of these rules was kept because it improved the whole labelled set (not one file): the
suffix alone took 10% of article sentences (columns, interviews); reporting that outweighs a
first-person voice, the byline, the column rule and list items brought that to 0% while recall
stayed at 99.7%.

A paragraph here is a paragraph of copy as `rag.reading.layout.parse_article` finds them (a line).
Measured on hand labels of 48 BBC archive files (`tests/data/comment_labels.jsonl`, 6 with
comment sections) by `scripts/comments.py`, figures in `docs/comments.json`.

`asks_readers` tells a question about what readers wrote, the one kind their comments answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from rag.core.types import Sentence
from rag.reading.layout import is_list_item, parse_article

READER = 1.0
REPORTING = -2.0
NEUTRAL = -0.5
MIN_READERS = 3
MIN_SHARE = 0.5
LEAD = 2  # an article above the section with fewer reporting paragraphs speaks for itself: a column

# Quoted words: double quotes, curly or straight (single quotes are apostrophes too often); a
# quotation still open at the paragraph's end runs on into the next (news copy opens each of its
# paragraphs again and closes only the last).
_QUOTED = re.compile(r"[\"“][^\"“”\n]*(?:[\"”]|$)")
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|me|my|myself|mine)\b|(?<![\w'’])i(?![\w'’])")
_REACTS = re.compile(
    r"\b(?:I (?:agree|disagree)|agree with|(?:this|the|your|an interesting|a great) (?:article|story|piece|report)"
    r"|well done|spot on|surely|what about|how about|why don't|in my opinion|LOL)\b",
    re.IGNORECASE,
)
_ASKS = re.compile(r"[?!]")
# An opinion's words: what should be, what one hopes ("UKIP should try to resolve its differences").
_OPINES = re.compile(r"\b(?:should|shouldn't|ought|must|let's|hope|thank goodness)\b", re.IGNORECASE)
# The writer's byline, which closes a column: "Bill Thompson is a regular commentator on …".
_BYLINE = re.compile(
    r"^[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)+ is (?:a|an|the) [^.]{0,80}?"
    r"\b(?:commentator|columnist|correspondent|editor|writer|author|analyst|reporter|contributor)\b[^.!?]*[.!?]?$"
)
_ATTRIBUTES = re.compile(
    r"\b(?:said|says|told|tells|added|according to|announced|reported|insisted|insists|explained|argued|argues|"
    r"claimed|claims|warned|stated|wrote|writes)\b"
)
_QUOTATION_WORDS = 3  # a quotation of at least this many words is reporting (shorter: a scare quote)


@dataclass(frozen=True, slots=True)
class Paragraph:
    """How one paragraph reads: a reader's (first person, reaction, question), reporting, or neither."""

    start: int
    end: int
    reader: bool
    reporting: bool
    reacts: bool = False  # "I agree", "this article", "Surely": a reader answering the article
    byline: bool = False  # the writer's byline: the article ends here, not in its comments

    @property
    def weight(self) -> float:
        return READER if self.reader else REPORTING if self.reporting else NEUTRAL


def read_paragraph(text: str, start: int, end: int) -> Paragraph:
    """Read `text[start:end]` (one paragraph) as a reader's, reporting, or neither (see the module)."""
    para = text[start:end]
    if is_list_item(text[text.rfind("\n", 0, start) + 1 : end].lstrip()):
        return Paragraph(start, end, reader=False, reporting=False)  # a list's item is the article's layout
    own = _QUOTED.sub(" ", para)
    first = _FIRST_PERSON.search(own) is not None
    reacts = _REACTS.search(own) is not None
    reader = first or reacts or _ASKS.search(own) is not None or _OPINES.search(own) is not None
    quotes = any(len(m.group().split()) >= _QUOTATION_WORDS for m in _QUOTED.finditer(para))
    reporting = quotes or _ATTRIBUTES.search(own) is not None
    byline = _BYLINE.match(para) is not None
    # A reader who quotes ("as Churchill points out it is "better than …"") is neither: weighed as neutral.
    return Paragraph(start, end, reader and not reporting, reporting and not first, reacts and not reporting, byline)


def _best_suffix(paragraphs: Sequence[Paragraph], *, reacts: bool) -> int | None:
    """The start of the suffix with the highest weight, at a reader's paragraph (one that reacts
    to the article, with `reacts`); None when no suffix weighs above 0."""
    best, best_at, total = 0.0, None, 0.0
    for i in range(len(paragraphs) - 1, -1, -1):
        if paragraphs[i].byline:
            break
        total += paragraphs[i].weight
        if paragraphs[i].reader and (paragraphs[i].reacts or not reacts) and total > best:
            best, best_at = total, i
    return best_at


def section_start(paragraphs: Sequence[Paragraph]) -> int | None:
    """The index of the first paragraph of the comment section, or None (see the module's rules)."""
    best_at = _best_suffix(paragraphs, reacts=False)
    if best_at is not None and sum(p.reporting for p in paragraphs[:best_at]) < LEAD:
        # The article speaks in the first person from its lead on (a column, an interview): its
        # readers' comments can only begin where a reader reacts to it.
        best_at = _best_suffix(paragraphs, reacts=True)
    if best_at is None:
        return None
    run = paragraphs[best_at:]
    readers = sum(p.reader for p in run)
    if readers < MIN_READERS or readers < MIN_SHARE * len(run):
        return None
    if not any(p.reporting for p in paragraphs[:best_at]):
        return None
    return best_at


def comments_from(text: str, spans: Sequence[tuple[int, int]]) -> int | None:
    """Where the readers' comments begin (an offset into `text`), or None when the article has none.

    Args:
        text: the raw article text.
        spans: its paragraphs of copy, (start, end) offsets (`rag.reading.layout.Parsed.spans`).
    """
    paragraphs = [read_paragraph(text, s, e) for s, e in spans]
    at = section_start(paragraphs)
    return None if at is None else paragraphs[at].start


@lru_cache(maxsize=256)
def comments_in(text: str) -> int | None:
    """`comments_from` for a whole article's text, its paragraphs found by `parse_article` (cached:
    the answering side asks once per cited sentence)."""
    return comments_from(text, parse_article(text).spans)


def is_comment(text: str, start: int) -> bool:
    """Whether the character at `start` of an article's raw text lies in its readers' comments."""
    at = comments_in(text)
    return at is not None and start >= at


def tag_comments(sentences: Sequence[Sentence], at: int | None) -> tuple[Sentence, ...]:
    """The sentences, those from offset `at` on (the comment section) tagged `comment=True`."""
    if at is None:
        return tuple(sentences)
    return tuple(replace(s, comment=True) if s.start >= at else s for s in sentences)


# A question about what readers wrote ("What did readers say about …?", "What do the comments
# say …?", "Have your say"): the one kind whose answer is readers' words, shown as "A reader wrote".
# Not "reader" alone ("the blog reader site Bloglines") nor "comments" ("Ken Livingstone's comments").
_READERS = re.compile(
    r"\b(?:readers|commenters|(?:a|one|another) (?:reader|commenter)|comments? section|have your say|"
    r"(?:wrote|written|emailed|e-mailed) in)\b",
    re.I,
)


def asks_readers(question: str) -> bool:
    """Whether a question asks what the articles' readers wrote (`_READERS`): their comments may answer it."""
    return _READERS.search(question) is not None
