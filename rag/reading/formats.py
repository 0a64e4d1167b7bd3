"""Article files that are not plain text: web pages, CMS exports, PDF and Word files.

Each format is read by a library made for it, never by a parser of our own: `trafilatura` (with
`htmldate`) for HTML, `json`/`csv` for exports, `pypdf` for PDF, `python-docx` for Word. What is
read becomes the article's *text layer*: one plain text, laid out as a Markdown file with front
matter (`rag.reading.layout` reads title, date and URL from it, as it does from a `.md` file)::

    ---
    title: Flood hits town
    date: 2024-03-05
    url: https://news.example/flood
    author: Jane Roe
    ---
    Heavy rain flooded the town on Tuesday.

    The river rose by three metres.

Offsets of chunks and citations index that text, which the index keeps (`rag.index.texts`), so
`text[start:end] == quote` holds for every format. A PDF's pages are paragraphs of it, and
`Extracted.pages` says where each page starts. An export (JSON, JSONL, CSV) holds one article a
record; a record is indexed under `record_key(path, id)`, its `id` field, else its line (JSONL),
row (CSV) or position (JSON, from 1).

Bad input never stops a folder: each problem is a warning naming the file (and line, record or
page) and the fix, and the rest is read.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PLAIN = (".txt", ".md")
PAGES = (".html", ".htm")
RECORDS = (".json", ".jsonl", ".csv")
SUFFIXES = (*PLAIN, *PAGES, ".pdf", ".docx", *RECORDS)

# The usual names of an export's fields, in order of preference; `--field body=story_text` puts
# another name first (`FIELDS` keys are the roles).
FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "guid", "uuid"),
    "title": ("title", "headline"),
    "body": ("body", "content", "text", "article"),
    "date": ("date", "published", "published_at"),
    "url": ("url", "link"),
    "author": ("author", "byline"),
}
_RECORD_KEY = re.compile(r"^(.*?\.(?:jsonl|json|csv))#(.+)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Extracted:
    """One article read from a file: its text layer, its record id (exports) and page starts (PDF)."""

    text: str
    record: str | None = None
    pages: tuple[int, ...] = ()  # offset where page 1, 2, ... starts in `text` (PDF only)


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one file gave: its articles and the warnings about what could not be read."""

    articles: tuple[Extracted, ...] = ()
    warnings: tuple[str, ...] = ()


def is_plain(source: str) -> bool:
    """Whether an indexed source is a plain text file, cited by offsets into the file itself."""
    return Path(split_key(source)[0]).suffix.lower() in PLAIN


def record_key(source: str, record: str) -> str:
    """The name a record of an export is indexed under: `exports/news.jsonl#42`."""
    return f"{source}#{record}"


def split_key(key: str) -> tuple[str, str | None]:
    """(file, record) of an indexed name; record is None for a whole file."""
    m = _RECORD_KEY.match(key)
    return (m.group(1), m.group(2)) if m else (key, None)


def page_of(pages: tuple[int, ...], offset: int) -> int | None:
    """The page (from 1) an offset of a text layer falls on; None without pages."""
    return bisect.bisect_right(pages, offset) if pages else None


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def iso_date(value: object) -> str | None:
    """A date field as YYYY-MM-DD ("2024-03-05T10:00:00Z", "5 March 2024"); None when it is not one."""
    text = _one_line(value)
    if not text:
        return None
    from dateutil import parser

    try:
        return parser.parse(text, fuzzy=False).date().isoformat()
    except (ValueError, OverflowError, TypeError):
        return None


def render(meta: Mapping[str, object], paragraphs: Iterable[str]) -> tuple[str, tuple[int, ...]]:
    """The text layer: front matter (title, date, url, author where known), then the paragraphs,
    separated by blank lines. Returns the text and where each paragraph starts."""
    head = [f"{k}: {_one_line(meta[k])}" for k in ("title", "date", "url", "author") if meta.get(k)]
    text = "---\n" + "\n".join(head) + "\n---\n" if head else ""
    starts = []
    for i, para in enumerate(paragraphs):
        if i:
            text += "\n\n"
        starts.append(len(text))
        text += para
    return text, tuple(starts)


def _paragraphs(text: str) -> list[str]:
    """Lines of extracted text as paragraphs: whitespace collapsed, empty ones dropped."""
    return [p for p in (_one_line(line) for line in text.split("\n")) if p]


# --- HTML -------------------------------------------------------------------------------------


def read_html(path: Path, data: bytes) -> Extraction:
    """A saved web page: the article's text and metadata, without menus, ads and comments."""
    import trafilatura

    got = trafilatura.bare_extraction(
        data, with_metadata=True, include_comments=False, include_tables=True, include_images=False
    )
    doc: dict[str, Any] = {} if got is None else got if isinstance(got, dict) else got.as_dict()
    text = str(doc.get("text") or "")
    if not text.strip():
        return Extraction(
            warnings=(
                f"{path}: skipped, no article text found in the page (a menu, index or script-built page?); "
                "save the article's own page, or its text as .txt",
            )
        )
    meta = {"title": doc.get("title"), "date": iso_date(doc.get("date") or ""), "url": doc.get("url")}
    meta["author"] = doc.get("author")
    layer, _ = render(meta, _paragraphs(text))
    return Extraction((Extracted(layer),))


# --- PDF --------------------------------------------------------------------------------------

_HYPHEN = re.compile(r"(\w)-\n(?=[a-z])")
_TERMINAL = tuple('.!?"”’:)')


def join_lines(page: str) -> list[str]:
    """A PDF page's lines as paragraphs: a word hyphenated at a line end is joined ("exam-\\nple"
    -> "example"); lines are joined with spaces; a paragraph ends at a blank line, or at a line
    that ends a sentence and is shorter than 70% of the page's longest line (a paragraph's last line)."""
    page = _HYPHEN.sub(r"\1", page.replace("\r\n", "\n"))
    lines = [_one_line(x) for x in page.split("\n")]
    longest = max((len(x) for x in lines), default=0)
    paras: list[str] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        if current and (not line or (line.endswith(_TERMINAL) and len(line) < 0.7 * longest)):
            paras.append(" ".join(current))
            current = []
    if current:
        paras.append(" ".join(current))
    return paras


def read_pdf(path: Path, data: bytes) -> Extraction:
    """A PDF's text by page (pages kept as offsets), hyphenated line ends joined."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return Extraction(
                warnings=(f"{path}: skipped, the PDF is password-protected; save an unprotected copy and index that",)
            )
        texts = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or None
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        return Extraction(
            warnings=(
                f"{path}: skipped, it cannot be read as a PDF ({type(exc).__name__}: {exc}); "
                "download or export it again",
            )
        )
    paras: list[str] = []
    first: list[int] = []  # index of each page's first paragraph
    empty: list[int] = []
    for number, page in enumerate(texts, 1):
        got = join_lines(page)
        if not got:
            empty.append(number)
        first.append(len(paras))
        paras += got
    if not any(t.strip() for t in texts):
        return Extraction(
            warnings=(
                f"{path}: skipped, the PDF has no text layer (a scanned paper?); "
                "run OCR on it (e.g. `ocrmypdf IN.pdf OUT.pdf`) and index the result",
            )
        )
    layer, starts = render({"title": title}, paras)
    pages = tuple(starts[i] if i < len(starts) else len(layer) for i in first)  # an empty page: where the next starts
    warnings = tuple(
        f"{path}: page {n} has no text layer (a scanned page?) and is left out; run OCR on the PDF to index it"
        for n in empty
    )
    return Extraction((Extracted(layer, pages=pages),), warnings)


# --- Word -------------------------------------------------------------------------------------


def read_docx(path: Path, data: bytes) -> Extraction:
    """A Word file's paragraphs in order (core properties: title, author, date)."""
    import io
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        return Extraction(
            warnings=(
                f"{path}: skipped, it is not a Word .docx file ({type(exc).__name__}); "
                "open it in Word or LibreOffice and save it as .docx (an old .doc must be converted)",
            )
        )
    props = document.core_properties
    paras = [p for p in (_one_line(x.text) for x in document.paragraphs) if p]
    if not paras:
        return Extraction(warnings=(f"{path}: skipped, the Word file has no text; add the article's text to it",))
    created = props.created.date().isoformat() if props.created else None
    layer, _ = render({"title": props.title, "date": created, "author": props.author}, paras)
    return Extraction((Extracted(layer),))


# --- exports: JSON, JSONL, CSV ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fields:
    """Which field of a record plays each role: the usual names, with the user's first."""

    names: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(FIELDS))

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, str]) -> Fields:
        """`{"body": "story_text"}` looks for `story_text` first. Raises ValueError for an unknown role."""
        names = dict(FIELDS)
        for role, name in overrides.items():
            if role not in names:
                raise ValueError(f"--field {role}={name}: {role!r} is not a field role; use one of {', '.join(FIELDS)}")
            names[role] = (name, *names[role])
        return cls(names)

    def find(self, record: Mapping[str, Any], role: str) -> Any:
        """The record's value for a role (field names matched case-insensitively); None if absent."""
        lower = {str(k).lower(): v for k, v in record.items()}
        for name in self.names[role]:
            value = lower.get(name.lower())
            if value not in (None, ""):
                return value
        return None


def _records(path: Path, text: str) -> Iterator[tuple[str, object] | str]:
    """(default id, record) of an export, or a warning string for a line that is not a record."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        for n, line in enumerate(text.split("\n"), 1):
            if line.strip():
                try:
                    yield str(n), json.loads(line)
                except ValueError as exc:
                    yield f"{path}: line {n} is not JSON ({exc}); fix or remove that line (the other lines are indexed)"
    elif suffix == ".csv":
        import csv
        import io

        csv.field_size_limit(max(len(text), 131072))
        for n, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), 1):
            yield str(n), row
    else:
        data = json.loads(text)
        if isinstance(data, dict):  # {"articles": [...]} or one article
            lists = [v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
            data = lists[0] if len(lists) == 1 else [data]
        for n, item in enumerate(data if isinstance(data, list) else [data], 1):
            yield str(n), item


def read_records(path: Path, text: str, fields: Fields) -> Extraction:
    """An export's records, one article each, named by their id (else line, row or position)."""
    try:
        found = list(_records(path, text))
    except ValueError as exc:
        return Extraction(
            warnings=(f"{path}: skipped, it is not valid JSON ({exc}); fix it, or export one article a line as .jsonl",)
        )
    if path.suffix.lower() == ".csv" and found:
        first = next((r for r in found if not isinstance(r, str)), None)
        if first is not None and isinstance(first[1], Mapping) and not _has_body(first[1], fields):
            columns = ", ".join(map(str, first[1].keys()))
            looked = ", ".join(fields.names["body"])
            return Extraction(
                warnings=(
                    f"{path}: skipped, no text column (looked for {looked}; it has {columns}); "
                    "name the column, or pass `--field body=COLUMN`",
                )
            )
    out: list[Extracted] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for item in found:
        if isinstance(item, str):
            warnings.append(item)
            continue
        got = _record(path, item[0], item[1], fields, seen)
        if isinstance(got, str):
            warnings.append(got)
        else:
            seen.add(str(got.record))
            out.append(got)
    return Extraction(tuple(out), tuple(warnings))


def _has_body(record: Mapping[str, Any], fields: Fields) -> bool:
    lower = {str(k).lower() for k in record}
    return any(n.lower() in lower for n in fields.names["body"])


def _record(path: Path, default_id: str, record: object, fields: Fields, seen: set[str]) -> Extracted | str:
    """One record's text layer, or a warning."""
    where = f"{path}: record {default_id}"
    if not isinstance(record, Mapping):
        return f"{where} is not an object with fields; export one article per record"
    rid = _one_line(fields.find(record, "id") or default_id)
    if rid in seen:
        return f"{path}: record id {rid!r} occurs twice; the second is left out: give each record its own id"
    body = fields.find(record, "body")
    if not isinstance(body, str) or not body.strip():
        return (
            f"{path}: record {rid} has no text (looked for {', '.join(fields.names['body'])}); "
            "add it, or name the field with `--field body=NAME`"
        )
    meta = {
        "title": fields.find(record, "title"),
        "date": iso_date(fields.find(record, "date") or ""),
        "url": fields.find(record, "url"),
        "author": fields.find(record, "author"),
    }
    layer, _ = render(meta, _paragraphs(body))
    return Extracted(layer, record=rid)


def extract(path: Path, data: bytes, fields: Fields) -> Extraction:
    """Read a non-plain article file (`SUFFIXES` less `PLAIN`) from its bytes."""
    suffix = path.suffix.lower()
    if suffix in PAGES:
        return read_html(path, data)
    if suffix == ".pdf":
        return read_pdf(path, data)
    if suffix == ".docx":
        return read_docx(path, data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Extraction(
            warnings=(f"{path}: skipped, an export must be UTF-8 text; convert it (e.g. `iconv -t utf-8`)",)
        )
    return read_records(path, text.replace("\r\n", "\n") if suffix != ".csv" else text, fields)
