"""``NB201-cifar10-trained-v0``: the NB201 search env whose rewards come from training each cell."""

from __future__ import annotations

import inspect
import os
from typing import Any

import numpy as np

from nas_gym.benchmarks.trained import TrainedNB201Benchmark
from nas_gym.envs.search_env import ArchSearchEnv
from nas_gym.envs.vector import ArchSearchVectorEnv
from nas_gym.training.config import TrainConfig

_BENCHMARK_KWARGS = frozenset(inspect.signature(TrainedNB201Benchmark).parameters) - {"training", "dataset", "cache"}
TRAINING_KWARGS = _BENCHMARK_KWARGS | frozenset(TrainConfig.__dataclass_fields__)
"""Keywords that go to the benchmark (training and evaluation); every other one is a search kwarg."""


def _unmeasured(benchmark: TrainedNB201Benchmark) -> tuple[str, ...]:
    """Info keys that would always be NaN: test accuracy when it is not measured."""
    return () if benchmark.report_test else ("test_acc", "best_test_acc")


def _split(kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    bench = {k: v for k, v in kwargs.items() if k in TRAINING_KWARGS}
    return bench, {k: v for k, v in kwargs.items() if k not in TRAINING_KWARGS}


class NB201TrainedEnv(ArchSearchEnv):
    """Same spaces as ``NB201-cifar10-v0`` (alpha ``(6, 5)``, argmax per edge); each new cell is trained.

    Keywords of :class:`~nas_gym.benchmarks.trained.TrainedNB201Benchmark` and
    :class:`~nas_gym.training.config.TrainConfig` (``epochs=12``, ``seed``, ``train_subset``,
    ``channels``, ``report_test``, ``evaluator``, ``device``, ``results_db``, ...) configure the
    training; the rest are :class:`~nas_gym.envs.core.SearchConfig` fields. ``info`` adds
    ``params`` (M), ``train_seconds`` and ``train_status`` to the usual keys.
    """

    def __init__(
        self,
        dataset: str = "cifar10",
        cache: str | os.PathLike | None = None,
        render_mode: str | None = None,
        **kwargs: Any,
    ):
        bench, search = _split(kwargs)
        super().__init__(TrainedNB201Benchmark(dataset, cache, **bench), render_mode=render_mode, **search)

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        obs, reward, terminated, truncated, info = super().step(action)
        for key in _unmeasured(self.benchmark):
            del info[key]
        return obs, reward, terminated, truncated, info

    def _describe_best(self) -> str:
        t = self.core.tracker
        result = self.benchmark.results_for(t.best_codes[:1])[0]
        test = f" test_acc={result.test_acc:.2f}" if self.benchmark.report_test else ""
        return (
            f"best by {self.core.signal}: {self.core.signal}={t.best_score[0]:.2f}{test} "
            f"params={result.params / 1e6:.6f}M "
            f"trained {result.train_seconds:.1f}s ({result.status}) after {t.steps[0]} queries ({t.unique[0]} unique)\n"
            f"{result.arch}\n"
        )


class NB201TrainedVectorEnv(ArchSearchVectorEnv):
    """``num_envs`` searches; each step trains the batch's new cells together (in parallel with ``evaluator="ray"``)."""

    def __init__(
        self, num_envs: int = 1, dataset: str = "cifar10", cache: str | os.PathLike | None = None, **kwargs: Any
    ):
        bench, search = _split(kwargs)
        super().__init__(TrainedNB201Benchmark(dataset, cache, **bench), num_envs=num_envs, **search)

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        obs, reward, terminated, truncated, info = super().step(actions)
        for key in _unmeasured(self.core.benchmark):
            del info[key]
        return obs, reward, terminated, truncated, info
