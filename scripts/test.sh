#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: sets up .venv (CPU torch first), lint, types, the
# docs site, pytest; then the third-party RL clients (tests/test_interop.py) in .venv-interop,
# where a missing client fails. Arguments go to both pytest runs (e.g. -x, or -k NAME); NAS_GYM_SKIP_INTEROP=1
# skips the second run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/mypy  # reads [tool.mypy] in pyproject.toml
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet --site-dir "$(mktemp -d)"  # the docs site (mkdocs.yml)
.venv/bin/python -m pytest -m "not interop" "$@"
if [ "${NAS_GYM_SKIP_INTEROP:-0}" != "1" ]; then
    setup_interop
    status=0
    NAS_GYM_REQUIRE_INTEROP=1 .venv-interop/bin/python -m pytest -m interop "$@" || status=$?
    [ "$status" = 0 ] || [ "$status" = 5 ] || exit "$status"  # 5: the arguments selected no interop test
fi
