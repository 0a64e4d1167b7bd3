#!/usr/bin/env bash
# Sets up everything (as scripts/setup.sh --test) and runs the whole test suite:
# unit tests (fake models), the real-model suite (marker `real`), the browser tests and the
# fault tests (marker `faults`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
# The layer contract of `rag` (pyproject.toml, [tool.importlinter]; ARCHITECTURE.md): a wing that
# imports a wing above it stops the run here.
.venv/bin/lint-imports
# The bad-input, fault and load cases write their table here (docs/robustness.md, linked from the README).
export RAG_ROBUSTNESS_OUT="${RAG_ROBUSTNESS_OUT:-docs/robustness.md}"
exec .venv/bin/python -m pytest -q "$@"
