"""Reading article files: decoding, scraping-noise removal, metadata, sentence offsets.

Offsets always index the raw file text as `open(path, encoding=...).read()` returns it
(universal newlines), so a citation can be checked against the file on disk. Noise lines
(URLs, bare numbers, the title printed again, captions and photo credits, share bars, section
headings: `rag.reading.layout`) are kept out of the sentences, and so out of chunks and prompts,
but the raw text is never altered; `explain` lists them with their reasons.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.core.types import Document, Sentence
from rag.reading.comments import comments_from, tag_comments
from rag.reading.formats import RECORDS, Fields, extract, is_plain, record_key
from rag.reading.formats import SUFFIXES as SUFFIXES  # every format read (rag.reading.formats)
from rag.reading.instructions import looks_like_instruction  # the filter, its rules and figures
from rag.reading.layout import LeftOut
from rag.reading.layout import Parsed as Parsed  # read here by callers of `parse_article`
from rag.reading.layout import parse_article as parse_article
from rag.reading.sentences import split_sentences

log = logging.getLogger(__name__)

# A corpus folder's own notes, not articles: left out at its top level (`corpus_notes` says so).
FOLDER_NOTES = frozenset({"readme", "license", "licence", "copying", "changelog"})


@dataclass(frozen=True, slots=True)
class ReadResult:
    """A decoded file, or the reason it was skipped."""

    text: str | None
    encoding: str
    warning: str | None = None


def _normalise_newlines(text: str) -> str:
    # What Python's text mode (newline=None) does, so offsets match `open(...).read()`.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def looks_binary(data: bytes) -> bool:
    """True for data that is clearly not text: NUL bytes or mostly control characters."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    if not head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(head) > 0.1


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def read_text(path: Path, *, max_bytes: int) -> ReadResult:
    """Decode a file: by its byte-order mark (UTF-8/16/32), else as UTF-8, else cp1252/latin-1
    with a warning; refuse binary files. `encoding` reads the file back as decoded here."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return ReadResult(
                None, "", f"{path}: skipped, {size} bytes is over the {max_bytes}-byte limit (RAG_MAX_FILE_BYTES)"
            )
        data = path.read_bytes()
    except OSError as exc:
        return ReadResult(
            None,
            "",
            f"{path}: skipped, cannot be read ({exc.strerror or exc}); "
            "fix its permissions or the link it follows, or remove it",
        )
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return ReadResult(_normalise_newlines(data.decode(enc)), enc)
            except UnicodeDecodeError:
                return ReadResult(None, "", f"{path}: skipped, it starts with a {enc} mark but is not {enc} text")
    if looks_binary(data):
        return ReadResult(None, "", f"{path}: skipped, it looks like a binary file, not text")
    try:
        return ReadResult(_normalise_newlines(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    for enc in ("cp1252", "latin-1"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        return ReadResult(
            _normalise_newlines(text),
            enc,
            f"{path}: not valid UTF-8, decoded as {enc}; offsets index that decoded text. "
            f"Convert the file to UTF-8 (e.g. `iconv -f {enc} -t utf-8`) for exact citations.",
        )
    return ReadResult(None, "", f"{path}: skipped, cannot be decoded as text")  # pragma: no cover


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _paragraphs(text: str, spans: Iterable[tuple[int, int]]) -> Iterator[tuple[list[Sentence], bool]]:
    """Each paragraph's sentences, and whether they are withheld: every sentence of a paragraph in
    which one sentence reads as an instruction to an AI model."""
    for s, e in spans:
        sents = split_sentences(text, s, e)
        yield sents, any(looks_like_instruction(x.text) for x in sents)


def sentences_of(text: str, spans: Iterable[tuple[int, int]]) -> tuple[tuple[Sentence, ...], int]:
    """The sentences of the spans, and how many were withheld (see `_paragraphs`)."""
    out: list[Sentence] = []
    withheld = 0
    for sents, held in _paragraphs(text, spans):
        if held:
            withheld += len(sents)
        else:
            out.extend(sents)
    return tuple(out), withheld


def withheld_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of an article's text that indexing withholds."""
    return [(x.start, x.end) for sents, held in _paragraphs(text, parse_article(text).spans) if held for x in sents]


WITHHELD = "a paragraph with a sentence that reads as an instruction to an AI model (see `looks_like_instruction`)"


def explain(text: str) -> list[LeftOut]:
    """Everything of an article's text kept out of its indexed sentences, in text order, with the
    reason: the lines `parse_article` keeps out, and the sentences indexing withholds."""
    parsed = parse_article(text)
    held = [LeftOut(x.start, x.end, WITHHELD) for sents, hold in _paragraphs(text, parsed.spans) if hold for x in sents]
    return sorted([*parsed.left_out, *held], key=lambda x: x.start)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def document_id(source: str, digest: str) -> str:
    """Deterministic id from the source path and content hash."""
    return hashlib.sha256(f"{source}\0{digest}".encode()).hexdigest()[:16]


def make_document(source: str, text: str, *, encoding: str = "utf-8", pages: tuple[int, ...] = ()) -> Document:
    """Build a Document from decoded text (or a text layer); `source` is the name as indexed."""
    parsed = parse_article(text)
    sentences, withheld = sentences_of(text, parsed.spans)
    sentences = tag_comments(sentences, comments_from(text, parsed.spans))  # readers' comments: kept, tagged
    digest = content_hash(text)
    title = parsed.title
    if not title:
        title = _shorten(sentences[0].text, 90) if sentences else Path(source).stem
    return Document(
        id=document_id(source, digest),
        source=source,
        title=title,
        date=parsed.date,
        url=parsed.url,
        text=text,
        content_hash=digest,
        sentences=sentences,
        encoding=encoding,
        withheld=withheld,
        pages=pages,
    )


@dataclass(frozen=True, slots=True)
class Found:
    """An article file as found on disk: its path, its name as indexed, and its stat (None: unreadable)."""

    path: Path
    source: str
    stat: os.stat_result | None


def _walk(
    folder: Path, rel: str = "", skip: frozenset[str] = frozenset()
) -> Iterator[tuple[Path, str, os.DirEntry[str]]]:
    """(path, path relative to the walk's start, entry) of article files under `folder`, sorted by
    path; hidden entries and the folders in `skip` (real paths: an index folder kept inside the
    corpus holds the index's own .json files, not articles) are skipped, and links to folders are
    not followed (as `Path.rglob`)."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    for e in entries:
        if e.name.startswith("."):
            continue
        name = f"{rel}/{e.name}" if rel else e.name
        try:
            is_dir = e.is_dir(follow_symlinks=False)
            # A broken or looping link is kept, so that reading it reports the problem.
            ok = not is_dir and (e.is_symlink() or e.is_file())
        except OSError:
            continue
        if is_dir:
            if not (skip and os.path.realpath(folder / e.name) in skip):
                yield from _walk(folder / e.name, name, skip)
        elif ok and os.path.splitext(e.name)[1].lower() in SUFFIXES and not (not rel and is_folder_note(e.name)):
            yield folder / e.name, name, e


def is_folder_note(name: str) -> bool:
    """A corpus folder's README, LICENSE and the like: about the folder, not an article."""
    return os.path.splitext(name)[0].lower() in FOLDER_NOTES


def corpus_notes(paths: Iterable[Path]) -> list[str]:
    """Notes for `rag index`: the files left out at the top of each given folder (`is_folder_note`)."""
    out = []
    for p in paths:
        if p.is_dir():
            for e in sorted(p.iterdir()):
                if e.is_file() and e.suffix.lower() in SUFFIXES and is_folder_note(e.name):
                    out.append(
                        f"{e}: left out, a folder's {e.stem} is about the folder, not an article "
                        "(index it by naming the file itself)"
                    )
    return out


def _stat(entry: os.DirEntry[str] | Path) -> os.stat_result | None:
    try:
        return entry.stat()
    except OSError:
        return None


def find_articles(paths: Iterable[Path], root: Path, skip: Iterable[Path] = ()) -> Iterator[Found]:
    """The article files under the given files/folders, sorted, hidden files and the folders in
    `skip` (the index folder) left out, each once (a folder given with one of its subfolders, or
    with one of its files, is not read twice), with the name it is indexed under (see
    `source_name`) and its stat.

    Only links are resolved one by one: the other files of a folder are named from the folder's
    own resolved name (20,000 `Path.resolve` calls took 0.7 s of re-indexing one article).
    """
    left_out = frozenset(os.path.realpath(p) for p in skip)
    seen: set[tuple[str, str]] = set()  # (path as walked, source): a file reached twice the same way
    for p in paths:
        if p.is_dir():
            base = source_name(p, root)
            for path, rel, entry in _walk(p, skip=left_out):
                linked = entry.is_symlink()
                source = source_name(path, root) if linked else rel if base == "." else f"{base}/{rel}"
                if (str(path), source) not in seen:
                    seen.add((str(path), source))
                    yield Found(path, source, _stat(entry))
        elif p.is_file() and (str(p), source := source_name(p, root)) not in seen:
            seen.add((str(p), source))
            yield Found(p, source, _stat(p))


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Article files under the given files/folders, sorted, hidden files skipped."""
    for p in paths:
        if p.is_dir():
            yield from (path for path, _, _ in _walk(p))
        elif p.is_file():
            yield p


def source_name(path: Path, root: Path) -> str:
    """The path as indexed: relative to the project root when inside it, else absolute."""
    try:
        path = path.resolve()
    except (OSError, RuntimeError):  # a looping link: named as it is (reading it reports the loop)
        path = path.absolute()
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def resolve_source(source: str, root: Path) -> Path:
    p = Path(source)
    return p if p.is_absolute() else root / p


def load_documents(
    path: Path,
    *,
    root: Path,
    max_bytes: int,
    max_export_bytes: int = 2_000_000_000,
    source: str | None = None,
    fields: Fields | None = None,
) -> tuple[list[Document], list[str]]:
    """Read one article file of any format (`SUFFIXES`): its articles (one; an export's, one a
    record) and the warnings, each naming the file (and line, record or page) and the fix.

    `max_bytes` limits an article file, `max_export_bytes` an export (JSON, JSONL, CSV)."""
    source = source or source_name(path, root)
    if is_plain(source):
        doc, warning = load_document(path, root=root, max_bytes=max_bytes, source=source)
        return ([doc] if doc else []), ([warning] if warning else [])
    export = path.suffix.lower() in RECORDS
    limit, setting = (max_export_bytes, "RAG_MAX_EXPORT_BYTES") if export else (max_bytes, "RAG_MAX_FILE_BYTES")
    try:
        size = path.stat().st_size
        if size > limit:
            return [], [f"{path}: skipped, {size} bytes is over the {limit}-byte limit ({setting})"]
        data = path.read_bytes()
    except OSError as exc:
        return [], [f"{path}: skipped, cannot be read ({exc.strerror or exc}); fix its permissions or remove it"]
    got = extract(path, data, fields or Fields())
    docs: list[Document] = []
    warnings = list(got.warnings)
    for art in got.articles:
        key = record_key(source, art.record) if art.record is not None else source
        doc = make_document(key, art.text, pages=art.pages)
        where = f"{path}: record {art.record}" if art.record is not None else str(path)
        if not doc.sentences:
            why = (
                "its text reads as instructions to an AI model, not as an article"
                if doc.withheld
                else "no article text found in it (only a menu, headings or lines kept out)"
            )
            warnings.append(f"{where}: skipped, {why}; `rag index --explain {path}` shows what was read")
            continue
        if doc.withheld:
            warnings.append(
                f"{where}: {doc.withheld} sentence(s) that read as instructions to an AI model were left out of "
                "the index; edit the article if they are news text"
            )
        docs.append(doc)
    return docs, warnings


def load_document(
    path: Path, *, root: Path, max_bytes: int, source: str | None = None
) -> tuple[Document | None, str | None]:
    """Read and parse one plain-text article; returns (document, warning).

    `source` is its name as indexed when the caller already has it (`Found.source`); else `source_name`.
    """
    res = read_text(path, max_bytes=max_bytes)
    if res.text is None:
        return None, res.warning
    doc = make_document(source or source_name(path, root), res.text, encoding=res.encoding)
    if not doc.sentences:
        if doc.withheld:
            return None, f"{path}: skipped, its text reads as instructions to an AI model, not as an article"
        return None, f"{path}: skipped, no article text found in it"
    if doc.withheld:
        note = (
            f"{path}: {doc.withheld} sentence(s) that read as instructions to an AI model were left out of the "
            "index (they are never shown to the model or cited); edit the file if they are news text"
        )
        return doc, f"{res.warning}; {note}" if res.warning else note
    return doc, res.warning
