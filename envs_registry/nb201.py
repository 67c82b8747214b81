"""NAS-Bench-201 ids: ``NB201-<dataset>-v0`` (continuous alpha) and ``NB201-<dataset>-discrete-v0``."""

from __future__ import annotations

from nas_gym.benchmarks.nb201 import DATASETS

IDS: dict[str, dict] = {}
for _dataset in DATASETS:
    IDS[f"NB201-{_dataset}-v0"] = {"dataset": _dataset}
    IDS[f"NB201-{_dataset}-discrete-v0"] = {"dataset": _dataset, "action_type": "discrete"}

ENTRY_POINT = "nas_gym.envs.nb201:NB201Env"
VECTOR_ENTRY_POINT = "nas_gym.envs.nb201:NB201VectorEnv"
