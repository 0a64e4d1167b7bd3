"""The text layer: the extracted text of every indexed article that is not a plain text file.

Offsets of an HTML page's, a PDF's, a Word file's or an export record's chunks and citations index
the text read from it (`rag.reading.formats`), not the file's bytes, so the index keeps that text,
keyed by its content hash (the manifest's `content_hash`): JSON files in `texts/` beside the
manifest, or a collection of the Chroma server (`RAG_CHROMA_URL`) beside the manifest's, so every
reader of the index sees the same text. A text is written before the batch that cites it is
committed and deleted after the last document that has it leaves the index (`rag.index.indexer`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from rag.index.store import ChromaStore


@dataclass(frozen=True, slots=True)
class Layer:
    """An article's extracted text and, for a PDF, where each page starts in it."""

    text: str
    pages: tuple[int, ...] = ()


class TextLayer(Protocol):
    """Where extracted texts are kept, by content hash."""

    def put(self, layers: Mapping[str, Layer]) -> None: ...
    def get(self, digest: str) -> Layer | None: ...
    def delete(self, digests: Iterable[str]) -> None: ...
    def digests(self) -> set[str]: ...
    def reset(self) -> None: ...


class FileTexts:
    """`texts/<sha256>.json` in the index folder, each written atomically."""

    def __init__(self, index_dir: Path) -> None:
        self.folder = index_dir / "texts"

    def put(self, layers: Mapping[str, Layer]) -> None:
        if not layers:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for digest, layer in layers.items():
            path = self.folder / f"{digest}.json"
            if path.exists():
                continue  # the same text is the same file
            tmp = self.folder / f".{digest}.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(json.dumps({"text": layer.text, "pages": list(layer.pages)}, ensure_ascii=False))
                f.flush()
                os.fsync(f.fileno())  # on disk before the manifest that cites it
            os.replace(tmp, path)

    def get(self, digest: str) -> Layer | None:
        try:
            raw = json.loads((self.folder / f"{digest}.json").read_text(encoding="utf-8"))
            return Layer(str(raw["text"]), tuple(int(p) for p in raw.get("pages", ())))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def delete(self, digests: Iterable[str]) -> None:
        for d in digests:
            (self.folder / f"{d}.json").unlink(missing_ok=True)

    def digests(self) -> set[str]:
        if not self.folder.is_dir():
            return set()
        return {p.stem for p in self.folder.glob("*.json")}

    def reset(self) -> None:
        self.delete(self.digests())


class ChromaTexts:
    """A collection `<collection>__texts` of the Chroma server: id = content hash, document = text."""

    def __init__(self, store: ChromaStore) -> None:
        self.name = f"{store.collection}__texts"
        self._client = store.client
        self.max_batch = store.max_batch
        self._col = self._client.get_or_create_collection(self.name, embedding_function=None)

    def put(self, layers: Mapping[str, Layer]) -> None:
        items = sorted(layers.items())
        for i in range(0, len(items), self.max_batch):
            batch = items[i : i + self.max_batch]
            self._col.upsert(
                ids=[d for d, _ in batch],
                embeddings=[[1.0]] * len(batch),  # Chroma stores a vector with every record
                documents=[x.text for _, x in batch],
                metadatas=[{"pages": json.dumps(list(x.pages))} for _, x in batch],
            )

    def get(self, digest: str) -> Layer | None:
        got: Any = self._col.get(ids=[digest], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        pages = json.loads(str((got["metadatas"][0] or {}).get("pages") or "[]"))
        return Layer(str(got["documents"][0]), tuple(int(p) for p in pages))

    def delete(self, digests: Iterable[str]) -> None:
        ids = list(digests)
        for i in range(0, len(ids), self.max_batch):
            self._col.delete(ids=ids[i : i + self.max_batch])

    def digests(self) -> set[str]:
        out: set[str] = set()
        n = int(self._col.count())
        for offset in range(0, n, self.max_batch):
            out |= set(self._col.get(include=[], limit=self.max_batch, offset=offset)["ids"])
        return out

    def reset(self) -> None:
        self._client.delete_collection(self.name)
        self._col = self._client.get_or_create_collection(self.name, embedding_function=None)


def open_texts(index_dir: Path, store: ChromaStore | None) -> TextLayer:
    """The text layer beside the index's manifest: in the Chroma server when the store is on one."""
    if store is not None and store.url:
        return ChromaTexts(store)
    return FileTexts(index_dir)
