"""NAS-Bench-201 envs: the generic search env on the NB201 table of one dataset."""

from __future__ import annotations

import os
from typing import Any

from nas_gym.benchmarks.nb201 import NB201Benchmark
from nas_gym.envs.search_env import ArchSearchEnv
from nas_gym.envs.vector import ArchSearchVectorEnv


class NB201Env(ArchSearchEnv):
    """``NB201-<dataset>-v0``: alpha ``(6, 5)`` flattened row-major (rows = edges in NB201 string
    order 0->1, 0->2, 1->2, 0->3, 1->3, 2->3; columns = ops none, skip_connect, nor_conv_1x1,
    nor_conv_3x3, avg_pool_3x3), argmax per edge, lowest op on ties."""

    def __init__(
        self,
        dataset: str = "cifar10",
        cache: str | os.PathLike | None = None,
        render_mode: str | None = None,
        **config: Any,
    ):
        super().__init__(NB201Benchmark(dataset, cache), render_mode=render_mode, **config)


class NB201VectorEnv(ArchSearchVectorEnv):
    """Vector form of :class:`NB201Env` for ``gym.make_vec(..., vectorization_mode="vector_entry_point")``."""

    def __init__(
        self, num_envs: int = 1, dataset: str = "cifar10", cache: str | os.PathLike | None = None, **config: Any
    ):
        super().__init__(NB201Benchmark(dataset, cache), num_envs=num_envs, **config)
