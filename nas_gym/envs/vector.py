"""Native numpy vector env: N searches answered by one batched benchmark query per step."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from nas_gym.benchmarks.base import Benchmark
from nas_gym.envs.api import SearchEnvAPI
from nas_gym.envs.config import SearchConfig
from nas_gym.envs.core import SearchCore
from nas_gym.envs.families import build


class ArchSearchVectorEnv(SearchEnvAPI, VectorEnv):
    """``num_envs`` independent searches with next-step autoreset (Gymnasium's default).

    ``info`` holds one array per key (``codes``, ``index``, ``signal_acc``, ``report_acc``,
    ``best_codes``, ``best_signal_acc``, ``best_report_acc``, ``regret``, ``unique_queries``,
    ``is_new``, ``latency_ms``); architecture strings are left out to keep large batches fast
    (``env.search_space.to_string(info["codes"])`` gives them).
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, benchmark: str | Benchmark = "nb201", num_envs: int = 1, **kwargs: Any):
        bench, search = build(benchmark, kwargs)
        self._core = SearchCore(bench, SearchConfig(**search), num_envs=num_envs)
        self.num_envs = self._core.num_envs
        self.single_action_space = self._core.single_action_space
        self.single_observation_space = self._core.single_observation_space
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self._needs_reset = np.zeros(self.num_envs, dtype=bool)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        if seed is not None:
            self._np_random, self._np_random_seed = np.random.default_rng(seed), seed
        self._needs_reset[:] = False
        return self._core.reset(None, self.np_random), {}

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        restarting = self._needs_reset.copy()  # their actions are evaluated, then discarded by the reset
        obs, reward, truncated, info = self._core.step(actions)
        if restarting.any():
            self._core.reset(restarting, self.np_random)
            obs = self._core.observation()
            reward[restarting] = 0.0
            truncated[restarting] = False
        self._needs_reset = truncated.copy()
        return obs, reward, np.zeros(self.num_envs, dtype=bool), truncated, info
