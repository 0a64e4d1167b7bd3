"""Articles added from the chat: the file checked (suffix, size, text, UTF-8) and copied into the
corpus folder under a safe name, never overwriting a file nor writing outside the folder.
"""

from __future__ import annotations

import re
from pathlib import Path

from rag.core.errors import UploadError
from rag.reading.formats import PLAIN
from rag.reading.ingest import looks_binary

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """A file name with no directory part and only safe characters; raises UploadError."""
    base = Path(name.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    if suffix not in PLAIN:  # the chat adds text articles; other formats are indexed with `rag index`
        shown = "".join(ch if ch.isprintable() else "?" for ch in base)
        raise UploadError(f"{shown}: only .txt and .md articles can be added; save the article as .txt or .md.")
    stem = _SAFE_NAME.sub("_", stem).strip("._") or "article"
    return f"{stem[:100]}{suffix}"


def save_upload(src: Path, corpus: Path, *, max_bytes: int, name: str | None = None) -> Path:
    """Validate an uploaded file and copy it into the corpus folder without overwriting anything.

    `name` is the name the browser sent (default: the file's own); only a safe form of its last
    part is used.
    """
    name = safe_filename(src.name if name is None else name)
    data = src.read_bytes()
    if len(data) > max_bytes:
        raise UploadError(f"{name}: {len(data)} bytes is over the {max_bytes}-byte limit.")
    if not data.strip():
        raise UploadError(f"{name}: the file is empty.")
    if looks_binary(data):
        raise UploadError(f"{name}: this looks like a binary file, not a text article.")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UploadError(
            f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 first."
        ) from None
    corpus.mkdir(parents=True, exist_ok=True)
    root = corpus.resolve()
    target = (root / name).resolve()
    stem, suffix = target.stem, target.suffix
    n = 1
    while target.exists():
        if target.read_bytes() == data:
            return target  # the same article again
        target = root / f"{stem}-{n}{suffix}"
        n += 1
    if target.parent != root:  # belt and braces: never write outside the corpus folder
        raise UploadError(f"{name}: refused, it would be written outside the corpus folder.")
    tmp = target.with_name(f".{target.name}.part")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target


def sha256_of(path: Path) -> str:
    """The file's SHA-256 in hex ('' when it cannot be read)."""
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def record_upload(log: Path, *, who: str, sent: str, outcome: str, saved: str | None, sha256: str) -> dict[str, str]:
    """Append one upload to the log (JSON lines): when (UTC, ISO 8601), who, the name sent, the name
    saved (None when refused), the content's SHA-256 and what happened. Returns the entry."""
    import json
    from datetime import datetime, timezone

    entry = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "who": who,
        "sent": sent,
        "saved": saved or "",
        "sha256": sha256,
        "outcome": outcome,
    }
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry


def recent_uploads(log: Path, n: int = 20) -> list[dict[str, str]]:
    """The last `n` entries of the upload log, newest first; a damaged line is skipped."""
    import json

    if not log.exists():
        return []
    out = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines()[-n:]:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            out.append({k: str(v) for k, v in entry.items()})
    return out[::-1]
