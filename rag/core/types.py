"""Values that flow through the pipeline: frozen, slotted dataclasses.

Document -> Chunk -> Passage -> (model output) -> Citation -> Statement -> Answer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rag.core.days import show_date


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an article, with its character offsets into the raw file."""

    start: int
    end: int
    text: str
    comment: bool = False  # in the readers' comments printed after the article (`rag.reading.comments`)


@dataclass(frozen=True, slots=True)
class Document:
    """An article as read from disk, with its noise-free sentences located in the raw text."""

    id: str
    source: str  # path as indexed: relative to the project root when inside it; `path#id` for a record
    title: str
    date: str | None
    url: str | None
    # The raw file text, exactly as `open(source, encoding=...).read()` gives it; for HTML, PDF,
    # Word and exports, the extracted text layer (`rag text SOURCE` prints it).
    text: str
    content_hash: str
    sentences: tuple[Sentence, ...]
    encoding: str = "utf-8"
    withheld: int = 0  # sentences left out because they read as instructions to an AI model (rag.reading.ingest)
    # A PDF's page starts in `text`; for a file that is not plain text, `text` is its extracted text
    # layer (rag.reading.formats), which the index keeps.
    pages: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of consecutive sentences of one document, sized in tokens."""

    id: str  # "doc_id:ordinal"
    doc_id: str
    source: str
    ordinal: int
    text: str  # the clean sentences, joined
    start: int
    end: int
    sentences: tuple[Sentence, ...]
    title: str = ""
    date: str | None = None
    url: str | None = None

    def embedding_text(self) -> str:
        """The text that is embedded: the title (and date) make the chunk stand on its own."""
        head = self.title + (f" ({show_date(self.date)})" if self.date else "")
        return f"{head}\n{self.text}" if head else self.text


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved chunk with its fused score; `duplicates` holds the same copy in other articles."""

    chunk: Chunk
    score: float
    rank: int
    dense_score: float | None = None
    duplicates: tuple[Chunk, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.chunk.source, *(d.source for d in self.duplicates))


@dataclass(frozen=True, slots=True)
class Citation:
    """A passage that supports a statement: `quote == raw_text[start:end]` always, the file read
    with `encoding`; for a file that is not plain text, the text is the index's text layer
    (`Pipeline.source_text(citation)`, `rag text SOURCE`)."""

    source: str  # the article as indexed: a file, or `file#id` for a record of an export
    start: int
    end: int
    quote: str
    title: str
    date: str | None
    url: str | None
    verified: bool | None = None
    support: float | None = None
    # How the file was decoded: `open(source, encoding=encoding).read()[start:end] == quote` (a
    # UTF-8 file with a byte-order mark reads as "utf-8-sig"; with "utf-8" its offsets shift by one).
    encoding: str = "utf-8"
    record: str | None = None  # the record's id, for an article of a JSON/JSONL/CSV export
    page: int | None = None  # the page (from 1) the quote starts on, for a PDF

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Statement:
    """One sentence of an answer and the passages that support it."""

    text: str
    citations: tuple[Citation, ...]
    verified: bool | None = None
    support: float | None = None
    reason: str | None = None
    # What code composed to place it, from the cited article's text: a timeline's date, a
    # comparison's side or source ("Euronext", "According to Mr Forgeard"); never the model's.
    label: str | None = None
    # Whose words (`rag.answering.voice`): "reporting" (the article's), "quote" (a source's, named
    # in `speaker` when the article names them); None when not read (the model's own wording).
    voice: str | None = None
    speaker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"text": self.text, "citations": [c.to_dict() for c in self.citations]}
        if self.label:
            d["label"] = self.label
        if self.voice:
            d["voice"] = self.voice
            d["speaker"] = self.speaker
        if self.verified is not None:
            d["verified"] = self.verified
            d["support"] = self.support
        if self.reason:
            d["reason"] = self.reason
        return d


@dataclass(frozen=True, slots=True)
class DirectAnswer:
    """The answer line above the evidence: the model's short answer, shown because the cited
    sentence holds every word, figure and negation of it, in the sentence's own words where they
    run as the model's do (`rag.answering.direct`)."""

    text: str  # the quote's words ("more than $1bn" for the model's "1bn"), else the model's; at most 80 characters
    citation: Citation  # the sentence that holds it (the answer's first statement cites it)
    start: int  # source offsets (code points) of the quote's words that carry the answer
    end: int

    def to_dict(self) -> dict[str, Any]:
        c = self.citation
        return {
            "text": self.text,
            "source": c.source,
            "citation": {"start": c.start, "end": c.end},
            "start": self.start,
            "end": self.end,
            "words": c.quote[self.start - c.start : self.end - c.start],
        }


@dataclass(frozen=True, slots=True)
class DateScope:
    """What a `--since`/`--until` filter searched and left out, counted in indexed articles (of
    the chosen sources, when some are chosen)."""

    since: str | None  # YYYY-MM-DD as asked
    until: str | None
    include_undated: bool  # articles without a full date searched too (`--include-undated`)
    searched: int  # articles the filter let through
    undated_left_out: int  # articles without a full date, left out (0 when included)
    outside_left_out: int  # dated articles outside the range

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "include_undated": self.include_undated,
            "searched": self.searched,
            "undated_left_out": self.undated_left_out,
            "outside_left_out": self.outside_left_out,
        }


@dataclass(frozen=True, slots=True)
class Answer:
    """The result of `answer()`; `to_dict()` is the JSON contract."""

    question: str
    text: str
    statements: tuple[Statement, ...]
    abstained: bool
    passages: tuple[Passage, ...] = ()
    model: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int = 0
    rejected_statements: tuple[Statement, ...] = ()
    standalone_question: str | None = None
    as_of: str | None = None  # for questions about "now": the date of the newest cited article
    notes: tuple[str, ...] = ()
    related: tuple[Statement, ...] = ()  # with an abstention: what the articles do say, not an answer
    direct: DirectAnswer | None = None  # the short answer line, when its cited sentence holds it
    form: str = "fact"  # fact, yes_no, list, summary, timeline, comparison (`rag.answering.forms`)
    capped: int | None = None  # the statement cap, when the model reached it: the list may be partial
    date_filter: DateScope | None = None  # with --since/--until: what was searched and left out

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "statements": [s.to_dict() for s in self.statements],
            "rejected_statements": [s.to_dict() for s in self.rejected_statements],
            "related": [s.to_dict() for s in self.related],
            "passages": [
                {
                    "source": p.chunk.source,
                    "chunk_id": p.chunk.id,
                    "start": p.chunk.start,
                    "end": p.chunk.end,
                    "title": p.chunk.title,
                    "date": p.chunk.date,
                    "score": round(p.score, 6),
                    "also_in": [d.source for d in p.duplicates],
                    "text": p.chunk.text,
                }
                for p in self.passages
            ],
            "model": self.model,
            "prompt_tokens": self.prompt_tokens,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "standalone_question": self.standalone_question,
            "as_of": self.as_of,
            "notes": list(self.notes),
            "direct_answer": self.direct.to_dict() if self.direct else None,
            "form": self.form,
            "capped": self.capped,
            "date_filter": self.date_filter.to_dict() if self.date_filter else None,
        }
