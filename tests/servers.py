"""Real servers for tests, on 127.0.0.1 with free ports, bounded waits, stopped by the test."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from rag.model.processes import chroma_server, free_port, wait_until_up

__all__ = ["chat_server", "chroma_server", "free_port", "wait_until_up"]


@contextlib.contextmanager
def chat_server(
    tmp: Path, *extra: str, files: dict[str, bytes] | None = None, timeout: float = 240
) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """The chat (tests/ui_server.py) over a copy of seeds/ (plus `files`, by name) on a free port;
    yields (URL, process, project root)."""
    import shutil

    here = Path(__file__).resolve().parent
    root = tmp / "project"
    shutil.copytree(here.parent / "seeds", root / "corpus")
    for name, data in (files or {}).items():
        (root / "corpus" / name).write_bytes(data)
    port = free_port()
    log = tmp / "chat.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(here / "ui_server.py"), str(root), str(port), *extra],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=here.parent,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url, proc, timeout=timeout, log=log)
        yield url, proc, root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
