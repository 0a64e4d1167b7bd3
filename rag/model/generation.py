"""Text generation: the `Generator` protocol and the llama.cpp implementation.

`LlamaCppGenerator` wraps `llama_cpp.Llama` behind two methods, `generate` and `stream` (and
`entailment`, the verifier's judge); no llama-cpp type leaves this module. Output is constrained by
a JSON schema (llama.cpp grammar), with temperature 0 and a fixed seed, so it always parses. The
model is shared: a lock queues requests instead of interleaving them. The fixed system prompt is
read once and kept, and every prompt is read on from it in the same batches, so the same prompt
gets the same answer whatever was asked before (`project_llama`); no text in a message can become
a special token (`rag.model.specials`).

Every model is opened by `load_llama`, the one place that decides the load parameters, including
whether llama.cpp may move weights into its "extra" buffer types (see `use_extra_buffers`), and
how the grammar constrains greedy decoding (`GreedyGrammarSampler`: the grammar is tested on the
model's first choice before the whole vocabulary; the same tokens, a third less time a token).
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import threading
import time
import weakref
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from rag.core.errors import ModelError
from rag.core.settings import ExtraBuffers

Messages = list[dict[str, str]]


@dataclass
class Usage:
    """Figures of the last call."""

    prompt_tokens: int = 0
    cached_tokens: int = 0  # of prompt_tokens, those read from the kept system prompt (see project_llama)
    completion_tokens: int = 0
    first_token_s: float = 0.0
    total_s: float = 0.0


def judge_messages(passage: str, statement: str) -> Messages:
    """The judge's question, "does the passage state the claim?", for any model (local or served)."""
    import prompts

    return [
        {"role": "system", "content": prompts.render("judge_system")},
        {"role": "user", "content": prompts.render("judge", passage=passage, claim=statement)},
    ]


def answers_messages(question: str, sentence: str) -> Messages:
    """The narrow question "does this sentence give what the question asks for?", for any model."""
    import prompts

    return [
        {"role": "system", "content": prompts.render("answers_system")},
        {"role": "user", "content": prompts.render("answers", question=question, sentence=sentence)},
    ]


class Generator(Protocol):
    """A chat model that writes JSON matching a schema."""

    name: str
    last_usage: Usage

    def load(self) -> None: ...

    def generate(self, messages: Messages, *, schema: dict[str, Any], max_tokens: int) -> str: ...

    def stream(self, messages: Messages, *, schema: dict[str, Any], max_tokens: int) -> Iterator[str]: ...


_FEATURE = re.compile(r"([A-Z][A-Z0-9_]*) = (\d+)")


def build_features(system_info: str) -> dict[str, bool]:
    """llama.cpp's `llama_print_system_info()` line as {feature: compiled in}.

    The CPU backend reports what it was compiled with ("AVX2 = 1 | AMX_INT8 = 1 | REPACK = 1"),
    not what the CPU has: a feature compiled in is used wherever the CPU runs it.
    """
    return {name: value != "0" for name, value in _FEATURE.findall(system_info)}


def use_extra_buffers(setting: ExtraBuffers, features: Mapping[str, bool]) -> bool:
    """Whether llama.cpp may repack weights into its extra buffer types when loading a model.

    The extra buffer types are CPU_REPACK (Q4_0/Q4_K re-laid out for the AVX2 kernels, a large
    share of CPU speed) and, only in builds compiled with AMX, the AMX buffer, whose Q4_K matmul
    segfaults on AMX CPUs (llama.cpp issue #20824, closed without a fix). `auto` therefore turns
    them off exactly where the library carries AMX code, and keeps the repacking everywhere else.
    The portable build of `scripts/build-llama.sh` has no AMX code, so `auto` means on there.
    """
    if setting != "auto":
        return setting == "on"
    return not features.get("AMX_INT8", False)


def system_info() -> str:
    """The installed llama.cpp's feature line; raises ModelError if llama-cpp-python is missing."""
    try:
        import llama_cpp
    except ImportError as exc:
        raise ModelError("llama-cpp-python is not installed: run `scripts/setup.sh`.") from exc
    return bytes(llama_cpp.llama_print_system_info()).decode("utf-8", "replace").strip()


_LOAD_LOCK = threading.Lock()


def model_defaults(extra_buffers: ExtraBuffers) -> Any:
    """llama.cpp's `llama_model_default_params`, with weight repacking decided for this build and CPU."""
    info = system_info()
    import llama_cpp

    extra = use_extra_buffers(extra_buffers, build_features(info))
    defaults = llama_cpp.llama_cpp.llama_model_default_params

    def params() -> Any:
        p = defaults()
        p.use_extra_bufts = extra
        return p

    return params


def load_llama(
    model_path: Path,
    *,
    n_ctx: int,
    n_threads: int,
    n_gpu_layers: int,
    seed: int,
    extra_buffers: ExtraBuffers = "auto",
    flash_attn: bool = False,
    grammar_first_choice: bool = True,
    verbose: bool = False,
) -> Any:
    """Open a GGUF model with llama.cpp; every load in the project goes through here.

    Raises:
        ModelError: llama-cpp-python is missing or the file cannot be loaded.
    """
    import llama_cpp
    from llama_cpp import Llama

    lowlevel = llama_cpp.llama_cpp
    # llama-cpp-python 0.3.36 has no argument for `use_extra_bufts`; `Llama.__init__` starts from
    # `llama_model_default_params()`, so that one call is answered with the field set. The lock
    # keeps two loads from swapping the function under each other.
    with _LOAD_LOCK:
        defaults = lowlevel.llama_model_default_params
        lowlevel.llama_model_default_params = model_defaults(extra_buffers)
        try:
            llm = project_llama(greedy_grammar_llama(Llama) if grammar_first_choice else Llama)(
                model_path=str(model_path),
                n_ctx=n_ctx,
                n_threads=n_threads or os.cpu_count() or 2,
                n_gpu_layers=n_gpu_layers,
                seed=seed,
                flash_attn=flash_attn,
                verbose=verbose,
            )
        except Exception as exc:  # noqa: BLE001 - llama.cpp raises ValueError/RuntimeError
            raise ModelError(
                f"Cannot load the model {model_path}: {exc}. Check the file (`rag models --prepare`) "
                "and the native library (`rag doctor`)."
            ) from exc
        finally:
            lowlevel.llama_model_default_params = defaults
    atexit.register(_close_at_exit, weakref.ref(llm))
    return llm


def _close_at_exit(ref: weakref.ref[Any]) -> None:
    """Free a model still loaded when the interpreter exits, while llama_cpp's functions exist.

    Left to `Llama.__del__` at shutdown, the free runs after the module's globals are gone and
    prints "TypeError: 'NoneType' object is not callable" (llama-cpp-python issues 1610, 2002; it
    showed at the end of every real-model test run here), and so does the grammar sampler the
    Llama keeps from its last generation (`GreedyGrammarSampler`), freed first.
    """
    llm = ref()
    if llm is not None:
        sampler = getattr(llm, "_sampler", None)  # the last generation's, kept by the Llama
        if isinstance(sampler, GreedyGrammarSampler):
            sampler.close()
        llm.close()


class GreedyGrammarSampler:
    """Greedy decoding under a grammar that tests the grammar on the model's first choice first.

    llama.cpp's grammar sampler tests every token of the vocabulary (152k for Qwen2.5) at every
    step: 11-14 ms a token on two cores (`scripts/grammar-cost.py`), over half of what the 0.5B model
    takes to compute one. Under
    greedy decoding the token chosen with the grammar is the most likely token the grammar
    allows; when the most likely token of all is allowed, it is that token. So the grammar is
    asked about that one token, and about the whole vocabulary only when it refuses it (the
    order llama.cpp's own `common_sampler` uses). The choice is the same token as with the
    grammar applied first, ties included (both take the first highest logit).

    It stands in for llama-cpp-python's sampler chain (`Llama._init_sampler`), which has the
    one method `sample(ctx, idx)` called on it; see `greedy_grammar_llama`.
    """

    def __init__(self, vocab: Any, grammar: Any, n_vocab: int) -> None:
        import llama_cpp

        self._lib = llama_cpp.llama_cpp
        self._grammar = self._lib.llama_sampler_init_grammar(
            vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not self._grammar:
            raise ModelError("llama.cpp could not compile the answer's grammar; run `rag doctor`.")
        self._n_vocab = n_vocab
        self._one = (self._lib.llama_token_data * 1)()
        self._all: Any = None  # the whole vocabulary, allocated on the first refusal
        self.steps = 0
        self.refused = 0  # steps where the grammar refused the model's first choice

    def sample(self, ctx: Any, idx: int = -1) -> int:
        import numpy as np

        logits = np.ctypeslib.as_array(self._lib.llama_get_logits_ith(ctx.ctx, idx), shape=(self._n_vocab,))
        token = int(np.argmax(logits))
        self.steps += 1
        if not self._allows(token, float(logits[token])):
            self.refused += 1
            token = self._best_allowed(logits)
        self._lib.llama_sampler_accept(self._grammar, token)
        return token

    def _apply(self, data: Any, size: int) -> None:
        import ctypes

        array = self._lib.llama_token_data_array(data=data, size=size, selected=-1, sorted=False)
        self._lib.llama_sampler_apply(self._grammar, ctypes.byref(array))

    def _allows(self, token: int, logit: float) -> bool:
        one: Any = self._one[0]
        one.id, one.logit, one.p = token, logit, 0.0
        self._apply(self._one, 1)
        return bool(one.logit != float("-inf"))

    def _best_allowed(self, logits: Any) -> int:
        import numpy as np

        if self._all is None:
            self._all = (self._lib.llama_token_data * self._n_vocab)()
        view = np.ctypeslib.as_array(self._all)
        view["id"] = np.arange(self._n_vocab, dtype=np.int32)
        view["logit"] = logits
        view["p"] = 0.0
        self._apply(self._all, self._n_vocab)
        return int(view["id"][int(np.argmax(view["logit"]))])

    def close(self) -> None:
        """Free the grammar sampler (once)."""
        if getattr(self, "_grammar", None):
            self._lib.llama_sampler_free(self._grammar)
            self._grammar = None

    def __del__(self) -> None:
        self.close()


def greedy_grammar_sampler(llm: Any, **kw: Any) -> Any:
    """For `Llama._init_sampler(**kw)`: a `GreedyGrammarSampler` where it gives the same tokens
    (a grammar, temperature 0, no penalties, no logits processors), or None for the library's chain."""
    plain = (
        kw.get("grammar") is not None
        and kw.get("temp") == 0.0
        and kw.get("logits_processor") is None
        and kw.get("repeat_penalty", 1.0) == 1.0
        and kw.get("frequency_penalty", 0.0) == 0.0
        and kw.get("presence_penalty", 0.0) == 0.0
        and kw.get("mirostat_mode", 0) == 0
    )
    return GreedyGrammarSampler(llm._model.vocab, kw["grammar"], llm.n_vocab()) if plain else None


@functools.cache
def greedy_grammar_llama(base: Any) -> Any:
    """`llama_cpp.Llama` (`base`) with `greedy_grammar_sampler` for its constrained greedy sampling."""

    def _init_sampler(self: Any, *args: Any, **kw: Any) -> Any:
        return (None if args else greedy_grammar_sampler(self, **kw)) or base._init_sampler(self, *args, **kw)

    return type(f"GreedyGrammar{base.__name__}", (base,), {"_init_sampler": _init_sampler})


def first_turn(tokens: Sequence[int], end_of_turn: Container[int]) -> int:
    """How many leading tokens of a chat prompt are its first turn: through the first end-of-turn
    token (the system message's `<|im_end|>` in Qwen's template), 0 if there is none.

    The text in a prompt cannot hold an end-of-turn token (`rag.model.specials`), so the first one
    is the template's own.
    """
    return next((i + 1 for i, t in enumerate(tokens) if t in end_of_turn), 0)


_SPECIAL_ATTRS = ("LLAMA_TOKEN_ATTR_CONTROL", "LLAMA_TOKEN_ATTR_USER_DEFINED", "LLAMA_TOKEN_ATTR_UNKNOWN")


def vocab_specials(llm: Any) -> tuple[frozenset[str], frozenset[int]]:
    """A loaded model's special-token strings, and its end-of-generation token ids.

    Special: the tokens llama.cpp matches as whole strings before splitting text into words
    (control, user-defined and unknown tokens; `tokenizer_st_partition` in llama.cpp); every
    end-of-generation token is one of them (llama.cpp marks each as a control token).
    """
    import llama_cpp

    lib = llama_cpp.llama_cpp
    vocab = llm._model.vocab
    mask = functools.reduce(lambda a, b: a | b, (getattr(lib, name) for name in _SPECIAL_ATTRS))
    texts, eog = set(), set()
    for token in range(llm.n_vocab()):
        if lib.llama_vocab_get_attr(vocab, token) & mask:
            texts.add(lib.llama_vocab_get_text(vocab, token).decode("utf-8", "replace"))
            if lib.llama_vocab_is_eog(vocab, token):
                eog.add(token)
    return frozenset(texts), frozenset(eog)


_VOCABS: dict[str, tuple[frozenset[str], frozenset[int]]] = {}  # by model file


@functools.cache
def project_llama(base: Any) -> Any:
    """`base` (`llama_cpp.Llama` or a subclass) with what every model of the project does on top.

    - No text becomes a special token: the messages of a chat completion are neutralised with
      this model's own special strings (`rag.model.specials`) before its chat template.
    - Every prompt is read from the same state (issue 26: a fresh process's first question was
      refused and the same question later answered). llama.cpp's logits depend on how a prompt
      is cut into batches, and llama-cpp-python reads only what follows the longest prefix its
      cache shares with the previous prompt, so the same prompt was read in one batch when
      first, after the system prompt when next, and as its last token alone when asked twice.
      Here a prompt's first turn (the fixed system prompt) is evaluated alone from an empty cache
      and kept, and before every prompt the cache is cut back to it, so the rest is always read
      from there in the same batches. Cutting back is the same state as restoring a saved one
      (`save_state`): the KV cells of the kept tokens are never written again (any evaluation
      that starts inside them drops the kept turn), and the cells after it are freed, not copied.
      A prompt whose first turn changes (the judge's two questions, a follow-up's rewriting)
      reads the new one alone first.
    """

    class ProjectLlama(base):
        n_tokens: int  # llama-cpp-python's: how many tokens the KV cache holds
        _kept: tuple[int, ...] = ()
        _vocab: tuple[frozenset[str], frozenset[int]] | None = None
        reused_tokens = 0  # of the last prompt, those read from the kept first turn

        def specials(self) -> tuple[frozenset[str], frozenset[int]]:
            """This model's special strings and end-of-generation ids (`vocab_specials`), read once a
            file (0.5 s for Qwen's 152k tokens; the answer's and the judge's contexts share it)."""
            if self._vocab is None:
                key = str(self.model_path)
                self._vocab = _VOCABS[key] = _VOCABS.get(key) or vocab_specials(self)
            return self._vocab

        def create_chat_completion(self, messages: Any, *args: Any, **kw: Any) -> Any:
            from rag.model.specials import neutral_messages

            return super().create_chat_completion(neutral_messages(messages, self.specials()[0]), *args, **kw)

        def create_completion(self, prompt: Any, *args: Any, **kw: Any) -> Any:
            if isinstance(prompt, list) and prompt:
                self._from_first_turn(prompt)
            return super().create_completion(prompt, *args, **kw)

        def _from_first_turn(self, tokens: list[int]) -> None:
            """Leave the cache holding exactly `tokens`' first turn, evaluated alone."""
            n = first_turn(tokens, self.specials()[1])
            head = tuple(tokens[:n])
            if 0 < n < len(tokens) and head == self._kept and self.n_tokens >= n:
                self.n_tokens = n  # llama-cpp-python frees the cells after it before reading on
                self.reused_tokens = n
                return
            self.reset()
            self.reused_tokens = 0
            if 0 < n < len(tokens):
                self.eval(list(head))
                self._kept = head

        def eval(self, tokens: Any) -> None:
            if self.n_tokens < len(self._kept):
                self._kept = ()  # what follows writes over the kept turn's cells
            super().eval(tokens)

    ProjectLlama.__name__ = ProjectLlama.__qualname__ = f"Project{base.__name__}"
    return ProjectLlama


class LlamaCppGenerator:
    """A GGUF model run by llama-cpp-python; loaded on first use. Also the verifier's `Judge`."""

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = 4096,
        n_threads: int = 0,
        n_gpu_layers: int = 0,
        seed: int = 1234,
        extra_buffers: ExtraBuffers = "auto",
        flash_attn: bool = False,
        grammar_first_choice: bool = True,
    ) -> None:
        self.model_path = model_path
        self.name = model_path.name
        self._n_ctx = n_ctx
        self._kw: dict[str, Any] = {
            "n_threads": n_threads,
            "n_gpu_layers": n_gpu_layers,
            "seed": seed,
            "extra_buffers": extra_buffers,
            "flash_attn": flash_attn,
            "grammar_first_choice": grammar_first_choice,
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
            self._llm = load_llama(self.model_path, n_ctx=self._n_ctx, **self._kw)
        return self._llm

    def _load_judge(self) -> Any:
        if self._judge_llm is None:
            self._judge_llm = load_llama(self.model_path, n_ctx=min(2048, self._n_ctx), **self._kw)
        return self._judge_llm

    def load(self) -> None:
        """Load the weights now (the chat does this at start-up)."""
        with self._lock:
            self._load()

    def generate(self, messages: Messages, *, schema: dict[str, Any], max_tokens: int) -> str:
        return "".join(self.stream(messages, schema=schema, max_tokens=max_tokens))

    def entailment(self, passage: str, statement: str) -> float:
        """P(yes) that `passage` states `statement`: one grammar-constrained token, read from logits."""
        return self._yes(judge_messages(passage, statement))

    def answers(self, question: str, sentence: str) -> float:
        """P(yes) that `sentence` gives what `question` asks for (the same one-token reading)."""
        return self._yes(answers_messages(question, sentence))

    def _yes(self, messages: Messages) -> float:
        """P(yes) among yes/no for a yes/no question: one grammar-constrained token, read from logits."""
        import numpy as np
        from llama_cpp import LlamaGrammar

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
            usage.cached_tokens = llm.reused_tokens
            self.last_usage = usage
