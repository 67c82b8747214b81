"""DARTS envs: the generic search env on the NAS-Bench-301 surrogate (CIFAR-10)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from nas_gym.benchmarks.nb301 import MAX_EPOCH, NB301Benchmark
from nas_gym.envs.search_env import ArchSearchEnv
from nas_gym.envs.vector import ArchSearchVectorEnv
from nas_gym.spaces.darts import codes_to_genotypes

PAPER_DEFAULTS: dict[str, Any] = {"top_k": 500, "max_queries": 20_000}
"""L2NAS's DARTS setting: K = 500 top architectures in the state, a 20k-query search."""


class DARTSEnv(ArchSearchEnv):
    """``DARTS-cifar10-v0``: L2NAS on the DARTS space, rewarded by the NB301 surrogate.

    Action: ``Box(-1, 1, (196,))``, ``alpha = (a + 1) / 2`` reshaped row-major to ``(2, 14, 7)``:
    cell (normal, reduce), edge (NB301 numbering: the edge from node i into node n is
    ``(0, 2, 5, 9)[n - 2] + i``), op (max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3,
    sep_conv_5x5, dil_conv_3x3, dil_conv_5x5). Discretized with L2NAS Algorithm 2 (two inputs
    per node, one op each). Observation: the mean one-hot ``(196,)`` of the top-K distinct
    architectures so far (K = 500 by default).

    Protocol: the signal *and* the reported accuracy are the surrogate's predicted validation
    accuracy at ``epoch`` (NB301 has no test accuracy), so ``info["test_acc"]`` repeats
    ``info["signal_acc"]``; there is no ``regret`` (the optimum is unknown). ``info["arch"]`` is the
    genotype string, ``info["genotype"]`` the ``Genotype`` namedtuple, ``info["runtime_s"]`` the
    predicted training time to ``epoch`` (the simulated cost of the query).

    Args:
        model: surrogate, ``"2021"`` (default) or ``"v2"``.
        epoch: epoch the surrogate predicts for, 1..98.
        cache: data cache folder.
        **config: :class:`~nas_gym.envs.core.SearchConfig` fields; defaults ``top_k=500``,
            ``max_queries=20000`` (the paper's).
    """

    def __init__(
        self,
        model: str = "2021",
        epoch: int = MAX_EPOCH,
        cache: str | os.PathLike | None = None,
        render_mode: str | None = None,
        **config: Any,
    ):
        benchmark = NB301Benchmark(model, epoch, cache)
        super().__init__(benchmark, render_mode=render_mode, **{**PAPER_DEFAULTS, **config})

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        obs, reward, terminated, truncated, info = super().step(action)
        info["genotype"] = codes_to_genotypes(info["codes"][None])[0]
        return obs, reward, terminated, truncated, info


class DARTSVectorEnv(ArchSearchVectorEnv):
    """Vector form of :class:`DARTSEnv` for ``gym.make_vec(..., vectorization_mode="vector_entry_point")``.

    ``info`` holds arrays only; ``codes_to_genotypes(info["codes"])`` gives the genotypes.
    """

    def __init__(
        self,
        num_envs: int = 1,
        model: str = "2021",
        epoch: int = MAX_EPOCH,
        cache: str | os.PathLike | None = None,
        **config: Any,
    ):
        benchmark = NB301Benchmark(model, epoch, cache)
        super().__init__(benchmark, num_envs=num_envs, **{**PAPER_DEFAULTS, **config})
