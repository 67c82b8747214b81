"""The benchmark contract: a batched blackbox from architectures to metric values.

In the spirit of Syne Tune's blackbox repository and HPOBench: one interface for tables,
surrogates, predictors and live training. Envs, agents and the harness see only this.
Accuracies are always in percent; costs carry their unit in the metric name's docs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from nas_gym.spaces.base import SearchSpace


class Benchmark(ABC):
    """Evaluates batches of architectures of one search space.

    Attributes:
        name: e.g. ``"nb201-cifar10"``.
        search_space: the space whose op codes :meth:`query` accepts.
        metrics: every metric name :meth:`query` answers.
        default_signal: the metric that drives search unless the user names another; never a
            test-set metric (the honest protocol).
        report_metric: the metric results are reported with (e.g. 200-epoch test accuracy).
        signal_metrics: metrics defined for every architecture, so they can drive a search.
        test_metrics: metrics computed on a test set: opting into one as the search signal is
            test-set selection and is labelled as such.
        latency_devices: devices ``d`` for which ``query(archs, f"latency/{d}")`` answers (ms).
        cost_metrics: metrics that measure what a query costs (a surrogate's predicted training
            seconds, a real training's seconds); every env step reports them in ``info``.
        tabular: whether every query is a lookup of fixed per-architecture values, so an env may
            evaluate a listable space (:meth:`SearchSpace.all_codes`) once and reuse the values.
        protocol_note: what a reader of results must know about the metrics (e.g. "no test
            set: the reported accuracy is the surrogate's validation prediction"); it travels in
            every env's ``protocol`` and so into every run summary.
    """

    name: str
    search_space: SearchSpace
    metrics: tuple[str, ...]
    default_signal: str
    report_metric: str
    signal_metrics: tuple[str, ...]
    test_metrics: tuple[str, ...] = ()
    latency_devices: tuple[str, ...] = ()
    cost_metrics: tuple[str, ...] = ()
    tabular: bool = False
    protocol_note: str = ""

    @classmethod
    def extra_kwargs(cls) -> frozenset[str]:
        """Constructor keywords beyond the named parameters (taken through ``**kwargs``), for env kwarg routing."""
        return frozenset()

    @property
    def report_measured(self) -> bool:
        """Whether ``report_metric`` is measured at all (a trained benchmark may skip the test set)."""
        return True

    def query_many(self, archs: np.ndarray, metrics: Sequence[str]) -> dict[str, np.ndarray]:
        """The one query entry point: values of every metric in ``metrics`` for a batch of
        architectures (op codes ``(n, code_length)``), checked here, computed by :meth:`_query`."""
        for m in metrics:
            self.check_metric(m)
        return self._query(archs, tuple(metrics))

    def query(self, archs: np.ndarray, metric: str) -> np.ndarray:
        """Shorthand for one metric: ``query_many(archs, [metric])[metric]``."""
        return self.query_many(archs, (metric,))[metric]

    @abstractmethod
    def _query(self, archs: np.ndarray, metrics: tuple[str, ...]) -> dict[str, np.ndarray]:
        """Compute known ``metrics`` of a batch in one pass (shared decoding, one surrogate call)."""

    def optimum(self, metric: str) -> float | None:
        """Best value of ``metric`` over the whole space, or ``None`` when it is unknown."""
        return None

    def arch_info(self, archs: np.ndarray) -> dict[str, np.ndarray]:
        """Extra per-architecture values for the env's ``info``: identifiers (the NB201 index) or
        costs that are not search metrics (a surrogate's predicted training time)."""
        return {}

    def check_metric(self, metric: str) -> str:
        if metric not in self.metrics:
            raise ValueError(f"{self.name} has no metric {metric!r}; choose one of {', '.join(self.metrics)}")
        return metric
