#!/usr/bin/env bash
# Sets up everything, indexes the bundled corpus (seeds/) if needed and starts the chat
# on http://127.0.0.1:7860 (pass --host/--port to change).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/rag chat "$@"
