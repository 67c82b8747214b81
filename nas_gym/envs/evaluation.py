"""What one query yields for a search: the benchmark's values turned into signal, reward and score.

:class:`Scorer` is the single definition of that mapping. On a tabular benchmark over a
listable space (NB201's 15,625 cells) it is applied once to every architecture and each step
takes its rows by key (:meth:`Evaluation.take`): a per-architecture memo that cannot drift from
the direct path, because it is the direct path run on the whole space.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nas_gym.benchmarks.base import Benchmark
from nas_gym.envs.config import SearchConfig
from nas_gym.envs.rewards import make_reward


class Evaluation(NamedTuple):
    """Per-architecture results of a batch (one row each)."""

    extra: dict[str, np.ndarray]
    """Values ``info`` carries as they are: the benchmark's ``arch_info`` and cost metrics."""
    signal: np.ndarray
    report: np.ndarray
    reward: np.ndarray
    score: np.ndarray
    """The signal as ranked by the tracker: ``-inf`` for an architecture over the latency limit."""
    latency: np.ndarray | None

    def take(self, rows: np.ndarray) -> Evaluation:
        """The evaluation of ``rows`` (fresh arrays: callers may change them in place)."""
        return Evaluation(
            {k: v[rows] for k, v in self.extra.items()},
            self.signal[rows],
            self.report[rows],
            self.reward[rows],
            self.score[rows],
            None if self.latency is None else self.latency[rows],
        )


class Scorer:
    """Evaluates op codes on ``benchmark`` under the resolved search config ``cfg``."""

    def __init__(self, benchmark: Benchmark, cfg: SearchConfig):
        self.benchmark, self.cfg = benchmark, cfg
        self.signal: str = cfg.signal or benchmark.default_signal
        self.reward_fn = make_reward(cfg.reward, cfg.acc_env)
        self.latency_metric = f"latency/{cfg.latency_device}" if cfg.latency_device else None
        wanted = [self.signal, benchmark.report_metric, self.latency_metric, *benchmark.cost_metrics]
        self.metrics = tuple(dict.fromkeys(m for m in wanted if m is not None))

    def __call__(self, codes: np.ndarray) -> Evaluation:
        b, cfg = self.benchmark, self.cfg
        values = {**b.arch_info(codes), **b.query_many(codes, self.metrics)}
        signal, report = values[self.signal], values[b.report_metric]
        reward = self.reward_fn(signal / 100.0)
        score = signal.astype(float)
        latency = values[self.latency_metric] if self.latency_metric else None
        if latency is not None and cfg.latency_limit_ms is not None:
            infeasible = latency > cfg.latency_limit_ms
            reward = np.where(infeasible, self.reward_fn(np.zeros_like(signal)), reward)
            score = np.where(infeasible, -np.inf, score)
        if latency is not None and cfg.latency_weight is not None:
            reward = reward - cfg.latency_weight * latency
        extra = {k: v for k, v in values.items() if k not in self.metrics or k in b.cost_metrics}
        return Evaluation(extra, signal, report, reward.astype(float), score, latency)

    def tabulate(self) -> Evaluation | None:
        """Every architecture's evaluation in key order, when the benchmark is a table over a listable space."""
        codes = self.benchmark.search_space.all_codes() if self.benchmark.tabular else None
        return None if codes is None else self(codes)
