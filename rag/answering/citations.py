"""Parse the model's JSON, keep only statements with valid source ids, resolve ids to citations.

The model names sentence ids; files, offsets and quotes are filled in here, from the index and
the file on disk, never by the model. Ids that do not exist are dropped; a statement left
without a valid id is dropped, never shown uncited.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from rag.answering.prompting import SourceLine
from rag.core.settings import AnswerStyle
from rag.core.types import Chunk, Citation, Statement
from rag.index.lexical import tokenize
from rag.index.texts import TextLayer
from rag.reading.formats import is_plain, page_of, split_key
from rag.reading.ingest import content_hash, read_text, resolve_source
from rag.reading.sentences import split_sentences

log = logging.getLogger(__name__)

SCHEMA_MAX_SOURCES = 4


class RawStatement(BaseModel):
    sources: list[int] = Field(default_factory=list)
    text: str = ""


class ModelOutput(BaseModel):
    statements: list[RawStatement] = Field(default_factory=list)


class QuotedOutput(BaseModel):
    answer: str = ""
    quotes: list[int] = Field(default_factory=list)


ANSWER_MAX_CHARS = 80


def quoted(answer: str, ids: Sequence[int], lines: Sequence[SourceLine]) -> list[RawStatement]:
    """A "quoted" reply as statements without text (`resolve` quotes each sentence as it stands).

    The short answer the model wrote before the ids picks the sentence that leads: a named sentence
    that holds every word of it goes first; when none does and another prompt sentence does, that
    one is quoted first (the 1.5B model often names a neighbouring sentence, as it cites one when
    writing). The answer itself is never shown: it is the model's words, not the source's.
    """
    ids = list(dict.fromkeys(ids))
    words = set(tokenize(answer))
    if words:
        holds = [line.id for line in lines if words <= set(tokenize(line.text))]
        lead = [i for i in ids if i in holds] or holds[:1]
        ids = lead + [i for i in ids if i not in lead]
    return [RawStatement(sources=[i], text="") for i in ids]


def output_schema(max_statements: int, style: AnswerStyle = "written") -> dict[str, object]:
    """JSON schema for the model's reply; llama.cpp turns it into a grammar.

    "written": statements the model writes, each with its sentence ids. "quoted": a short answer
    (a name, figure or date) and the ids of the sentences that state it, which are quoted as they
    stand (about 15 tokens written instead of 30-100).
    """
    if style == "quoted":
        return {
            "type": "object",
            "properties": {
                "answer": {"type": "string", "maxLength": ANSWER_MAX_CHARS},
                "quotes": {"type": "array", "items": {"type": "integer"}, "maxItems": max_statements},
            },
            "required": ["answer", "quotes"],
        }
    return {
        "type": "object",
        "properties": {
            "statements": {
                "type": "array",
                "maxItems": max_statements,
                "items": {
                    "type": "object",
                    "properties": {
                        "sources": {
                            "type": "array",
                            "items": {"type": "integer"},
                            "minItems": 1,
                            "maxItems": SCHEMA_MAX_SOURCES,
                        },
                        "text": {"type": "string"},
                    },
                    "required": ["sources", "text"],
                },
            }
        },
        "required": ["statements"],
    }


def parse_output(raw: str, style: AnswerStyle = "written", lines: Sequence[SourceLine] = ()) -> list[RawStatement]:
    """The statements in the model's reply; [] for anything unparseable. A "quoted" reply needs
    the prompt's `lines`."""
    if style == "quoted":
        try:
            out = QuotedOutput.model_validate_json(raw)
            return quoted(out.answer, out.quotes, lines)
        except ValidationError:
            return quoted(_answer(raw) or "", _complete_ids(raw), lines)  # cut off: the ids that were completed
    try:
        return ModelOutput.model_validate_json(raw).statements
    except ValidationError:
        pass
    # A reply cut off by max_tokens: keep the statements that were completed.
    return [s for s in (_parse_obj(o) for o in iter_complete_objects(raw)) if s is not None]


def hit_cap(raw: str, style: AnswerStyle, max_statements: int) -> bool:
    """Whether the model's complete reply holds as many statements (or quotes) as the schema's
    `maxItems` allows: the answer may be a partial list. A reply that does not parse did not."""
    try:
        reply = json.loads(raw)
    except ValueError:
        return False
    items = reply.get("quotes" if style == "quoted" else "statements") if isinstance(reply, dict) else None
    return isinstance(items, list) and len(items) >= max_statements


def _parse_obj(obj: str) -> RawStatement | None:
    try:
        return RawStatement.model_validate_json(obj)
    except ValidationError:
        return None


def iter_complete_objects(raw: str) -> Iterator[str]:
    """The complete JSON objects inside the top-level "statements" array of a partial reply."""
    start = raw.find("[")
    if start < 0:
        return
    depth = 0
    in_str = esc = False
    obj_start = -1
    for i in range(start + 1, len(raw)):
        ch = raw[i]
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch == "{":
            if depth == 0:
                obj_start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and obj_start >= 0:
                yield raw[obj_start : i + 1]
                obj_start = -1
        elif ch == "]" and depth == 0:
            return


_ID = re.compile(r"(\d+)\s*[,\]]")
_QUOTES = re.compile(r'"quotes"\s*:\s*\[')
_ANSWER = re.compile(r'"answer"\s*:\s*("(?:[^"\\]|\\.)*")')


def _complete_ids(raw: str) -> list[int]:
    """The ids of a partial "quoted" reply that are complete (followed by a comma or the closing bracket)."""
    m = _QUOTES.search(raw)
    return [int(i.group(1)) for i in _ID.finditer(raw, m.end())] if m else []


def short_answer(raw: str, style: AnswerStyle) -> str | None:
    """The model's short answer in a "quoted" reply (complete or cut off); None in the "written" style."""
    return _answer(raw) if style == "quoted" else None


def _answer(raw: str) -> str | None:
    """The short answer of a partial "quoted" reply, once its string is complete."""
    m = _ANSWER.search(raw)
    if m is None:
        return None
    try:
        return str(json.loads(m.group(1)))
    except ValueError:
        return None


class StatementStream:
    """Feeds on streamed text and yields each statement as soon as it is complete (for "quoted",
    each sentence id as soon as it is written)."""

    def __init__(self, style: AnswerStyle = "written", lines: Sequence[SourceLine] = ()) -> None:
        self.style = style
        self.lines = lines
        self.text = ""
        self._done = 0

    def feed(self, piece: str) -> list[RawStatement]:
        self.text += piece
        if self.style == "quoted":
            first = self._done == 0
            ids = _complete_ids(self.text)
            new_ids, self._done = ids[self._done :], len(ids)
            if not new_ids:
                return []
            # The answer is complete before the first id: it may put another sentence first.
            return quoted((_answer(self.text) or "") if first else "", new_ids, self.lines)
        objs = list(iter_complete_objects(self.text))
        new = objs[self._done :]
        self._done = len(objs)
        return [s for s in (_parse_obj(o) for o in new) if s is not None]


class SourceTexts:
    """The texts citations index, checked against the hash that was indexed: a plain text file
    as read from disk, any other article (HTML, PDF, Word, an export's record) from the index's
    text layer (`rag.index.texts`), by its indexed content hash."""

    def __init__(self, root: Path, hashes: dict[str, str], *, max_bytes: int, layer: TextLayer | None = None) -> None:
        self.root = root
        self.hashes = hashes
        self.max_bytes = max_bytes
        self.layer = layer
        self._cache: dict[str, str | None] = {}
        self._encodings: dict[str, str] = {}
        self._pages: dict[str, tuple[int, ...]] = {}

    def encoding(self, source: str) -> str:
        """How `get` decoded the file ("utf-8", "utf-8-sig", "utf-16", "cp1252"...): read it back so."""
        self.get(source)
        return self._encodings.get(source, "utf-8")

    def page(self, source: str, offset: int) -> int | None:
        """The page (from 1) of a PDF's text an offset falls on; None for other articles."""
        self.get(source)
        return page_of(self._pages.get(source, ()), offset)

    def get(self, source: str) -> str | None:
        """The text the source's offsets index, or None (not indexed, changed since, unreadable)."""
        if source not in self._cache:
            self._cache[source] = self._plain(source) if is_plain(source) else self._layered(source)
        return self._cache[source]

    def _plain(self, source: str) -> str | None:
        res = read_text(resolve_source(source, self.root), max_bytes=self.max_bytes)
        self._encodings[source] = res.encoding or "utf-8"
        text = res.text
        if text is not None and source in self.hashes and content_hash(text) != self.hashes[source]:
            log.warning("%s changed since it was indexed: run `rag index` to refresh it", source)
            text = None
        return text

    def _layered(self, source: str) -> str | None:
        digest = self.hashes.get(source)
        got = self.layer.get(digest) if self.layer is not None and digest else None
        if got is None or content_hash(got.text) != digest:
            log.warning("%s: its text is missing from the index: run `rag index --rebuild` to restore it", source)
            return None
        self._pages[source] = got.pages
        return got.text

    def cite(
        self, chunk: Chunk, start: int, end: int, *, verified: bool | None = None, support: float | None = None
    ) -> Citation | None:
        """The citation of `[start, end)` of a chunk's article: the quote copied from its text, the
        record and page where they apply; None when the text cannot be read."""
        text = self.get(chunk.source)
        if text is None:
            return None
        return Citation(
            chunk.source,
            start,
            end,
            text[start:end],
            chunk.title,
            chunk.date,
            chunk.url,
            verified,
            support,
            encoding=self.encoding(chunk.source),
            record=split_key(chunk.source)[1],
            page=self.page(chunk.source, start),
        )


_SPACE = re.compile(r"\s+")


def clean_statement_text(text: str) -> str:
    """Collapse whitespace and strip any [n] markers the model wrote itself."""
    text = re.sub(r"\s*\[\d+(?:\s*,\s*\d+)*\]", "", text)
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class Resolved:
    statements: tuple[Statement, ...]
    dropped: tuple[str, ...]  # why statements were dropped


def resolve(raw: Sequence[RawStatement], lines: Sequence[SourceLine], texts: SourceTexts) -> Resolved:
    """Turn the model's statements into `Statement`s with exact, checked citations."""
    by_id = {line.id: line for line in lines}
    out: list[Statement] = []
    dropped: list[str] = []
    seen_texts: set[str] = set()
    # A statement is one sentence: the model sometimes writes two in one ("According to SAMS, six
    # ... According to MSF, eight ..."), and each is then checked on its own. A statement without
    # text quotes its one sentence as it stands (the "quoted" style).
    pieces: list[RawStatement] = []
    for st in raw:
        whole = st.text or _quote(st.sources, by_id)
        if not whole:
            dropped.append(f"no sentence to quote: cited {st.sources}")
            continue
        pieces += [RawStatement(sources=st.sources, text=s.text) for s in split_sentences(clean_statement_text(whole))]
    for st in pieces:
        text = st.text
        if not text:
            continue
        key = text.casefold()
        if key in seen_texts:
            continue
        citations: list[Citation] = []
        seen_spans: set[tuple[str, int, int]] = set()
        for sid in dict.fromkeys(st.sources):
            line = by_id.get(sid)
            if line is None:
                continue
            for chunk, sent in line.locations:
                raw_text = texts.get(chunk.source)
                span = (chunk.source, sent.start, sent.end)
                if raw_text is None or span in seen_spans or raw_text[sent.start : sent.end] != sent.text:
                    continue
                seen_spans.add(span)
                cited = texts.cite(chunk, sent.start, sent.end)
                if cited is not None:
                    citations.append(cited)
        if not citations:
            dropped.append(f"no valid citation: {text!r} cited {st.sources}")
            continue
        seen_texts.add(key)
        out.append(Statement(text, tuple(citations)))
    return Resolved(tuple(out), tuple(dropped))


def _quote(sources: Sequence[int], by_id: dict[int, SourceLine]) -> str:
    line = by_id.get(sources[0]) if len(sources) == 1 else None
    return line.text if line is not None else ""


def answer_text(statements: Sequence[Statement]) -> tuple[str, dict[tuple[str, int, int], int]]:
    """The answer prose with [n] markers; citation numbers follow first appearance."""
    numbers: dict[tuple[str, int, int], int] = {}
    parts = []
    for st in statements:
        marks = []
        for c in st.citations:
            key = (c.source, c.start, c.end)
            numbers.setdefault(key, len(numbers) + 1)
            if numbers[key] not in marks:
                marks.append(numbers[key])
        label = f"{st.label} — " if st.label else ""
        parts.append(label + st.text + " " + "".join(f"[{n}]" for n in marks))
    return " ".join(parts), numbers
