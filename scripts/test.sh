#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: sets up .venv (CPU torch first), lint, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
