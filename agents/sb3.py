"""Stable-Baselines3 baselines with RL-Zoo-style hyperparameter files (``agents/hyperparams/<algo>.yml``).

Each file maps env ids to the algorithm's keyword arguments, in the format ``rl_zoo3`` reads
(``policy``, ``n_timesteps``, ``noise_type``/``noise_std`` and ``policy_kwargs`` included), so
``python -m rl_zoo3.train --algo ppo --env NB201-cifar10-v0 --gym-packages nas_gym
--conf-file agents/hyperparams/ppo.yml`` uses the same settings as ``nas-gym search --agent ppo``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import yaml

HYPERPARAMS_DIR = Path(__file__).parent / "hyperparams"
# RL-Zoo keys that configure the experiment rather than the algorithm.
ZOO_ONLY = ("n_timesteps", "policy", "n_envs", "normalize", "env_wrapper", "frame_stack", "callback")


def algorithm_class(algo: str) -> type:
    import stable_baselines3 as sb3

    classes = {"ppo": sb3.PPO, "a2c": sb3.A2C, "sac": sb3.SAC, "td3": sb3.TD3, "ddpg": sb3.DDPG}
    if algo not in classes:
        raise ValueError(f"no SB3 baseline {algo!r}; choose one of {', '.join(classes)}")
    return classes[algo]


def load_hyperparams(algo: str, env_id: str) -> dict[str, Any]:
    """The YAML entry of ``env_id`` in ``<algo>.yml`` (a fresh dict)."""
    path = HYPERPARAMS_DIR / f"{algo}.yml"
    if not path.is_file():
        raise ValueError(f"no hyperparameter file {path}")
    table = yaml.safe_load(path.read_text())
    if env_id not in table:
        raise ValueError(f"{path.name} has no entry for {env_id!r}; add one (known: {', '.join(table)})")
    return dict(table[env_id])


def make_sb3(algo: str, env: gym.Env, env_id: str, seed: int, overrides: dict[str, Any] | None = None):
    """Build the SB3 model of ``algo`` for ``env`` from its YAML entry plus ``overrides``.

    Returns ``(model, hyperparameters used)``.
    """
    from stable_baselines3.common.noise import NormalActionNoise

    used = {**load_hyperparams(algo, env_id), **(overrides or {})}
    # A deep copy: SB3 writes into policy_kwargs (e.g. A2C's optimizer class), ``used`` stays JSON.
    kwargs = copy.deepcopy({k: v for k, v in used.items() if k not in ZOO_ONLY})
    noise_type, noise_std = kwargs.pop("noise_type", None), kwargs.pop("noise_std", None)
    if noise_type is not None:
        if noise_type != "normal":
            raise ValueError(f"noise_type={noise_type!r} is not supported here; use 'normal'")
        dim = int(np.prod(env.action_space.shape or (0,)))
        kwargs["action_noise"] = NormalActionNoise(np.zeros(dim), float(noise_std) * np.ones(dim))
    model = algorithm_class(algo)(used.get("policy", "MlpPolicy"), env, seed=seed, verbose=0, **kwargs)
    return model, used
