"""Sentence-aware chunking sized in tokens.

Chunks are runs of whole sentences, never split mid-sentence, of about `chunk_tokens`
cl100k tokens (hard limit `chunk_max_tokens`, except a single overlong sentence, which stands
alone), with `overlap` sentences repeated at the start of the next chunk.
"""

from __future__ import annotations

from collections.abc import Callable

from rag.core.tokens import count as count_tokens
from rag.core.types import Chunk, Document, Sentence
from rag.reading.instructions import RULES_DIGEST


def chunk_document(
    doc: Document,
    *,
    target_tokens: int = 200,
    max_tokens: int = 240,
    overlap: int = 1,
    count: Callable[[str], int] = count_tokens,
) -> list[Chunk]:
    """Split a document's sentences into token-sized chunks with ids `doc_id:ordinal`."""
    sizes = [count(s.text) + 1 for s in doc.sentences]
    groups: list[list[int]] = []
    i = 0
    n = len(doc.sentences)
    while i < n:
        group = [i]
        total = sizes[i]
        j = i + 1
        while j < n and total < target_tokens and total + sizes[j] <= max_tokens:
            group.append(j)
            total += sizes[j]
            j += 1
        groups.append(group)
        if j >= n:
            break
        # Step back `overlap` sentences, but always move forward.
        i = max(j - overlap, group[0] + 1)
    return [_make_chunk(doc, k, [doc.sentences[x] for x in g]) for k, g in enumerate(groups)]


def chunk_id(doc_id: str, ordinal: int) -> str:
    """A chunk's id: its document's id and its ordinal (`doc_id:ordinal`)."""
    return f"{doc_id}:{ordinal}"


def doc_of(chunk: str) -> str:
    """The document id of a chunk id."""
    return chunk.rsplit(":", 1)[0]


def _make_chunk(doc: Document, ordinal: int, sents: list[Sentence]) -> Chunk:
    return Chunk(
        id=chunk_id(doc.id, ordinal),
        doc_id=doc.id,
        source=doc.source,
        ordinal=ordinal,
        text=" ".join(s.text for s in sents),
        start=sents[0].start,
        end=sents[-1].end,
        sentences=tuple(sents),
        title=doc.title,
        date=doc.date,
        url=doc.url,
    )


def signature(target_tokens: int, max_tokens: int, overlap: int) -> str:
    """Identifies the chunking (and parsing) rules; a change re-indexes everything."""
    # v2: dates read from the lead; v3: day numbers; v4: sentences over 600 characters are cut,
    # paragraphs that instruct an AI model are left out (their rules' digest: a change re-indexes);
    # v5: repeated lines of copy, list items and short lines with a figure are kept, sentences end
    # at 。！？, unspaced scripts are indexed as character bigrams (issue 26); v6: sentences of
    # readers' comments are tagged (`rag.reading.comments`, issue 28)
    return f"v6:{target_tokens}:{max_tokens}:{overlap}:{RULES_DIGEST}"
