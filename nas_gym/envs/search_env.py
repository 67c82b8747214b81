"""One architecture search as a Gymnasium episode: each step proposes and evaluates one architecture."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from nas_gym.benchmarks.base import Benchmark
from nas_gym.envs.api import SearchEnvAPI
from nas_gym.envs.config import SearchConfig
from nas_gym.envs.core import SearchCore
from nas_gym.envs.families import build
from nas_gym.envs.infos import StepInfos
from nas_gym.envs.scalar import ScalarSearch, serves

_ONE_ROW = np.zeros(1, np.int64)
_ONE_ROW.flags.writeable = False


class ArchSearchEnv(SearchEnvAPI, gym.Env[np.ndarray, np.ndarray]):
    """L2NAS-style search env over any benchmark family (``benchmark="nb201"``, ``"nb301"``, ...).

    Action: alpha in ``Box(-1, 1, (alpha_dim,))`` (``alpha = (a + 1) / 2``), discretized by the
    search space; or op codes with ``action_type="discrete"``. Observation: the mean one-hot of
    the top-K architectures seen so far, ranked by the signal. Reward: ``reward(signal / 100)``.
    The episode is one search: it truncates when the query budget is spent and never
    terminates (reaching the optimum must not leak test accuracy).

    Keyword arguments that are :class:`~nas_gym.envs.config.SearchConfig` fields shape the
    search; the others go to the family's benchmark (``dataset``, ``cache``, ``epoch``, ...);
    an unknown one raises ``TypeError``. ``info["arch"]`` is the space's ``to_string`` form on
    every family; spaces with a structured form add it under their own key (DARTS
    ``genotype``, OFA ``arch_dict``) and ``best_<key>``.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, benchmark: str | Benchmark = "nb201", render_mode: str | None = None, **kwargs: Any):
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode={render_mode!r} is not supported; use None or 'ansi'")
        self.render_mode = render_mode
        bench, search = build(benchmark, kwargs)
        self._core = SearchCore(bench, SearchConfig(**search), num_envs=1)
        self.action_space = self._core.single_action_space
        self.observation_space = self._core.single_observation_space
        self._infos = StepInfos(self._core.space, 1)
        # a table's search runs in Python scalars (same results, a fraction of numpy's per-call cost)
        self._scalar = ScalarSearch(self._core) if serves(self._core) else None

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        if self._scalar is not None:
            return self._scalar.reset(), {"protocol": self._core.protocol}
        obs = self._core.reset(None, self.np_random)
        self._infos.reset()
        return obs[0], {"protocol": self._core.protocol}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        if self._scalar is not None:
            return self._scalar.step(action)
        obs, reward, truncated, batch = self._core.step(action, single=True)
        self._infos.update_best(batch, _ONE_ROW)
        info = self._infos.build(batch, _ONE_ROW)[0]
        return obs[0], reward.tolist()[0], False, truncated.tolist()[0], info

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        t = self._scalar if self._scalar is not None else self._core.tracker
        best_signal, best_report = float(np.asarray(t.best_signal_acc).flat[0]), np.asarray(t.best_report_acc).flat[0]
        if np.isneginf(best_signal):
            return "no architecture evaluated yet\n"
        codes = np.asarray(t.best_codes).reshape(1, -1)
        steps, unique = np.asarray(t.steps).flat[0], np.asarray(t.unique).flat[0]
        extra = "".join(f" {k}={_fmt(v[0])}" for k, v in self.benchmark.arch_info(codes).items())
        report = self.benchmark.report_metric
        shown = f" {report}={best_report:.2f}" if self.benchmark.report_measured and report != self.signal else ""
        return (
            f"best by {self.signal}: {self.signal}={best_signal:.2f}{shown}{extra} after {steps} "
            f"queries ({unique} unique)\n{self.search_space.describe(codes[0])}\n"
        )


def _fmt(value: Any) -> str:
    if isinstance(value, np.integer | int):
        return str(int(value))
    if isinstance(value, np.floating | float):
        return f"{float(value):.6g}"
    return str(value)
