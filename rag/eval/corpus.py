"""An eval over a corpus of one's own (`rag eval --corpus DIR --cases FILE`): the corpus is copied
into a work folder of its own and indexed there, so the original is never written to and the
project's index is never touched.

Sources are then named `<folder name>/<path in it>` (e.g. `bbc-news/business/x.txt`), as the
case file's gold passages name them. The copy keeps file times, so a second run indexes nothing.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from rag.core.errors import EmptyCorpusError
from rag.core.settings import Settings


def work_folder(corpus: Path, settings: Settings) -> Path:
    """The work folder of a corpus: in the model cache, named by the folder and its absolute path."""
    digest = hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:10]
    return settings.model_cache_dir / "eval" / f"{corpus.resolve().name}-{digest}"


def corpus_settings(corpus: Path, settings: Settings, *, work: Path | None = None) -> Settings:
    """Settings that index a copy of `corpus` in its work folder (created or brought up to date).

    Raises:
        EmptyCorpusError: `corpus` is not a folder, with the fix.
    """
    if not corpus.is_dir():
        raise EmptyCorpusError(f"--corpus {corpus}: not a folder; give the folder of the articles the cases ask about.")
    work = work or work_folder(corpus, settings)
    copy = work / corpus.resolve().name
    shutil.copytree(corpus, copy, dirs_exist_ok=True, copy_function=_copy_if_changed)
    return settings.model_copy(update={"root": work, "corpus_dir": copy, "index_dir": work / "index"})


def _copy_if_changed(src: str, dst: str) -> str:
    """Copy with times kept, skipping a file already copied (same size and time)."""
    s, d = Path(src).stat(), Path(dst)
    if d.exists() and (d.stat().st_size, d.stat().st_mtime_ns) == (s.st_size, s.st_mtime_ns):
        return dst
    return str(shutil.copy2(src, dst))
