"""Once-for-All MobileNetV3 (w1.2) envs: the generic search env on the OFA accuracy predictor."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from nas_gym.benchmarks.ofa import OFABenchmark
from nas_gym.envs.search_env import ArchSearchEnv
from nas_gym.envs.vector import ArchSearchVectorEnv

OFA_DEFAULTS: dict[str, Any] = {"top_k": 500, "max_queries": 10_000}
"""The paper's OFA setting (K = 500, T = 10k steps); explicit kwargs override them."""


class OFAEnv(ArchSearchEnv):
    """``OFA-MBv3-*``: alpha is the 20x9 op matrix (rows = blocks, columns = e3k3, e3k5, e3k7,
    e4k3, ..., e6k7) and the 5x3 depth matrix (rows = stages, columns = depth 2, 3, 4), flattened
    row-major and concatenated (195 values), plus a resolution head (one column per entry of
    ``resolutions``) when more than one resolution is searched. Argmax per row; the op rows of
    blocks beyond a stage's depth are ignored.

    The reward is computed from ``predicted_acc``, the OFA accuracy predictor in percent (the
    search signal and the reported metric: there is no test set). ``info["arch"]`` and
    ``info["best_arch"]`` are OFA dicts ``{"ks", "e", "d", "r"}``; ``info`` also holds
    ``macs_m``, ``params_m`` and ``latency_note10_ms`` of the queried architecture. There is no
    ``regret``: the best predicted accuracy over the ~10^19 subnets is unknown. Under a latency
    limit, until a feasible architecture has been queried, ``best_signal_acc`` and
    ``best_test_acc`` are ``-inf`` (the maximum over no architectures; NaN would break
    Gymnasium's determinism check) and ``best_arch`` is ``{}``.

    Args:
        resolutions: input resolutions to search, a subset of 160, 176, 192, 208, 224
            (default: fixed 224, no resolution head).
        cache: data cache folder. Other kwargs: :class:`~nas_gym.envs.core.SearchConfig`
            (defaults here: ``top_k=500``, ``max_queries=10000``).
    """

    def __init__(
        self,
        resolutions: Sequence[int] = (224,),
        cache: str | os.PathLike | None = None,
        render_mode: str | None = None,
        **config: Any,
    ):
        super().__init__(OFABenchmark(resolutions, cache), render_mode=render_mode, **{**OFA_DEFAULTS, **config})

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        obs, reward, terminated, truncated, info = super().step(action)
        space = self.core.space
        info["arch"] = space.to_dicts(info["codes"][None])[0]
        feasible = not np.isneginf(info["best_signal_acc"])  # under a latency limit, nothing may be yet
        info["best_arch"] = space.to_dicts(info["best_codes"][None])[0] if feasible else {}
        return obs, reward, terminated, truncated, info


class OFAVectorEnv(ArchSearchVectorEnv):
    """Vector form of :class:`OFAEnv` for ``gym.make_vec(..., vectorization_mode="vector_entry_point")``;
    ``info`` carries op codes (``env.core.space.to_dicts(info["codes"])`` gives the dicts) and,
    as in :class:`OFAEnv`, no ``regret``."""

    def __init__(
        self,
        num_envs: int = 1,
        resolutions: Sequence[int] = (224,),
        cache: str | os.PathLike | None = None,
        **config: Any,
    ):
        super().__init__(OFABenchmark(resolutions, cache), num_envs=num_envs, **{**OFA_DEFAULTS, **config})
