"""Reward shapes of the L2NAS paper. ``acc`` is a fraction in [0, 1] everywhere here.

* ``exp100`` (Eq. 3): ``r = 100 ** acc``; stretches the top of the accuracy range
  (0.93 -> 72.4, 0.94 -> 75.9).
* ``acc``: ``r = acc``, the plain accuracy fraction.
* ``transfer`` (Eq. 7): ``r = 100 ** (acc / acc_env) / 100 - 1``; zero at ``acc == acc_env``,
  so rewards of datasets with different accuracy levels share a scale.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

RewardFn = Callable[[np.ndarray], np.ndarray]
REWARDS = ("exp100", "acc", "transfer")


def exp100(acc: np.ndarray) -> np.ndarray:
    return np.power(100.0, acc)


def plain(acc: np.ndarray) -> np.ndarray:
    return np.asarray(acc, dtype=float)


def transfer(acc: np.ndarray, acc_env: float) -> np.ndarray:
    return np.power(100.0, acc / acc_env) / 100.0 - 1.0


def make_reward(reward: str, acc_env: float | None = None) -> RewardFn:
    """The reward function named ``reward``; ``acc_env`` (a fraction) is required by ``transfer``."""
    if reward == "exp100":
        return exp100
    if reward == "acc":
        return plain
    if reward == "transfer":
        if acc_env is None:
            raise ValueError("reward='transfer' needs acc_env, the reference accuracy as a fraction (e.g. 0.9437)")
        if not 0.0 < acc_env <= 1.0:
            raise ValueError(f"acc_env is a fraction in (0, 1], got {acc_env}; divide a percentage by 100")
        return partial(transfer, acc_env=float(acc_env))
    raise ValueError(f"unknown reward {reward!r}; choose one of {', '.join(REWARDS)}")
