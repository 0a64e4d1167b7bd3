"""`project_llama`: every prompt is read from its first turn, kept alone, in the same evaluations.

A stand-in for `llama_cpp.Llama` records each evaluation (where it starts, which tokens) and, as
llama-cpp-python's `generate` does, keeps the longest prefix its cache shares with the new prompt
and evaluates the rest. Token 99 ends a turn; [1, 5, 6, 99] is the system turn.
"""

from __future__ import annotations

from typing import Any

from rag.model.generation import first_turn, project_llama

EOT = 99
SYSTEM = [1, 5, 6, EOT]
Q1 = [*SYSTEM, 2, 7, 8, EOT, 3]
Q2 = [*SYSTEM, 2, 7, 9, 9, EOT, 3]
OTHER_SYSTEM = [1, 4, EOT, 2, 7, 8, EOT, 3]
ANSWER = [50, 51]


class StandInLlama:
    """The parts of `llama_cpp.Llama` that `project_llama` uses, recording every evaluation."""

    model_path = "stand-in.gguf"

    def __init__(self) -> None:
        self.n_tokens = 0
        self.input_ids: list[int] = []
        self.evals: list[tuple[int, list[int]]] = []

    def reset(self) -> None:
        self.n_tokens = 0

    def eval(self, tokens: Any) -> None:
        self.evals.append((self.n_tokens, list(tokens)))
        self.input_ids[self.n_tokens :] = list(tokens)
        self.n_tokens += len(tokens)

    def create_completion(self, prompt: list[int], **kw: Any) -> str:
        keep = 0
        while keep < min(self.n_tokens, len(prompt) - 1) and self.input_ids[keep] == prompt[keep]:
            keep += 1
        self.n_tokens = keep
        self.eval(prompt[keep:])
        for token in ANSWER:  # the answer's tokens, each read after it is sampled
            self.eval([token])
        return "done"


class Project(project_llama(StandInLlama)):  # type: ignore[misc]
    def specials(self) -> tuple[frozenset[str], frozenset[int]]:
        return frozenset(), frozenset({EOT})


def reads(llm: Any, prompt: list[int]) -> list[tuple[int, list[int]]]:
    """The evaluations that read `prompt` (and the answer) in one completion."""
    before = len(llm.evals)
    assert llm.create_completion(prompt) == "done"
    return llm.evals[before:]


def test_first_turn_ends_at_the_first_end_of_turn_token() -> None:
    assert first_turn(Q1, {EOT}) == 4
    assert first_turn([1, 2, 3], {EOT}) == 0 and first_turn([], {EOT}) == 0


def test_the_same_prompt_is_read_in_the_same_evaluations_whatever_came_before() -> None:
    llm = Project()
    first = reads(llm, Q1)
    # The first turn alone from an empty cache, then the rest from it.
    assert first == [(0, SYSTEM), (4, [2, 7, 8, EOT, 3]), (9, [50]), (10, [51])] and llm.reused_tokens == 0
    reads(llm, Q2)
    assert llm.reused_tokens == 4
    reads(llm, OTHER_SYSTEM)
    assert llm.evals[-4][0] == 0 and llm.evals[-4][1] == [1, 4, EOT], "a new first turn is read alone"
    after_others = reads(llm, Q1)
    asked_again = reads(llm, Q1)
    assert after_others[1:] == first[1:] == asked_again, "the rest is read from the kept turn, in the same batches"
    assert after_others[0] == (0, SYSTEM), "the system turn, evicted by another, is read alone again"
    assert llm.reused_tokens == 4


def test_an_evaluation_inside_the_kept_turn_drops_it() -> None:
    llm = Project()
    reads(llm, Q1)
    llm.n_tokens = 2
    llm.eval([6, 6])  # writes over the kept turn's cells (another caller of the context)
    assert reads(llm, Q1)[0] == (0, SYSTEM) and llm.reused_tokens == 0


def test_without_it_the_library_reads_the_same_prompt_in_other_evaluations() -> None:
    """The stand-in as llama-cpp-python: what issue 26's first question met."""
    llm = StandInLlama()
    first = reads(llm, Q1)
    reads(llm, Q2)
    again = reads(llm, Q1)
    twice = reads(llm, Q1)
    assert first[0] == (0, Q1) and again[0] == (6, [8, EOT, 3]) and twice[0] == (8, [3])


def test_a_model_still_loaded_at_exit_is_closed_first_and_a_freed_one_is_left() -> None:
    """`load_llama` registers `_close_at_exit`: llama.cpp's free must run before its module's
    globals are gone (the TypeError printed after the real-model suite)."""
    import gc
    import weakref

    from rag.model.generation import _close_at_exit

    class Model:
        closed = 0

        def close(self) -> None:
            Model.closed += 1

    live = Model()
    _close_at_exit(weakref.ref(live))
    assert Model.closed == 1
    # the grammar sampler a Llama keeps from its last generation is freed too, before the model
    from rag.model.generation import GreedyGrammarSampler

    sampler = GreedyGrammarSampler.__new__(GreedyGrammarSampler)
    freed: list[object] = []
    sampler._lib = type("Lib", (), {"llama_sampler_free": staticmethod(freed.append)})()
    sampler._grammar = "grammar"
    live._sampler = sampler  # type: ignore[attr-defined]
    _close_at_exit(weakref.ref(live))
    assert freed == ["grammar"] and sampler._grammar is None and Model.closed == 2
    sampler.close()  # once only
    assert freed == ["grammar"]
    gone = Model()
    ref = weakref.ref(gone)
    del gone
    gc.collect()
    _close_at_exit(ref)  # already freed: nothing to close
    assert Model.closed == 2
