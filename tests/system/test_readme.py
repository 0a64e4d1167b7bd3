"""Every command and code example of the README runs (issue 29), against a temporary project with
the fake embedder and the scripted generator (`tests/readme_run.py`), so a README example cannot
fail again.

Fenced blocks are read in order. A block may be marked by an HTML comment on the line before its
fence: `<!-- readme-test: skip REASON -->` (not run; the skips are listed as skipped tests with
their reason, and must stay few), `<!-- readme-test: output ... -->` (printed output, not a
command), `<!-- readme-test: shape ... -->` (the JSON contract: each key of `Answer.to_dict()`
must be named in it). Everything else runs: `bash` blocks line by line (a `\\` joins lines) in
the temporary project, where `.venv/bin/rag`, `rag` and `python` are this checkout with the fakes,
`~` is a temporary home holding `my-articles/` (a copy of `seeds/`), and README ports (8000, 7860)
are free ports on 127.0.0.1 (`0.0.0.0` becomes 127.0.0.1: tests never listen elsewhere). A
`rag serve`/`rag chat` line starts a server that must print `ready on` within a bounded wait and
stays up for the blocks after it (a new server on the same port replaces it). `python` blocks run
in a fresh process each. Every command must exit 0.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from servers import free_port

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MARK = re.compile(r"<!--\s*readme-test:\s*(skip|output|shape)\s*(.*?)\s*-->")
SERVER = re.compile(r"\brag (serve|chat)\b")
MAX_SKIPPED = 6


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    mark: str  # "", "skip", "output" or "shape"
    why: str


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a Markdown text, dedented, with the mark of the line before each."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = re.match(r"^(\s*)```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        indent, lang, start = len(m.group(1)), m.group(2), i
        body = []
        i += 1
        while not lines[i].strip().startswith("```"):
            body.append(lines[i][indent:])
            i += 1
        before = lines[start - 1] if start else ""
        mark = MARK.search(before)
        out.append(
            Block(start + 1, lang, "\n".join(body) + "\n", mark.group(1) if mark else "", mark.group(2) if mark else "")
        )
        i += 1
    return out


def commands(script: str) -> list[str]:
    """A bash block's commands: lines joined at a trailing backslash, blank lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", script)
    return [ln for ln in joined.splitlines() if ln.strip() and not ln.strip().startswith("#")]


ALL = blocks(README.read_text(encoding="utf-8"))


@pytest.mark.parametrize("block", [b for b in ALL if b.mark == "skip"], ids=lambda b: f"line{b.line}")
def test_readme_blocks_not_run_say_why(block: Block) -> None:
    assert block.why, f"README line {block.line}: a skipped block must say why"
    pytest.skip(f"README block at line {block.line} not run: {block.why}")


def test_few_readme_blocks_are_skipped() -> None:
    skipped = [b for b in ALL if b.mark == "skip"]
    assert len(skipped) <= MAX_SKIPPED, [f"line {b.line}: {b.why}" for b in skipped]
    assert len([b for b in ALL if not b.mark]) >= 8, "the quick start's blocks are run"


def test_the_citation_contract_names_every_key_of_the_answer() -> None:
    from rag.core.types import Answer

    (shape,) = [b for b in ALL if b.mark == "shape"]
    keys = Answer("q", "t", (), True).to_dict().keys()
    assert [k for k in keys if f'"{k}"' not in shape.text] == []


class Project:
    """The temporary project the README's commands run in, and the servers they started."""

    def __init__(self, tmp: Path) -> None:
        self.dir, self.home, self.bin = tmp / "project", tmp / "home", tmp / "bin"
        for d in (self.dir / ".venv" / "bin", self.home, self.bin):
            d.mkdir(parents=True)
        shutil.copytree(ROOT / "seeds", self.dir / "seeds")
        shutil.copytree(ROOT / "seeds", self.home / "my-articles")
        run = ROOT / "tests" / "readme_run.py"
        for folder in (self.bin, self.dir / ".venv" / "bin"):
            _script(folder / "rag", f'exec "{sys.executable}" "{run}" cli "$@"\n')
            _script(folder / "python", f'exec "{sys.executable}" "$@"\n')
        self.ports = {"8000": str(free_port()), "7860": str(free_port())}
        self.servers: dict[str, tuple[subprocess.Popen, Path]] = {}
        self.started = 0
        self.env = {
            **os.environ,
            "HOME": str(self.home),
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": str(ROOT),
            "RAG_ROOT": str(self.dir),
            "RAG_SUPPORT_LOW": "0.3",  # the fake embedder's similarity scale (tests/conftest.py)
            "RAG_SUPPORT_HIGH": "0.6",
            "RAG_ANSWER_STYLE": "written",  # the scripted replies write their statements
            "DESK_KEY": "desk-key-0123456789abcdef",
            "APP_KEY": "app-key-0123456789abcdef",
        }

    def local(self, text: str) -> str:
        """README ports as this run's free ports, any address as loopback."""
        for readme, real in self.ports.items():
            text = re.sub(rf"\b{readme}\b", real, text)
        return text.replace("0.0.0.0", "127.0.0.1")

    def run(self, command: str) -> str:
        command = self.local(command)
        if SERVER.search(command):
            return self.start(command)
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.dir,
            env=self.env,
            input="a long enough password\n",
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{command}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, command: str) -> str:
        port = next(
            (p for p in self.ports.values() if p in command), self.ports["8000" if "serve" in command else "7860"]
        )
        if "--port" not in command:  # the README's default port, made this run's
            command = f"{command.split('#')[0].rstrip()} --port {port}"
        self.stop(port)
        self.started += 1
        log = self.dir / f"server-{self.started}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                ["bash", "-c", command],
                cwd=self.dir,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: bash and the server are stopped together
            )
        self.servers[port] = (proc, log)
        deadline = time.monotonic() + 180
        while "ready on" not in log.read_text(errors="replace"):
            assert proc.poll() is None, f"{command} exited {proc.returncode}:\n{log.read_text(errors='replace')}"
            assert time.monotonic() < deadline, f"{command} printed no 'ready on' in 180 s:\n{log.read_text()}"
            time.sleep(0.2)
        return log.read_text(errors="replace")

    def stop(self, port: str) -> None:
        if port in self.servers:
            proc, _ = self.servers.pop(port)
            os.killpg(proc.pid, signal.SIGTERM)  # the group this test started for the server, by its id
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)

    def python(self, code: str, n: int) -> str:
        path = self.dir / f"block{n}.py"
        path.write_text(self.local(code), encoding="utf-8")
        return self.run(f"python {ROOT / 'tests' / 'readme_run.py'} python {path}")


def _script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(0o755)


def test_every_readme_command_and_example_runs(tmp_path: Path, robustness) -> None:
    project = Project(tmp_path)
    ran: list[str] = []
    try:
        for n, block in enumerate(ALL):
            if block.mark:
                continue
            assert block.lang in ("bash", "python"), f"README line {block.line}: run a {block.lang!r} block, or mark it"
            if block.lang == "python":
                out = project.python(block.text, n)
                ran.append(f"python block at line {block.line}")
            else:
                for command in commands(block.text):
                    out = project.run(command)
                    ran.append(command.split("#")[0].strip())
            if "Who is the president of MSF?" in block.text and "print(" in block.text:  # a cited answer came back
                assert "[1]" in out and "Liu" in out, out
        serve_logs = [log.read_text() for proc, log in project.servers.values()]
    finally:
        for port in list(project.servers):
            project.stop(port)
    assert any("rag chat ready on http://127.0.0.1:" in log for log in serve_logs)
    logs = "\n".join(p.read_text() for p in project.dir.glob("server-*.log"))
    assert re.search(r"\dZ POST /v1/chat/completions 200 \d+\.\d\d s$", logs, re.M), logs
    assert "Who is the president" not in logs, "no question text without --log-questions"
    robustness.add("README", f"{len(ran)} commands and examples run", "; ".join(ran)[:300], True)
