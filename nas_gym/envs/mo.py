"""Multi-objective search envs in MO-Gymnasium's API: the scalar search with a vector reward.

:class:`MOArchSearchEnv` is :class:`~nas_gym.envs.search_env.ArchSearchEnv` (same action,
observation, budgets, honest signal and ``info``) whose reward is a vector with one entry per
objective, each to be **maximised** (MO-Gymnasium's convention), declared in ``reward_space``:

* ``accuracy``: the scalar env's reward of the search signal (``exp100`` by default);
* ``latency``: minus the measured latency in ms on ``latency_device`` (``info["latency_ms"]``);
* ``params``: minus the parameters in M (NB201: counted on nas-gym's NB201 network, exact for every cell;
  OFA: the benchmark's count);
* ``macs`` (OFA only): minus the multiply-accumulates in M.

``objectives`` picks them (``("accuracy", "latency")`` by default; accuracy always comes first).
A latency limit or penalty would fold latency back into the scalar reward, so both are refused.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

from nas_gym.benchmarks.base import Benchmark
from nas_gym.benchmarks.nb201 import NB201Benchmark
from nas_gym.envs.search_env import ArchSearchEnv

OBJECTIVES: dict[str, tuple[str, ...]] = {
    "nb201": ("accuracy", "latency", "params"),
    "ofa": ("accuracy", "latency", "params", "macs"),
}
"""The objectives each family's MO env offers, in the order they appear in the reward vector."""
DEFAULT_DEVICE = {"nb201": "pixel3", "ofa": "note10"}
"""The latency device of an MO env unless ``latency_device`` names another (HELP's Pixel 3; OFA's Note10)."""
DEFAULT_OBJECTIVES = ("accuracy", "latency")


def family_of(benchmark: Benchmark) -> str:
    """``"nb201"`` or ``"ofa"``: the MO families, by the benchmark's name."""
    for family in OBJECTIVES:
        if benchmark.name.startswith(family):
            return family
    raise ValueError(
        f"no multi-objective env for benchmark {benchmark.name!r}; MO envs exist for {', '.join(OBJECTIVES)}"
    )


def check_objectives(objectives: Any, family: str) -> tuple[str, ...]:
    """``objectives`` as a tuple in reward order, or a clear error naming the valid ones."""
    valid = OBJECTIVES[family]
    if isinstance(objectives, str) or not isinstance(objectives, Sequence):
        raise TypeError(f"objectives must be a list of names from {', '.join(valid)}, got {objectives!r}")
    unknown = [o for o in objectives if o not in valid]
    if unknown:
        raise ValueError(f"unknown objective(s) {unknown} for a {family} MO env; choose from {', '.join(valid)}")
    if len(set(objectives)) != len(objectives):
        raise ValueError(f"objectives {list(objectives)} name one objective twice")
    if "accuracy" not in objectives or len(objectives) < 2:
        raise ValueError(f"objectives must hold 'accuracy' and at least one cost of {', '.join(valid[1:])}")
    return tuple(o for o in valid if o in objectives)


@functools.cache
def _nb201_param_costs(num_classes: int) -> tuple[float, np.ndarray]:
    """Parameters (M) of the NB201 network: the part every cell shares, and what each op adds per edge.

    The network's modules are independent per edge, so a cell's count is the shared part plus one
    term per edge; the terms are read off networks with a single non-``none`` edge.
    """
    from nas_gym.models.nb201_net import NB201Network, count_parameters

    base = count_parameters(NB201Network([0] * 6, num_classes=num_classes))
    per_op = np.zeros(5)
    for op in range(1, 5):
        per_op[op] = count_parameters(NB201Network([op] + [0] * 5, num_classes=num_classes)) - base
    return base / 1e6, per_op / 1e6


NB201_CLASSES = {"cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}


def nb201_params(codes: np.ndarray, dataset: str) -> np.ndarray:
    """Parameters (M) of the NB201 network of each cell ``(n, 6)`` on ``dataset`` (its class count)."""
    base, per_op = _nb201_param_costs(NB201_CLASSES[dataset])
    return base + per_op[np.asarray(codes)].sum(axis=1)


def cost_values(benchmark: Benchmark, codes: np.ndarray, objective: str, device: str) -> np.ndarray:
    """The (positive) cost ``objective`` of each architecture ``(n, code_length)``: ms, M params or M MACs."""
    if objective == "latency":
        return benchmark.query(codes, f"latency/{device}")
    if objective == "params" and isinstance(benchmark, NB201Benchmark):
        return nb201_params(codes, benchmark.dataset)
    return benchmark.query(codes, objective)


class MOArchSearchEnv(ArchSearchEnv):
    """The search env with a vector reward over ``objectives``; see the module docstring.

    Args:
        benchmark: the family (``"nb201"`` or ``"ofa"``) or a ready benchmark of one.
        objectives: names from :data:`OBJECTIVES` of the family, ``accuracy`` and at least one cost.
        latency_device: the device whose latency is an objective (default :data:`DEFAULT_DEVICE`).
        **kwargs: every other scalar-env keyword (signal, budget, max_queries, dataset, ...).
    """

    def __init__(
        self,
        benchmark: str | Benchmark = "nb201",
        render_mode: str | None = None,
        objectives: Sequence[str] = DEFAULT_OBJECTIVES,
        **kwargs: Any,
    ):
        for folded in ("latency_limit_ms", "latency_weight"):
            if kwargs.get(folded) is not None:
                raise ValueError(
                    f"{folded} folds latency into the scalar reward; in an MO env latency is an objective: drop it"
                )
        family = benchmark if isinstance(benchmark, str) else None
        if family is not None and family not in OBJECTIVES:
            raise ValueError(f"no multi-objective env for family {family!r}; choose one of {', '.join(OBJECTIVES)}")
        if kwargs.get("latency_device") is None and family is not None:
            kwargs["latency_device"] = DEFAULT_DEVICE[family]
        super().__init__(benchmark, render_mode, **kwargs)
        self.family = family_of(self.benchmark)
        if self.search_config.latency_device is None:
            raise ValueError(
                f"an MO env needs latency_device; choose one of {', '.join(self.benchmark.latency_devices)}"
            )
        self.objectives = check_objectives(objectives, self.family)
        self.latency_device: str = self.search_config.latency_device
        self.reward_dim = len(self.objectives)
        self.reward_space = self._reward_space()

    def _reward_space(self) -> spaces.Box:
        """Bounds of each reward entry: the reward's range for accuracy in [0, 100] %, and the exact
        range of each cost over the space when the space is listable (NB201), else ``(-inf, 0]``."""
        reward_fn = self._core.scorer.reward_fn
        acc = reward_fn(np.array([0.0, 1.0]))
        low, high = [float(acc[0])], [float(acc[1])]
        every = self.search_space.all_codes()
        for objective in self.objectives[1:]:
            if every is None:
                low.append(-np.inf)
                high.append(0.0)
            else:
                cost = cost_values(self.benchmark, every, objective, self.latency_device)
                low.append(-float(cost.max()))
                high.append(-float(cost.min()))
        return spaces.Box(np.array(low), np.array(high), dtype=np.float64)

    def step(self, action: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool, bool, dict]:  # type: ignore[override]
        obs, reward, terminated, truncated, info = super().step(action)
        vector = [reward, -info["latency_ms"]] if "latency" in self.objectives else [reward]
        for objective in self.objectives[1:]:
            if objective != "latency":
                codes = np.asarray(info["codes"])[None]
                value = float(cost_values(self.benchmark, codes, objective, self.latency_device)[0])
                info[f"{objective}_m"] = value
                vector.append(-value)
        return obs, np.array(vector, dtype=np.float64), terminated, truncated, info


def mo_env(env: object) -> MOArchSearchEnv:
    """The nas-gym MO env under ``env``'s wrappers, typed; a clear error for any other env."""
    inner = getattr(env, "unwrapped", env)
    if not isinstance(inner, MOArchSearchEnv):
        raise TypeError(
            f"{type(inner).__name__} is not a nas-gym MO env; make one with mo_gymnasium.make of an id of "
            "nas_gym.MO_ENV_IDS"
        )
    return inner
