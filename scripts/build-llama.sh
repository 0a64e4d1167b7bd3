#!/usr/bin/env bash
# Builds llama-cpp-python once per (version, CMake flags) into its own wheel folder and installs it.
#
# Why not plain `pip install llama-cpp-python`: llama.cpp tunes its build to the CPU it is compiled
# on (GGML_NATIVE), and pip caches the wheel by source URL alone, whatever CMAKE_ARGS were. A wheel
# built on one machine then crashes on another with an illegal instruction, and a native build on
# an AMX CPU compiles llama.cpp's AMX weight repacking, whose Q4_K matmul segfaults (llama.cpp
# issue #20824). So the flags come from scripts/llama-cmake-args: an explicit instruction-set list
# (no native tuning, never AMX), at the highest level this CPU supports (AVX2, or AVX-512 with
# VNNI/VBMI/BF16 as on Zen 4 and Sapphire Rapids), and the wheel folder is keyed by those flags, so
# a cached wheel is only ever installed on a CPU that has every instruction it was built with.
# The generic CPU_REPACK buffer (Q4_K re-laid out for the AVX2 kernels) stays on.
# Override with RAG_LLAMA_CMAKE_ARGS (e.g. "-DGGML_CUDA=on"); `rag doctor` reports what is installed.
# Usage: scripts/build-llama.sh PYTHON      (build if needed, install into PYTHON's environment)
#        scripts/build-llama.sh --print     (print "LEVEL: FLAGS" for this CPU; RAG_CPUINFO names the file)
set -euo pipefail
cd "$(dirname "$0")/.."
VPY=${1:-.venv/bin/python}
VERSION=0.3.36
CPU_FLAGS=" $(grep -m1 '^flags' "${RAG_CPUINFO:-/proc/cpuinfo}" 2>/dev/null | cut -d: -f2) "
LEVEL=custom
ARGS=${RAG_LLAMA_CMAKE_ARGS:-}
if [ -z "$ARGS" ]; then
    while IFS= read -r line; do
        case "$line" in ''|'#'*) continue ;; esac
        name=${line%% needs *}; rest=${line#* needs }; needs=${rest%%:*}; flags=${rest#*: }
        ok=1
        for f in $needs; do case "$CPU_FLAGS" in *" $f "*) ;; *) ok=0 ;; esac; done
        if [ $ok = 1 ]; then LEVEL=$name; ARGS=$flags; fi
    done < scripts/llama-cmake-args
fi
if [ -z "$ARGS" ]; then
    echo "error: this CPU lacks AVX2/FMA/F16C/BMI2, which the llama.cpp build needs; set RAG_LLAMA_CMAKE_ARGS" \
         "to flags it supports (e.g. \"-DGGML_NATIVE=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_BMI2=OFF\")." >&2
    exit 2
fi
if [ "$VPY" = "--print" ]; then
    echo "$LEVEL: $ARGS"
    exit 0
fi
KEY=$(printf '%s|%s' "$VERSION" "$ARGS" | sha256sum | cut -c1-16)
WHEELS="${XDG_CACHE_HOME:-$HOME/.cache}/cited-rag/wheels/llama-cpp-python-$VERSION-$KEY"
MARKER=.venv/llama-build.json
if [ -f "$MARKER" ] && grep -q "\"key\": \"$KEY\"" "$MARKER" && "$VPY" -c "import llama_cpp" 2>/dev/null; then
    exit 0
fi
if ! ls "$WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    echo "Building llama-cpp-python $VERSION for $LEVEL (about 8 minutes on 2 cores, once) with: $ARGS"
    rm -rf "$WHEELS.partial"
    CMAKE_ARGS="$ARGS" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
        "$VPY" -m pip wheel -q --no-deps --no-cache-dir --no-binary llama-cpp-python \
        -w "$WHEELS.partial" "llama-cpp-python==$VERSION"
    mkdir -p "$WHEELS"
    mv "$WHEELS.partial"/llama_cpp_python-*.whl "$WHEELS"/ && rm -rf "$WHEELS.partial"
fi
"$VPY" -m pip install -q --force-reinstall --no-deps "$WHEELS"/llama_cpp_python-*.whl
"$VPY" -m pip install -q "llama-cpp-python==$VERSION"   # its pure-Python dependencies
printf '{"version": "%s", "level": "%s", "key": "%s", "cmake_args": "%s"}\n' "$VERSION" "$LEVEL" "$KEY" "$ARGS" > "$MARKER"
