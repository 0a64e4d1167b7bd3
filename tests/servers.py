"""Real servers for tests, on 127.0.0.1 with free ports, bounded waits, stopped by the test."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen, *, timeout: float, log: Path) -> None:
    """Poll `url` until it answers 200; fail with the server's log if it dies or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}: {log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as r:
            if r.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"no answer from {url} in {timeout} s: {log.read_text(errors='replace')[-3000:]}")


@contextlib.contextmanager
def chroma_server(path: Path, *, timeout: float = 60) -> Iterator[str]:
    """`chroma run` (the CLI that ships with chromadb) on a free port; yields its URL."""
    port = free_port()
    log = path.parent / f"chroma-{port}.log"
    exe = Path(sys.executable).with_name("chroma")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(exe), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/api/v2/heartbeat", proc, timeout=timeout, log=log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


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
