"""How many chunks of an index a query with their own stored vector does not find, before and
after `ChromaStore.rebuild_vectors`, on a copy of the index (the original is not touched).

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/vector-reach.py /tmp/bbcwork/index > docs/vector-reach-2026-12-01.json

The fault (chromadb issue #7758, open for 1.5.9): after many deletions and in-place updates some
live records drop out of Chroma's HNSW graph; `get` still returns them, `query` never does.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(index: Path) -> None:
    import chromadb

    from rag.index.store import ChromaStore

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "chroma"
        shutil.copytree(index / "chroma", copy)
        store = ChromaStore(copy, create=False)
        t = time.perf_counter()
        checked, lost = store.unreachable(limit=10**9)
        check_s = time.perf_counter() - t
        sampled, lost_in_sample = store.unreachable()
        t = time.perf_counter()
        store.rebuild_vectors()
        rebuild_s = time.perf_counter() - t
        after_checked, after = store.unreachable(limit=10**9)
        again = ChromaStore(copy, create=False).unreachable(limit=10**9)[1]
    out = {
        "index": str(index),
        "chromadb": chromadb.__version__,
        "chunks": checked,
        "unreachable_before": len(lost),
        "unreachable_examples": lost[:10],
        "check_all_s": round(check_s, 2),
        "sample_checked_by_rag_index": sampled,
        "unreachable_in_sample": len(lost_in_sample),
        "rebuild_s": round(rebuild_s, 2),
        "chunks_after": after_checked,
        "unreachable_after_rebuild": len(after),
        "unreachable_after_reopening": len(again),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
