"""Sentence splitting that keeps character offsets.

A regex splitter, not a model: news copy is regular enough, and offsets must be exact.
A boundary is end punctuation (optionally followed by closing quotes/brackets), whitespace,
then something that can start a sentence: a digit, or a letter that is not lower-case (a capital
in any cased script, a letter of a script without case). Abbreviations and initials ("U.S.",
"Oct.", "J.") are not boundaries. In Chinese and Japanese, which put no space between
sentences, the ideographic full stop and the full-width marks (`。！？．｡`, with closing
brackets such as `」`) end a sentence wherever they stand.
"""

from __future__ import annotations

import re

from rag.core.types import Sentence

_BOUNDARY = re.compile(
    r"[.!?]+[\"”’')\]]*(?=\s+[\"“‘'(\[]?[^\W_])"  # then a word character: `_starts` checks its case
    r"|[。！？．｡]+[」』）〕】\"”’')\]]*(?=\s*\S)"  # unspaced scripts: no space needed after the mark
    r"|[؟।॥]+(?=\s+\S)",  # Arabic question mark, Devanagari danda
)
_OPENERS = "\"“‘'([「『（"
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sen",
        "rep",
        "gov",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "st",
        "jr",
        "sr",
        "inc",
        "ltd",
        "co",
        "corp",
        "vs",
        "etc",
        "no",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
    ]
)
MAX_SENTENCE_CHARS = 600  # longer runs without a boundary (a 100 kB line) are cut at spaces
_INITIALS = re.compile(r"^(?:[A-Za-z]\.)+$")
_SPACE = " \t\n\r\f\v\u00a0\u2009\u200b\ufeff"


def _is_abbreviation(text: str, end: int) -> bool:
    """True when the period at `end - 1` closes an abbreviation or initials, not a sentence."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start:end].lstrip("\"“‘'(")
    if _INITIALS.match(word):
        return True
    return word[:-1].lower() in _ABBREVIATIONS


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow [start, end) so it neither begins nor ends with whitespace (non-breaking too)."""
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and text[end - 1] in _SPACE:
        end -= 1
    return start, end


def _add(out: list[Sentence], text: str, start: int, end: int) -> None:
    """Append the sentence text[start:end] (stripped), cut at spaces into pieces of at most
    MAX_SENTENCE_CHARS when it runs longer (after a clause mark where there is one)."""
    s, e = strip_span(text, start, end)
    while e - s > MAX_SENTENCE_CHARS:
        window = text[s : s + MAX_SENTENCE_CHARS]
        cut = max(window.rfind("; "), window.rfind(", "))
        if cut < MAX_SENTENCE_CHARS // 2:
            cut = window.rfind(" ")
        cut = cut + 1 if cut > 0 else MAX_SENTENCE_CHARS
        ps, pe = strip_span(text, s, s + cut)
        if pe > ps:
            out.append(Sentence(ps, pe, text[ps:pe]))
        s, e = strip_span(text, s + cut, e)
    if e > s:
        out.append(Sentence(s, e, text[s:e]))


def _starts(text: str, at: int, end: int) -> bool:
    """Whether what follows a Latin end mark at `at` can start a sentence: a digit, or a letter
    that is not lower-case (so "e.g. the" and "approx. five" go on)."""
    while at < end and (text[at] in _SPACE or text[at] in _OPENERS):
        at += 1
    return at < end and (text[at].isdigit() or (text[at].isalpha() and not text[at].islower()))


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Split `text[start:end]` into sentences whose offsets index `text` itself."""
    end = len(text) if end is None else end
    out: list[Sentence] = []
    cursor = start
    for m in _BOUNDARY.finditer(text, start, end):
        cut = m.end()
        if text[m.start()] in ".!?" and not _starts(text, cut, end):
            continue
        if text[cut - 1] in "」』" and text[cut : cut + 1] in ("と", "っ"):  # 「…。」と述べた: a quotation goes on
            continue
        if text[m.start()] == "." and m.end() - m.start() == 1 and _is_abbreviation(text, m.start() + 1):
            continue
        _add(out, text, cursor, cut)
        cursor = cut
    _add(out, text, cursor, end)
    return out


def sentence_at(text: str, at: int) -> tuple[int, int]:
    """The span of the sentence of `text` that holds offset `at` (split within its line)."""
    start = text.rfind("\n", 0, at) + 1
    stop = text.find("\n", at)
    for s in split_sentences(text, start, len(text) if stop < 0 else stop):
        if s.start <= at < s.end:
            return s.start, s.end
    return strip_span(text, start, len(text) if stop < 0 else stop)


def next_start(text: str, end: int) -> int:
    """The offset of the first character after `end` that is not white space (`len(text)` when none):
    where the sentence after one ending at `end` starts."""
    return len(text) - len(text[end:].lstrip())
