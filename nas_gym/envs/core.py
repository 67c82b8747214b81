"""The search logic shared by the single and the vector env: decode actions, query, reward, state.

Everything is batched over ``num_envs`` parallel searches, so ``gym.make_vec`` answers N envs
with one benchmark query and the single env is the same code with N = 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from gymnasium import spaces

from nas_gym.benchmarks.base import Benchmark
from nas_gym.envs.rewards import make_reward
from nas_gym.envs.tracker import SearchTracker

ACTION_TYPES = ("continuous", "discrete")
ACTION_MODES = ("absolute", "delta")
BUDGETS = ("steps", "unique")


@dataclass(frozen=True)
class SearchConfig:
    """Every env kwarg that shapes a search. See the README's env table for the meaning of each.

    Attributes:
        signal: metric that drives reward, state and best-so-far (default: the benchmark's honest one).
        reward: ``"exp100"`` (paper Eq. 3), ``"acc"`` or ``"transfer"`` (paper Eq. 7, needs ``acc_env``).
        acc_env: reference accuracy of Eq. 7, a fraction.
        top_k: K of the L2NAS state (mean one-hot of the top-K distinct architectures by signal).
        max_queries: budget; the episode truncates when it is spent.
        budget: ``"steps"`` counts every query, ``"unique"`` only architectures new to the episode.
        max_steps: with ``budget="unique"``, a hard cap on steps so a repeating policy cannot hang
            (default ``10 * max_queries``).
        action_type: ``"continuous"`` (alpha, the L2NAS formulation) or ``"discrete"`` (op codes).
        action_mode: ``"absolute"`` (the action is alpha) or ``"delta"`` (the action moves alpha by
            at most ``delta_step`` per entry; the current alpha is appended to the observation).
        delta_step: largest change of one alpha entry per step in delta mode.
        latency_device: device whose measured latency is reported in ``info["latency_ms"]``.
        latency_limit_ms: hard limit: slower architectures get the reward of an invalid one
            (accuracy 0) and never enter the state or the best-so-far.
        latency_weight: soft penalty: ``reward -= latency_weight * latency_ms``.
    """

    signal: str | None = None
    reward: str = "exp100"
    acc_env: float | None = None
    top_k: int = 64
    max_queries: int = 500
    budget: str = "steps"
    max_steps: int | None = None
    action_type: str = "continuous"
    action_mode: str = "absolute"
    delta_step: float = 0.25
    latency_device: str | None = None
    latency_limit_ms: float | None = None
    latency_weight: float | None = None


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not supported; choose one of {', '.join(allowed)}")


class SearchCore:
    """Batched search over ``benchmark`` for ``num_envs`` independent episodes."""

    def __init__(self, benchmark: Benchmark, num_envs: int = 1, **kwargs):
        unknown = set(kwargs) - set(SearchConfig.__dataclass_fields__)
        if unknown:
            raise ValueError(
                f"unknown env kwargs {sorted(unknown)}; known: {', '.join(SearchConfig.__dataclass_fields__)}"
            )
        cfg = SearchConfig(**kwargs)
        self.benchmark, self.num_envs, self.space = benchmark, num_envs, benchmark.search_space
        self.signal = cfg.signal or benchmark.default_signal
        if self.signal not in benchmark.signal_metrics:
            raise ValueError(
                f"signal={self.signal!r} cannot drive a search on {benchmark.name}; "
                f"choose one of {', '.join(benchmark.signal_metrics)}"
            )
        _choice("budget", cfg.budget, BUDGETS)
        _choice("action_type", cfg.action_type, ACTION_TYPES)
        _choice("action_mode", cfg.action_mode, ACTION_MODES)
        if cfg.max_queries < 1:
            raise ValueError(f"max_queries must be >= 1, got {cfg.max_queries}")
        if cfg.action_type == "discrete" and cfg.action_mode != "absolute":
            raise ValueError("action_mode='delta' needs action_type='continuous'")
        if cfg.action_type == "discrete" and not hasattr(self.space, "code_nvec"):
            raise ValueError(f"the {self.space.name} space has no discrete action encoding")
        if not cfg.delta_step > 0:
            raise ValueError(f"delta_step must be > 0, got {cfg.delta_step}")
        if cfg.latency_device is not None and cfg.latency_device not in benchmark.latency_devices:
            raise ValueError(
                f"latency_device={cfg.latency_device!r} is unknown for {benchmark.name}; "
                f"choose one of {', '.join(benchmark.latency_devices) or '(none)'}"
            )
        if (cfg.latency_limit_ms is not None or cfg.latency_weight is not None) and cfg.latency_device is None:
            raise ValueError("latency_limit_ms / latency_weight need latency_device")
        if cfg.latency_limit_ms is not None and cfg.latency_weight is not None:
            raise ValueError("give either latency_limit_ms (hard limit) or latency_weight (soft penalty), not both")
        self.config = cfg
        self.reward_fn = make_reward(cfg.reward, cfg.acc_env)
        self.max_steps = cfg.max_steps if cfg.max_steps is not None else 10 * cfg.max_queries
        self.latency_metric = f"latency/{cfg.latency_device}" if cfg.latency_device else None
        wanted = [self.signal, benchmark.report_metric] + ([self.latency_metric] if self.latency_metric else [])
        self.metrics = tuple(dict.fromkeys(wanted))
        self.report_optimum: float | None = benchmark.optimum(benchmark.report_metric)
        """Best reported value over the whole space, when the benchmark knows it (for ``regret``)."""

        dim = self.space.alpha_dim
        if cfg.action_type == "discrete":
            self.single_action_space = spaces.MultiDiscrete(np.array(self.space.code_nvec, dtype=np.int64))
        else:
            self.single_action_space = spaces.Box(-1.0, 1.0, (dim,), np.float32)
        obs_dim = 2 * dim if cfg.action_mode == "delta" else dim
        self.single_observation_space = spaces.Box(0.0, 1.0, (obs_dim,), np.float32)
        self.tracker = SearchTracker(num_envs, dim, self.space.code_length, cfg.top_k)
        self.alpha = np.zeros((num_envs, dim))

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
    def reset(self, which: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
        self.tracker.reset(which)
        if self.config.action_mode == "delta":
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
        a = np.asarray(actions)
        expected = (self.num_envs, *self.single_action_space.shape)
        if a.dtype.kind not in "fiu":
            raise ValueError(f"actions must be numeric, got dtype {a.dtype}")
        if a.shape != expected:
            raise ValueError(f"actions must have shape {expected}, got {a.shape}")
        if self.config.action_type == "discrete":
            if a.dtype.kind == "f" and not np.array_equal(a, np.round(a)):
                raise ValueError("discrete actions must be whole numbers")
            nvec = self.single_action_space.nvec
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
    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        codes = self.decode(actions)
        values = self.benchmark.evaluate(codes, self.metrics)
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
        one_hot = self.space.one_hot(codes).reshape(self.num_envs, -1)
        is_new, _ = t.record(self.space.key(codes), codes, one_hot, score, report)
        if self.config.budget == "steps":
            truncated = t.steps >= self.config.max_queries
        else:
            truncated = (t.unique >= self.config.max_queries) | (t.steps >= self.max_steps)
        info = {
            **{k: v for k, v in values.items() if k not in self.metrics},
            "codes": codes,
            "signal_acc": signal,
            "test_acc": report,
            "best_codes": t.best_codes.copy(),
            "best_key": t.best_key.copy(),
            "best_signal_acc": t.best_score.copy(),
            "best_test_acc": t.best_report.copy(),
            "unique_queries": t.unique.copy(),
            "is_new": is_new,
        }
        if self.report_optimum is not None:
            info["regret"] = self.report_optimum - t.best_report
        if latency is not None:
            info["latency_ms"] = latency
        return self.observation(), reward.astype(float), truncated, info
