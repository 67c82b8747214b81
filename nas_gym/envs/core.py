"""The search logic shared by the single and the vector env: decode actions, query, reward, state.

Everything is batched over ``num_envs`` parallel searches, so ``gym.make_vec`` answers N envs
with one benchmark query and the single env is the same code with N = 1.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from gymnasium import spaces

from nas_gym.benchmarks.base import Benchmark
from nas_gym.envs.config import SearchConfig
from nas_gym.envs.rewards import make_reward
from nas_gym.envs.tracker import SearchTracker


class SearchCore:
    """Batched search over ``benchmark`` for ``num_envs`` independent episodes, configured by ``config``."""

    def __init__(self, benchmark: Benchmark, config: SearchConfig, num_envs: int = 1):
        if isinstance(num_envs, bool) or not isinstance(num_envs, int | np.integer):
            raise TypeError(f"num_envs must be an int, got {num_envs!r} ({type(num_envs).__name__})")
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        cfg = config.resolve(benchmark)
        self.benchmark, self.num_envs, self.space, self.config = benchmark, int(num_envs), benchmark.search_space, cfg
        self.signal: str = cfg.signal or benchmark.default_signal
        self.reward_fn = make_reward(cfg.reward, cfg.acc_env)
        self.latency_metric = f"latency/{cfg.latency_device}" if cfg.latency_device else None
        wanted = [self.signal, benchmark.report_metric, self.latency_metric, *benchmark.cost_metrics]
        self.metrics = tuple(dict.fromkeys(m for m in wanted if m is not None))
        self.report_optimum: float | None = benchmark.optimum(benchmark.report_metric)
        """Best reported value over the whole space, when the benchmark knows it (for ``regret``)."""

        dim = self.space.alpha_dim
        self.single_action_space: spaces.MultiDiscrete | spaces.Box
        if cfg.action_type == "discrete":
            self.single_action_space = spaces.MultiDiscrete(np.array(self.space.code_nvec, np.int64))
        else:
            self.single_action_space = spaces.Box(-1.0, 1.0, (dim,), np.float32)
        obs_dim = 2 * dim if cfg.action_mode == "delta" else dim
        self.single_observation_space = spaces.Box(0.0, 1.0, (obs_dim,), np.float32)
        # the top-K never holds more architectures than one episode can query: size it by that
        slots = min(cfg.top_k, cfg.step_cap)
        self.tracker = SearchTracker(self.num_envs, dim, self.space.code_length, slots)
        self.alpha = np.zeros((self.num_envs, dim))

    @property
    def protocol(self) -> dict:
        """What drives the search and what is reported: printed beside every result."""
        b = self.benchmark
        protocol = {
            "benchmark": b.name,
            "signal": self.signal,
            "signal_is_test_set": self.signal in b.test_metrics,
            "report": b.report_metric,
            "budget": self.config.budget,
            "max_queries": self.config.max_queries,
            "reward": self.config.reward,
        }
        return {**protocol, "note": b.protocol_note} if b.protocol_note else protocol

    # -- episode control -----------------------------------------------------------------------
    def reset(self, which: np.ndarray | None, rng: np.random.Generator | None) -> np.ndarray:
        """Restart the searches in ``which`` (all if None); only delta mode draws, from ``rng``, a random start."""
        self.tracker.reset(which)
        if self.config.action_mode == "delta":
            if rng is None:
                raise ValueError("a delta-mode search draws its random start alpha: reset() the env before step()")
            n = self.num_envs if which is None else int(np.count_nonzero(which))
            fresh = rng.uniform(0.0, 1.0, size=(n, self.space.alpha_dim))
            if which is None:
                self.alpha[:] = fresh
            else:
                self.alpha[which] = fresh
        return self.observation()

    def observation(self) -> np.ndarray:
        state = self.tracker.state()
        if self.config.action_mode == "delta":
            return np.concatenate([state, self.alpha.astype(np.float32)], axis=1)
        return state

    # -- actions ---------------------------------------------------------------------------------
    def decode(self, actions: np.ndarray) -> np.ndarray:
        """Validate a batch of actions ``(num_envs, ...)`` and return op codes ``(num_envs, L)``."""
        try:
            a = np.asarray(actions)
        except ValueError as err:  # a ragged nested list
            raise ValueError(f"actions must be a rectangular array of numbers: {err}") from None
        expected = (self.num_envs, *self.single_action_space.shape)
        if a.dtype.kind not in "fiu":
            raise ValueError(f"actions must be numeric, got dtype {a.dtype}")
        if a.shape != expected:
            raise ValueError(f"actions must have shape {expected}, got {a.shape}")
        if self.config.action_type == "discrete":
            if a.dtype.kind == "f" and not np.array_equal(a, np.round(a)):
                raise ValueError("discrete actions must be whole numbers")
            nvec = cast(spaces.MultiDiscrete, self.single_action_space).nvec  # discrete actions: a MultiDiscrete
            if not np.isfinite(a).all() or (a < 0).any() or (a >= nvec).any():
                raise ValueError(f"discrete actions must lie in [0, {nvec.tolist()})")
            return a.astype(np.int64)
        if not np.isfinite(a).all():
            raise ValueError("actions contain NaN or inf")
        a = np.clip(a, -1.0, 1.0)
        if self.config.action_mode == "delta":
            self.alpha = np.clip(self.alpha + self.config.delta_step * a, 0.0, 1.0)
        else:
            self.alpha = (a + 1.0) / 2.0
        return self.space.discretize(self.alpha.reshape(self.num_envs, *self.space.alpha_shape))

    # -- one step of every search -------------------------------------------------------------
    def step(
        self, actions: np.ndarray, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Query the architectures of ``actions`` for the searches in ``rows`` (all when ``None``).

        Every action is validated, but only those of ``rows`` are evaluated: a vector env that
        restarts some searches on this step must not spend (or report) their queries. Returns the
        observation of every search, and reward, truncation and info arrays for ``rows`` only.
        """
        rows = np.arange(self.num_envs) if rows is None else np.asarray(rows)
        codes = self.decode(actions)[rows]
        values = {**self.benchmark.arch_info(codes), **self.benchmark.query_many(codes, self.metrics)}
        signal, report = values[self.signal], values[self.benchmark.report_metric]
        reward = self.reward_fn(signal / 100.0)
        score = signal.astype(float)
        latency = values[self.latency_metric] if self.latency_metric else None
        if latency is not None and self.config.latency_limit_ms is not None:
            infeasible = latency > self.config.latency_limit_ms
            reward = np.where(infeasible, self.reward_fn(np.zeros_like(signal)), reward)
            score = np.where(infeasible, -np.inf, score)
        if latency is not None and self.config.latency_weight is not None:
            reward = reward - self.config.latency_weight * latency
        t = self.tracker
        one_hot = self.space.one_hot(codes).reshape(len(rows), -1)
        is_new, _ = t.record(self.space.key(codes), codes, one_hot, score, report, rows)
        steps, unique = t.steps[rows], t.unique[rows]
        if self.config.budget == "steps":
            truncated = steps >= self.config.max_queries
        else:
            truncated = (unique >= self.config.max_queries) | (steps >= self.config.step_cap)
        info = {
            **{k: v for k, v in values.items() if k not in self.metrics or k in self.benchmark.cost_metrics},
            "codes": codes,
            "signal_acc": signal,
            "best_codes": t.best_codes[rows],
            "best_key": t.best_key[rows],
            "best_signal_acc": t.best_signal_acc[rows],
            "unique_queries": unique,
            "is_new": is_new,
        }
        if self.benchmark.report_measured:
            info["report_acc"] = report
            info["best_report_acc"] = t.best_report_acc[rows]
            if self.report_optimum is not None:
                info["regret"] = self.report_optimum - info["best_report_acc"]
        if latency is not None:
            info["latency_ms"] = latency
        return self.observation(), reward.astype(float), truncated, info
