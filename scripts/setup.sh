#!/usr/bin/env bash
# Creates .venv and installs nas-gym with its test extras. Sourced by test.sh and quickstart.sh.
# torch goes first, pinned to the CPU build (an unpinned torch would pull a multi-GB CUDA build);
# the package itself only asks for torch>=2.0, which that install then satisfies.
set -euo pipefail
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip show torch >/dev/null 2>&1 || .venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e ".[test]"
