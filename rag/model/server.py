"""The model in a process of its own, started and watched by the chat (`RAG_LLM_SERVE=1`).

A crash in native code, or a kill, then ends the model's process and not the chat's: the
question being answered gets an error that says so, and the next question starts the model
again. The server is llama-cpp-python's OpenAI-compatible one, run as `python -m
rag.model.server`, which loads the model with llama.cpp's weight repacking decided as for a
model in process (`rag.model.generation.model_defaults`), listens on 127.0.0.1 only, and lets a
request finish when another arrives (llama-cpp-python's own default, `interrupt_requests`,
ends the running answer early instead).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.core.errors import ModelError
from rag.core.settings import ExtraBuffers
from rag.model.generation import Messages
from rag.model.openai_llm import OpenAIGenerator
from rag.model.processes import free_port

log = logging.getLogger(__name__)


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, end this process when the chat's process ends."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class ModelServer:
    """One supervised model server: started on first use, started again after it died."""

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int,
        n_threads: int,
        seed: int,
        extra_buffers: ExtraBuffers,
        log_dir: Path,
        flash_attn: bool = False,
        grammar_first_choice: bool = True,
        start_timeout_s: float = 300.0,
    ) -> None:
        self.model_path = model_path
        self.args = [
            f"--n_ctx={n_ctx}",
            f"--n_threads={n_threads}",
            f"--seed={seed}",
            f"--extra-buffers={extra_buffers}",
            *(["--flash-attn"] if flash_attn else []),
            *([] if grammar_first_choice else ["--grammar-whole-vocabulary"]),
        ]
        self.log_path = log_dir / f"model-server-{model_path.stem}.log"
        self.start_timeout_s = start_timeout_s
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def exit_code(self, wait: float = 0.0) -> int | None:
        """The exit status if the server has stopped (waiting up to `wait` seconds for it), else None."""
        if self._proc is None:
            return None
        try:
            return self._proc.wait(timeout=wait) if wait else self._proc.poll()
        except subprocess.TimeoutExpired:
            return None

    def ensure(self) -> str:
        """Start the server if it is not running (the first time, or after it died); returns its URL."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                return self.url
            if self._proc is not None:
                log.warning("the model server exited with %s: starting it again", self._proc.returncode)
            self._start()
            return self.url

    def _start(self) -> None:
        self.port = free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "rag.model.server",
            f"--model={self.model_path}",
            f"--port={self.port}",
            *self.args,
        ]
        with open(self.log_path, "ab") as out:
            self._proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent
            )
        self.starts += 1
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise ModelError(
                    f"The model server exited with {self._proc.returncode} while starting; see {self.log_path}. "
                    "Run `rag doctor` to check the model and the native library."
                )
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.url}/models", timeout=2) as r:
                if r.status == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise ModelError(
            f"The model server did not answer within {self.start_timeout_s:.0f} s; see {self.log_path}. "
            "A slow disk or a large model needs more time: unset RAG_LLM_SERVE to load it in process."
        )

    def stop(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


class SupervisedGenerator(OpenAIGenerator):
    """The OpenAI-compatible generator and judge, on a `ModelServer` it starts again when needed."""

    def __init__(self, server: ModelServer, *, seed: int) -> None:
        super().__init__("http://127.0.0.1:0/v1", model="local", seed=seed)
        self.server = server
        self.name = f"{server.model_path.name} (own process)"

    def _died(self, exc: ModelError) -> ModelError:
        # A killed server's connection can drop a moment before the process is reaped.
        code = self.server.exit_code(wait=3.0)
        if code is None:
            return exc
        return ModelError(
            f"The model process stopped (exit status {code}) during this question; it starts again with the "
            f"next question, so ask again. Its log: {self.server.log_path}."
        )

    def load(self) -> None:
        self.url = self.server.ensure()

    def stream(self, messages: Messages, *, schema: dict[str, Any], max_tokens: int) -> Iterator[str]:
        self.url = self.server.ensure()
        try:
            yield from super().stream(messages, schema=schema, max_tokens=max_tokens)
        except ModelError as exc:
            raise self._died(exc) from exc

    def _yes(self, messages: Messages) -> float:
        """The judge's yes/no questions (`entailment`, `answers`), asked of the supervised process."""
        self.url = self.server.ensure()
        try:
            return super()._yes(messages)
        except ModelError as exc:
            raise self._died(exc) from exc


def main(argv: list[str] | None = None) -> None:
    """`python -m rag.model.server --model FILE --port N ...`: serve one GGUF model on 127.0.0.1."""
    parser = argparse.ArgumentParser(prog="python -m rag.model.server")
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--n_ctx", type=int, default=4096)
    parser.add_argument("--n_threads", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--extra-buffers", default="auto", choices=["auto", "on", "off"])
    parser.add_argument("--flash-attn", action="store_true")
    parser.add_argument("--grammar-whole-vocabulary", action="store_true", help="llama-cpp-python's own sampler")
    args = parser.parse_args(argv)

    import os

    import llama_cpp
    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    from rag.model.generation import greedy_grammar_llama, model_defaults, project_llama

    # Every model this process loads gets the portable defaults (no AMX repacking where it crashes),
    # neutralised messages and the kept system prompt (`project_llama`) and, unless told otherwise,
    # the grammar tested on the first choice first (the server's loader calls `llama_cpp.Llama`).
    llama_cpp.llama_cpp.llama_model_default_params = model_defaults(args.extra_buffers)
    base = llama_cpp.Llama if args.grammar_whole_vocabulary else greedy_grammar_llama(llama_cpp.Llama)
    llama_cpp.Llama = project_llama(base)  # type: ignore[misc]
    app = create_app(
        server_settings=ServerSettings(host="127.0.0.1", port=args.port, interrupt_requests=False),
        model_settings=[
            ModelSettings(
                model=args.model,
                model_alias="local",
                n_ctx=args.n_ctx,
                n_threads=args.n_threads or os.cpu_count() or 2,
                n_threads_batch=args.n_threads or os.cpu_count() or 2,
                seed=args.seed,
                flash_attn=args.flash_attn,
                verbose=False,
            )
        ],
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
