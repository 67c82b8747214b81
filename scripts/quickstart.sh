#!/usr/bin/env bash
# The README's first command: set up .venv, import the benchmark data, run a short L2NAS search
# on NB201-cifar10-v0, print the best architecture and save a best-so-far plot under runs/quickstart.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
SHARED=${NAS_GYM_SHARED_DATA:-../shared/data}
if [ -d "$SHARED" ]; then
    .venv/bin/nas-gym data import "$SHARED" --only nb201   # all the quickstart needs (7 s, not 29 s)
else
    .venv/bin/nas-gym data download nb201
fi
.venv/bin/nas-gym data status
.venv/bin/nas-gym search --agent l2nas --env NB201-cifar10-v0 --budget 500 --seed 0 --out runs/quickstart
