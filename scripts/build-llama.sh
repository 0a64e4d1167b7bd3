#!/usr/bin/env bash
# Builds llama-cpp-python once per (version, CMake flags) into its own wheel folder and installs it.
#
# Why not plain `pip install llama-cpp-python`: llama.cpp tunes its build to the CPU it is compiled
# on (GGML_NATIVE), and pip caches the wheel by source URL alone, whatever CMAKE_ARGS were. A wheel
# built on an AVX-512/AMX machine then crashes elsewhere with an illegal instruction, and a native
# build on an AMX machine compiles llama.cpp's AMX weight repacking, whose Q4_K matmul segfaults
# (llama.cpp issue #20824). The flags in scripts/llama-cmake-args build for AVX2/FMA/F16C/BMI2,
# which every x86-64 machine here has, with no AVX-512 and no AMX code at all, so the AMX buffer
# type does not exist and the cached wheel is safe on every CPU. The generic CPU_REPACK buffer
# (Q4_K re-laid out for AVX2) stays on: it is where most of the speed is.
# Override with RAG_LLAMA_CMAKE_ARGS (e.g. "-DGGML_CUDA=on"); the wheel folder is keyed by the flags.
# Usage: scripts/build-llama.sh PYTHON
set -euo pipefail
cd "$(dirname "$0")/.."
VPY=${1:-.venv/bin/python}
VERSION=0.3.36
ARGS=${RAG_LLAMA_CMAKE_ARGS:-$(tr -s ' \n' ' ' < scripts/llama-cmake-args | sed 's/ *$//')}
KEY=$(printf '%s|%s' "$VERSION" "$ARGS" | sha256sum | cut -c1-16)
WHEELS="${XDG_CACHE_HOME:-$HOME/.cache}/cited-rag/wheels/llama-cpp-python-$VERSION-$KEY"
MARKER=.venv/llama-build.json
if [ -f "$MARKER" ] && grep -q "\"key\": \"$KEY\"" "$MARKER" && "$VPY" -c "import llama_cpp" 2>/dev/null; then
    exit 0
fi
if ! ls "$WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    echo "Building llama-cpp-python $VERSION (about 8 minutes on 2 cores, once) with: $ARGS"
    mkdir -p "$WHEELS"
    CMAKE_ARGS="$ARGS" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
        "$VPY" -m pip wheel -q --no-deps --no-cache-dir --no-binary llama-cpp-python \
        -w "$WHEELS.partial" "llama-cpp-python==$VERSION"
    mv "$WHEELS.partial"/llama_cpp_python-*.whl "$WHEELS"/ && rm -rf "$WHEELS.partial"
fi
"$VPY" -m pip install -q --force-reinstall --no-deps "$WHEELS"/llama_cpp_python-*.whl
"$VPY" -m pip install -q "llama-cpp-python==$VERSION"   # its pure-Python dependencies
printf '{"version": "%s", "key": "%s", "cmake_args": "%s"}\n' "$VERSION" "$KEY" "$ARGS" > "$MARKER"
