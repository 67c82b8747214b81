"""Gymnasium registrations of every nas-gym env id.

Each search-space family has a module here with ``IDS``: literal id -> kwargs, whose
``benchmark`` names the family (nas_gym/envs/families.py holds its defaults). Every id uses the
one generic env and its vector form. ``import nas_gym`` runs :func:`register_all`;
``gym.make("nas_gym:NB201-cifar10-v0")`` imports ``nas_gym`` by itself (Gymnasium's
module-prefix form). Episodes truncate on the env's own query budget (``max_queries``, in steps
or unique architectures), so no ``TimeLimit`` (``max_episode_steps``) is added.
"""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

from envs_registry import darts, nb201, ofa, trained

FAMILIES = (nb201, darts, ofa, trained)
ENTRY_POINT = "nas_gym.envs.search_env:ArchSearchEnv"
VECTOR_ENTRY_POINT = "nas_gym.envs.vector:ArchSearchVectorEnv"


def register_all() -> list[str]:
    """Register every id (idempotent) and return them."""
    ids = []
    for family in FAMILIES:
        for env_id, kwargs in family.IDS.items():
            if env_id not in registry:
                register(
                    id=env_id,
                    entry_point=ENTRY_POINT,
                    vector_entry_point=VECTOR_ENTRY_POINT,
                    kwargs=kwargs,
                )
            ids.append(env_id)
    return ids
