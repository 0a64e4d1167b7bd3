#!/usr/bin/env bash
# Sets up everything (as scripts/setup.sh --test) and runs the whole test suite:
# unit tests (fake models), the real-model suite (marker `real`) and the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec .venv/bin/python -m pytest -q "$@"
