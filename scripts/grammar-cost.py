"""What the JSON grammar costs a token, and whether testing it on the first choice changes replies.

    .venv/bin/python scripts/grammar-cost.py --out docs/speed-grammar-2026-11-24/grammar-cost.json

For each bundled model: (1) one prompt read, then 25 tokens written three ways, timing sampling and
decoding apart: llama-cpp-python's sampler chain with the grammar, `GreedyGrammarSampler`, and
greedy without a grammar; (2) the replies to the bench questions (`tests/eval/latency_questions.txt`)
with the chain and with `GreedyGrammarSampler`, compared. Settings as configured (`RAG_*`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKENS = 25


def per_token(llm, prompt: list[int], schema: dict) -> dict[str, dict[str, float]]:
    from llama_cpp import LlamaGrammar
    from llama_cpp import _internals as internals

    from rag.model.generation import GreedyGrammarSampler

    out = {}
    for way in ("chain", "first_choice", "no_grammar"):
        grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        if way == "first_choice":
            sampler = GreedyGrammarSampler(llm._model.vocab, grammar, llm.n_vocab())
        else:
            sampler = internals.LlamaSampler()
            if way == "chain":
                sampler.add_grammar(llm._model, grammar)
            sampler.add_greedy()
        llm.reset()
        llm.eval(prompt)
        sample_s, decode_s, n = [], [], 0
        for _ in range(TOKENS):
            t = time.perf_counter()
            token = sampler.sample(llm._ctx, -1)
            sample_s.append(time.perf_counter() - t)
            if token == llm.token_eos():
                break
            t = time.perf_counter()
            llm.eval([token])
            decode_s.append(time.perf_counter() - t)
            n += 1
        out[way] = {
            "tokens": n,
            "sample_ms_p50": round(1000 * statistics.median(sample_s), 2),
            "decode_ms_p50": round(1000 * statistics.median(decode_s), 2),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    from rag.answering.citations import output_schema
    from rag.answering.prompting import build_prompt
    from rag.core.settings import Settings
    from rag.model.files import resolve_model
    from rag.model.generation import LlamaCppGenerator
    from rag.pipeline import Pipeline

    s = Settings()
    pipe = Pipeline(s)
    pipe.ensure_index()
    questions = [q.strip() for q in (ROOT / "tests/eval/latency_questions.txt").read_text().splitlines() if q.strip()]
    asks = []
    for q in questions:
        found = pipe.retrieve(q)
        if found.passages:
            prompt = build_prompt(
                q, found.passages, embedder=pipe.embedder, budget=s.prompt_budget_tokens,
                max_statements=s.max_statements, style=s.answer_style,
            )  # fmt: skip
            asks.append((q, prompt.messages()))
    schema = output_schema(s.max_statements, s.answer_style)
    report: dict = {"settings": {"answer_style": s.answer_style, "flash_attn": s.llama_flash_attn}, "models": {}}
    for choice in ("default", "fast"):
        path = resolve_model(choice, s.model_cache_dir)
        kw = {"n_ctx": s.n_ctx, "n_threads": s.n_threads, "extra_buffers": s.llama_extra_buffers}
        ours = LlamaCppGenerator(path, flash_attn=s.llama_flash_attn, **kw)
        chain = LlamaCppGenerator(path, flash_attn=s.llama_flash_attn, grammar_first_choice=False, **kw)
        replies = []
        for q, messages in asks:
            a = ours.generate(messages, schema=schema, max_tokens=s.max_answer_tokens)
            b = chain.generate(messages, schema=schema, max_tokens=s.max_answer_tokens)
            replies.append({"question": q, "first_choice": a, "chain": b, "same": a == b})
        llm = ours._load()
        prompt = llm.tokenize(
            ("<|im_start|>system\n" + asks[0][1][0]["content"] + "<|im_end|>\n<|im_start|>user\n"
             + asks[0][1][1]["content"] + "<|im_end|>\n<|im_start|>assistant\n").encode(),
            special=True,
        )  # fmt: skip
        report["models"][path.name] = {
            "per_token": per_token(llm, prompt, schema),
            "prompt_tokens": len(prompt),
            "replies_same": sum(r["same"] for r in replies),
            "replies": len(replies),
            "rows": replies,
        }
        print(path.name, json.dumps({k: v for k, v in report["models"][path.name].items() if k != "rows"}), flush=True)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
