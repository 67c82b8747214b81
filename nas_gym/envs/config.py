"""The search settings of an env (``SearchConfig``), checked when they are built.

Every keyword a user can pass to a search env that is not a benchmark argument is a field
here, so the same checks guard ``gym.make``, ``gym.make_vec``, the harness and the CLI. Values
are checked for type, finiteness and range on construction; the checks that need the benchmark
(which signals exist, which latency devices, how large the space is) run in :meth:`SearchConfig.resolve`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from nas_gym.benchmarks.base import Benchmark
from nas_gym.envs.rewards import REWARDS

ACTION_TYPES = ("continuous", "discrete")
ACTION_MODES = ("absolute", "delta")
BUDGETS = ("steps", "unique")


def _check_int(name: str, value: Any, low: int, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        kind = "an int or None" if optional else "an int"
        raise TypeError(f"{name} must be {kind}, got {value!r} ({type(value).__name__})")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")


def _check_float(name: str, value: Any, *, positive: bool, optional: bool, upper: float | None = None) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "a number or None" if optional else "a number"
        raise TypeError(f"{name} must be {kind}, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if not positive and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    if upper is not None and value > upper:
        hint = "; divide a percentage by 100" if upper == 1.0 else ""
        raise ValueError(f"{name} must lie in (0, {upper}] (a fraction), got {value}{hint}")


def _check_choice(name: str, value: Any, allowed: tuple[str, ...], optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {', '.join(allowed)}; got {value!r}")
    if allowed and value not in allowed:
        raise ValueError(f"{name}={value!r} is not supported; choose one of {', '.join(allowed)}")


@dataclass(frozen=True)
class SearchConfig:
    """Every env kwarg that shapes a search. See the README's env table for the meaning of each.

    Attributes:
        signal: metric that drives reward, state and best-so-far (default: the benchmark's honest one).
        reward: ``"exp100"`` (paper Eq. 3), ``"acc"`` or ``"transfer"`` (paper Eq. 7, needs ``acc_env``).
        acc_env: reference accuracy of Eq. 7, a fraction in (0, 1]; only with ``reward="transfer"``.
        top_k: K of the L2NAS state (mean one-hot of the top-K distinct architectures by signal).
        max_queries: budget; the episode truncates when it is spent.
        budget: ``"steps"`` counts every query, ``"unique"`` only architectures new to the episode.
        max_steps: with ``budget="unique"``, a hard cap on steps so a repeating policy cannot hang
            (default ``10 * max_queries``).
        action_type: ``"continuous"`` (alpha, the L2NAS formulation) or ``"discrete"`` (op codes).
        action_mode: ``"absolute"`` (the action is alpha) or ``"delta"`` (the action moves alpha by
            at most ``delta_step`` per entry; the current alpha is appended to the observation).
        delta_step: largest change of one alpha entry per step in delta mode, in (0, 1].
        latency_device: device whose measured latency is reported in ``info["latency_ms"]``.
        latency_limit_ms: hard limit (> 0): slower architectures get the reward of an invalid one
            (accuracy 0) and never enter the state or the best-so-far.
        latency_weight: soft penalty (>= 0): ``reward -= latency_weight * latency_ms``.
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

    def __post_init__(self) -> None:
        _check_choice("signal", self.signal, (), optional=True)
        _check_choice("reward", self.reward, REWARDS)
        _check_float("acc_env", self.acc_env, positive=True, optional=True, upper=1.0)
        _check_int("top_k", self.top_k, 1)
        _check_int("max_queries", self.max_queries, 1)
        _check_choice("budget", self.budget, BUDGETS)
        _check_int("max_steps", self.max_steps, 1, optional=True)
        _check_choice("action_type", self.action_type, ACTION_TYPES)
        _check_choice("action_mode", self.action_mode, ACTION_MODES)
        _check_float("delta_step", self.delta_step, positive=True, optional=False, upper=1.0)
        _check_choice("latency_device", self.latency_device, (), optional=True)
        _check_float("latency_limit_ms", self.latency_limit_ms, positive=True, optional=True)
        _check_float("latency_weight", self.latency_weight, positive=False, optional=True)
        self._check_combinations()

    def _check_combinations(self) -> None:
        if self.reward == "transfer" and self.acc_env is None:
            raise ValueError("reward='transfer' needs acc_env, the reference accuracy as a fraction (e.g. 0.9437)")
        if self.reward != "transfer" and self.acc_env is not None:
            raise ValueError(f"acc_env is used only by reward='transfer', not reward={self.reward!r}; drop it")
        if self.max_steps is not None and self.budget != "unique":
            raise ValueError("max_steps caps budget='unique' searches; with budget='steps' the cap is max_queries")
        if self.max_steps is not None and self.max_steps < self.max_queries:
            raise ValueError(f"max_steps={self.max_steps} is below max_queries={self.max_queries}")
        if self.action_type == "discrete" and self.action_mode != "absolute":
            raise ValueError("action_mode='delta' needs action_type='continuous'")
        if (self.latency_limit_ms is not None or self.latency_weight is not None) and self.latency_device is None:
            raise ValueError("latency_limit_ms / latency_weight need latency_device")
        if self.latency_limit_ms is not None and self.latency_weight is not None:
            raise ValueError("give either latency_limit_ms (hard limit) or latency_weight (soft penalty), not both")

    @property
    def step_cap(self) -> int:
        """Most env steps one episode can take: the budget, or ``max_steps`` for unique budgets."""
        if self.budget == "steps":
            return self.max_queries
        return self.max_steps if self.max_steps is not None else 10 * self.max_queries

    def resolve(self, benchmark: Benchmark) -> SearchConfig:
        """This config checked against ``benchmark``, with the signal and ``max_steps`` filled in."""
        signal = self.signal or benchmark.default_signal
        if signal not in benchmark.signal_metrics:
            raise ValueError(
                f"signal={signal!r} cannot drive a search on {benchmark.name}; "
                f"choose one of {', '.join(benchmark.signal_metrics)}"
            )
        space = benchmark.search_space
        if self.top_k > space.num_archs:
            raise ValueError(
                f"top_k={self.top_k} exceeds the {space.num_archs} architectures of the {space.name} space"
            )
        if self.latency_device is not None and self.latency_device not in benchmark.latency_devices:
            raise ValueError(
                f"latency_device={self.latency_device!r} is unknown for {benchmark.name}; "
                f"choose one of {', '.join(benchmark.latency_devices) or '(none)'}"
            )
        max_steps = self.step_cap if self.budget == "unique" else None
        return dataclasses.replace(self, signal=signal, max_steps=max_steps)


SEARCH_KWARGS = frozenset(f.name for f in dataclasses.fields(SearchConfig))
"""The env keywords that go to :class:`SearchConfig`; every other one is a benchmark argument."""
