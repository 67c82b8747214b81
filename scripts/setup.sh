#!/usr/bin/env bash
# Creates .venv and installs nas-gym with its test extras. Sourced by test.sh and quickstart.sh.
# torch goes first, pinned to the CPU build (an unpinned torch would pull a multi-GB CUDA build);
# the package itself only asks for torch>=2.0, which that install then satisfies.
set -euo pipefail
PY=${PYTHON:-python3}

pip_install() {
    # pip warns about local package indexes this machine does not have: keep the log readable
    .venv/bin/python -m pip install -q "$@" 2>&1 | { grep -v "is neither a file nor a directory" || true; }
}

if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
pip_install --upgrade pip
.venv/bin/python -m pip show torch >/dev/null 2>&1 || pip_install torch==2.13.0
pip_install -e ".[test]"
