"""Text generation: the `Generator` protocol and the llama.cpp implementation.

`LlamaCppGenerator` wraps `llama_cpp.Llama` behind two methods, `generate` and `stream`; no
llama-cpp type leaves this module. Output is constrained by a JSON schema (llama.cpp grammar),
with temperature 0 and a fixed seed, so it always parses. The model is shared: a lock queues
requests instead of interleaving them. llama-cpp-python keeps the previous prompt's tokens in
its KV cache and reuses the longest common prefix, so the fixed system prompt is read once.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rag.errors import ModelError

Messages = list[dict[str, str]]


@dataclass
class Usage:
    """Figures of the last call."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_s: float = 0.0
    total_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class Generator(Protocol):
    """A chat model that writes JSON matching a schema."""

    name: str
    last_usage: Usage

    def generate(self, messages: Messages, *, schema: dict[str, Any], max_tokens: int) -> str: ...

    def stream(self, messages: Messages, *, schema: dict[str, Any], max_tokens: int) -> Iterator[str]: ...


class LlamaCppGenerator:
    """A GGUF model run by llama-cpp-python; loaded on first use."""

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = 4096,
        n_threads: int = 0,
        n_gpu_layers: int = 0,
        seed: int = 1234,
    ) -> None:
        self.model_path = model_path
        self.name = model_path.name
        self._kw: dict[str, Any] = {
            "n_ctx": n_ctx,
            "n_threads": n_threads or os.cpu_count() or 2,
            "n_gpu_layers": n_gpu_layers,
            "seed": seed,
        }
        self._seed = seed
        self._llm: Any = None
        self._yes_no: tuple[int, int] | None = None
        self._lock = threading.Lock()  # one request at a time: requests queue here
        # The judge runs while an answer is still streaming (each statement is checked as soon
        # as it is complete), so it has a context of its own: sharing one would clobber the
        # answer's KV cache mid-generation. Weights are mmapped, so the second context costs
        # only its KV cache.
        self._judge_llm: Any = None
        self._judge_lock = threading.Lock()
        self.last_usage = Usage()

    def _load(self) -> Any:
        if self._llm is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise ModelError("llama-cpp-python is not installed: run `scripts/setup.sh`.") from exc
            try:
                self._llm = Llama(model_path=str(self.model_path), verbose=False, **self._kw)
            except Exception as exc:  # noqa: BLE001 - llama.cpp raises ValueError/RuntimeError
                raise ModelError(f"Cannot load the model {self.model_path}: {exc}") from exc
        return self._llm

    def _load_judge(self) -> Any:
        if self._judge_llm is None:
            from llama_cpp import Llama

            kw = {**self._kw, "n_ctx": min(2048, self._kw["n_ctx"])}
            try:
                self._judge_llm = Llama(model_path=str(self.model_path), verbose=False, **kw)
            except Exception as exc:  # noqa: BLE001
                raise ModelError(f"Cannot load the model {self.model_path}: {exc}") from exc
        return self._judge_llm

    def load(self) -> None:
        """Load the weights now (the chat does this at start-up)."""
        with self._lock:
            self._load()

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return len(self._load().tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def generate(self, messages: Messages, *, schema: dict[str, Any], max_tokens: int) -> str:
        return "".join(self.stream(messages, schema=schema, max_tokens=max_tokens))

    def entailment(self, passage: str, statement: str) -> float:
        """P(yes) that `passage` states `statement`: one grammar-constrained token, read from logits."""
        import numpy as np
        from llama_cpp import LlamaGrammar

        import prompts

        messages = [
            {"role": "system", "content": "You check whether a passage states a claim. Answer yes or no."},
            {"role": "user", "content": prompts.render("judge", passage=passage, claim=statement)},
        ]
        with self._judge_lock:
            llm = self._load_judge()
            if self._yes_no is None:
                self._yes_no = (
                    llm.tokenize(b"yes", add_bos=False, special=False)[0],
                    llm.tokenize(b"no", add_bos=False, special=False)[0],
                )
            grammar = LlamaGrammar.from_string('root ::= "yes" | "no"', verbose=False)
            llm.create_chat_completion(messages=messages, max_tokens=1, temperature=0.0, grammar=grammar)
            # With max_tokens=1 the last decoded batch is the prompt, so the context's logits are
            # the distribution of the first answer token.
            logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),))
            pair = np.array([logits[self._yes_no[0]], logits[self._yes_no[1]]], dtype=np.float64)
            pair = np.exp(pair - pair.max())
            return float(pair[0] / pair.sum())

    def stream(self, messages: Messages, *, schema: dict[str, Any], max_tokens: int) -> Iterator[str]:
        with self._lock:
            llm = self._load()
            t0 = time.perf_counter()
            usage = Usage()
            it = llm.create_chat_completion(
                messages=messages,
                response_format={"type": "json_object", "schema": schema},
                temperature=0.0,
                seed=self._seed,
                max_tokens=max_tokens,
                stream=True,
            )
            n = 0
            for part in it:
                delta = part["choices"][0].get("delta", {}).get("content")
                if not delta:
                    continue
                if n == 0:
                    usage.first_token_s = time.perf_counter() - t0
                n += 1
                yield delta
            usage.completion_tokens = n
            usage.total_s = time.perf_counter() - t0
            # The prompt length as the model tokenised it (chat template included).
            usage.prompt_tokens = max(0, llm.n_tokens - n)
            self.last_usage = usage
