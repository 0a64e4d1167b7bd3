"""Local servers started by this project's own tools (the scale benchmark, the tests): 127.0.0.1
only, free ports, bounded waits, stopped by whoever started them."""

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
    """`chroma run` (the CLI that ships with chromadb) over the data at `path` on a free port; yields its URL."""
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
