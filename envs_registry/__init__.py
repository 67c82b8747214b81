"""Gymnasium registrations of every nas-gym env id.

``import nas_gym`` runs :func:`register_all`; ``gym.make("nas_gym:NB201-cifar10-v0")`` imports
``nas_gym`` first by itself (Gymnasium's module-prefix form). Episodes truncate on the env's own
query budget (``max_queries``, in steps or unique architectures), so no ``TimeLimit`` is added.
"""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

from nas_gym.benchmarks.nb201 import DATASETS as NB201_DATASETS

NB201_IDS: dict[str, dict] = {}
for _dataset in NB201_DATASETS:
    NB201_IDS[f"NB201-{_dataset}-v0"] = {"dataset": _dataset}
    NB201_IDS[f"NB201-{_dataset}-discrete-v0"] = {"dataset": _dataset, "action_type": "discrete"}


def register_all() -> list[str]:
    """Register every id (idempotent) and return them."""
    for env_id, kwargs in NB201_IDS.items():
        if env_id not in registry:
            register(
                id=env_id,
                entry_point="nas_gym.envs.nb201:NB201Env",
                vector_entry_point="nas_gym.envs.nb201:NB201VectorEnv",
                kwargs=kwargs,
            )
    return list(NB201_IDS)
