"""One architecture search as a Gymnasium episode: each step proposes and evaluates one architecture."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from nas_gym.benchmarks.base import Benchmark
from nas_gym.envs.core import SearchCore


class ArchSearchEnv(gym.Env[np.ndarray, np.ndarray]):
    """L2NAS-style search env over any :class:`~nas_gym.benchmarks.Benchmark`.

    Action: alpha in ``Box(-1, 1, (alpha_dim,))`` (``alpha = (a + 1) / 2``), discretized by the
    search space; or op codes with ``action_type="discrete"``. Observation: the mean one-hot of
    the top-K architectures seen so far, ranked by the signal. Reward: ``reward(signal / 100)``.
    The episode is one search: it truncates when the query budget is spent and never
    terminates (reaching the optimum must not leak test accuracy). Keyword arguments are the
    fields of :class:`~nas_gym.envs.core.SearchConfig`.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, benchmark: Benchmark, render_mode: str | None = None, **config: Any):
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode={render_mode!r} is not supported; use None or 'ansi'")
        self.render_mode = render_mode
        self.core = SearchCore(benchmark, num_envs=1, **config)
        self.benchmark = benchmark
        self.action_space = self.core.single_action_space
        self.observation_space = self.core.single_observation_space
        self._best_key: int | None = None
        self._best_arch = ""

    @property
    def protocol(self) -> dict:
        return self.core.protocol

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        obs = self.core.reset(None, self.np_random)
        self._best_key, self._best_arch = None, ""
        return obs[0], {"protocol": self.core.protocol}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        a = np.asarray(action)
        if a.shape != self.action_space.shape:
            raise ValueError(f"action must have shape {self.action_space.shape}, got {a.shape}")
        obs, reward, truncated, batch = self.core.step(a[None])
        space = self.core.space
        info = {k: v[0].item() if v.ndim == 1 else v[0] for k, v in batch.items()}
        info["arch"] = space.to_string(batch["codes"])[0]
        best_key = info["best_key"]  # keys may be any int64 (hashes): -inf signal marks "no best yet"
        if best_key != self._best_key and not np.isneginf(info["best_signal_acc"]):
            self._best_key, self._best_arch = best_key, space.to_string(batch["best_codes"])[0]
        info["best_arch"] = self._best_arch
        return obs[0], float(reward[0]), False, bool(truncated[0]), info

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        if np.isneginf(self.core.tracker.best_score[0]):
            return "no architecture evaluated yet\n"
        return self._describe_best()

    def _describe_best(self) -> str:
        """Text of the best-by-signal architecture for ``render``; families may say more."""
        t = self.core.tracker
        codes = t.best_codes[:1]
        describe = getattr(self.core.space, "describe", None)
        cell = describe(codes[0]) if describe else self.core.space.to_string(codes)[0]
        extra = "".join(f" {k}={int(v[0])}" for k, v in self.benchmark.arch_info(codes).items())
        return (
            f"best by {self.core.signal}:{extra} signal={t.best_score[0]:.2f} "
            f"{self.benchmark.report_metric}={t.best_report[0]:.2f} after {t.steps[0]} queries "
            f"({t.unique[0]} unique)\n{cell}\n"
        )
