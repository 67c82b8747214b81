"""The search logic shared by the single and the vector env: decode actions, query, reward, state.

Everything is batched over ``num_envs`` parallel searches, so ``gym.make_vec`` answers N envs
with one benchmark query and the single env is the same code with N = 1. For that one row,
numpy's fixed cost per call is the whole cost, so the step makes few calls: actions are checked
once and later helpers trust them, the architecture key is computed once, a tabular benchmark is
evaluated once for the whole space (:mod:`nas_gym.envs.evaluation`), and the tracker touches its
top-K only when an architecture enters it.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np
from gymnasium import spaces

from nas_gym.benchmarks.base import Benchmark
from nas_gym.envs.config import SearchConfig
from nas_gym.envs.evaluation import Scorer
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
        self.scorer = Scorer(benchmark, cfg)
        self.signal, self.metrics = self.scorer.signal, self.scorer.metrics
        self.table = self.scorer.tabulate()
        """Every architecture's evaluation by key (tabular benchmarks over listable spaces), else ``None``."""
        self._regret_of: np.ndarray | None = None  # the best_report_acc array _regret_value belongs to
        self._regret_value = np.zeros(0)
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
        num_archs = None if self.table is None else len(self.table.signal)  # a table's keys are 0 .. n - 1
        one_hots = None if self.table is None else self._one_hots_by_key
        self.tracker = SearchTracker(self.num_envs, dim, self.space.code_length, slots, num_archs, one_hots)
        self.alpha = np.zeros((self.num_envs, dim))
        # the settings every step reads, looked up once (attribute chains cost as much as small numpy calls)
        self._discrete, self._delta = cfg.action_type == "discrete", cfg.action_mode == "delta"
        self._action_shape = (self.num_envs, *self.single_action_space.shape)
        self._alpha_shape = (self.num_envs, *self.space.alpha_shape)
        self._report, self._unique_budget = benchmark.report_measured, cfg.budget == "unique"
        self.keys = np.zeros(0, dtype=np.int64)
        """The architecture keys of the last :meth:`step`'s rows (infos gather strings by them)."""

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
        if self._delta:
            return np.concatenate([state, self.alpha.astype(np.float32)], axis=1)
        return state

    # -- actions ---------------------------------------------------------------------------------
    def check(self, actions: object, single: bool = False) -> np.ndarray:
        """``actions`` as a numeric array of the batch shape ``(num_envs, ...)``, or with ``single``
        of one search's action shape: the one validation of shape and type a step makes."""
        shape = self.single_action_space.shape if single else self._action_shape
        try:
            a = np.asarray(actions)
        except ValueError:  # a ragged nested list
            raise ValueError(f"actions must be a rectangular array of shape {shape}") from None
        if a.shape != shape:
            raise ValueError(f"actions must have shape {shape}, got {a.shape}")
        if a.dtype.kind not in "fiu":
            raise ValueError(f"actions must be numeric, got dtype {a.dtype}")
        return a

    def decode(self, actions: object, single: bool = False) -> np.ndarray:
        """Validate a batch of actions ``(num_envs, ...)`` (or one action, with ``single``) and
        return op codes ``(num_envs, L)``."""
        a = self.check(actions, single)
        if single:
            a = a[None]
        if self._discrete:
            return self.decode_discrete(a)
        a = unit_box(a)
        if self._delta:
            self.alpha = np.clip(self.alpha + self.config.delta_step * a, 0.0, 1.0)
        else:
            self.alpha = (a + 1.0) / 2.0
        return self.space.discretize(self.alpha.reshape(self._alpha_shape))

    def decode_discrete(self, a: np.ndarray) -> np.ndarray:
        """Op codes of checked (:meth:`check`) discrete actions, refusing non-integers and codes out of range."""
        nvec = cast(spaces.MultiDiscrete, self.single_action_space).nvec  # discrete actions: a MultiDiscrete
        if a.dtype.kind == "f":
            if not np.array_equal(a, np.round(a)):
                raise ValueError("discrete actions must be whole numbers")
            outside = not np.isfinite(a).all() or (a < 0).any() or (a >= nvec).any()
        else:  # negative integers wrap to huge unsigned ones: one comparison checks both bounds
            outside = (a.astype(np.uint64) >= nvec).any()
        if outside:
            raise ValueError(f"discrete actions must lie in [0, {nvec.tolist()})")
        return a.astype(np.int64)

    # -- one step of every search -------------------------------------------------------------
    def step(
        self, actions: object, rows: np.ndarray | None = None, single: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Query the architectures of ``actions`` for the searches in ``rows`` (all when ``None``).

        Every action is validated, but only those of ``rows`` are evaluated: a vector env that
        restarts some searches on this step must not spend (or report) their queries. With
        ``single``, ``actions`` is the one action of a one-search core. Returns the observation
        of every search, and reward, truncation and info arrays for ``rows`` only.
        """
        codes = self.decode(actions, single)
        if rows is not None:
            rows = np.asarray(rows)
            codes = codes[rows]
        self.keys = keys = self.space.key_of_valid(codes)
        ev = self.scorer(codes) if self.table is None else self.table.take(keys)
        t = self.tracker
        is_new, _ = t.record(keys, codes, lambda at: self._one_hot(keys, codes, at), ev.score, ev.report, rows)
        # the tracker's reported arrays are read-only and replaced on change: the 1-D ones are
        # shared, not copied (infos turn them into Python scalars or new batched arrays)
        steps, unique = _rows_of(t.steps, rows), _rows_of(t.unique, rows)
        if self._unique_budget:
            truncated = (unique >= self.config.max_queries) | (steps >= self.config.step_cap)
        else:
            truncated = steps >= self.config.max_queries
        info = {
            **ev.extra,
            "codes": codes,
            "signal_acc": ev.signal,
            "best_codes": t.best_codes.copy() if rows is None else t.best_codes[rows],  # rows reach infos as views
            "best_key": _rows_of(t.best_key, rows),
            "best_signal_acc": _rows_of(t.best_signal_acc, rows),
            "unique_queries": unique,
            "is_new": is_new,
        }
        if self._report:
            info["report_acc"] = ev.report
            info["best_report_acc"] = best = _rows_of(t.best_report_acc, rows)
            if self.report_optimum is not None:
                info["regret"] = self._regret(best)
        if ev.latency is not None:
            info["latency_ms"] = ev.latency
        return self.observation(), ev.reward, truncated, info

    def _regret(self, best_report: np.ndarray) -> np.ndarray:
        """``report_optimum - best_report``, reused (read-only) while the tracker's best is the same array."""
        if best_report is not self._regret_of:  # holding the array keeps its identity from being reused
            regret = self.report_optimum - best_report
            regret.flags.writeable = False
            self._regret_of, self._regret_value = best_report, regret
        return self._regret_value

    def _one_hot(self, keys: np.ndarray, codes: np.ndarray, at: np.ndarray | slice) -> np.ndarray:
        """Flat one-hot of the architectures at ``at`` of a step's batch (the tracker asks for them
        only without a table: with one, it reads :meth:`_one_hots_by_key`)."""
        picked = codes[at]
        return self.space.one_hot(picked).reshape(len(picked), -1)

    def _one_hots_by_key(self) -> np.ndarray:
        """Every architecture's flat one-hot, by key (a table exists only over a listable space)."""
        every = self.space.all_codes()
        if every is None:
            raise RuntimeError(f"the {self.space.name} space lists no architectures, yet a table was built")
        return self.space.one_hot(every).reshape(len(every), -1)


def _rows_of(a: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    return a if rows is None else a[rows]


def unit_box(a: np.ndarray) -> np.ndarray:
    """Checked continuous actions clipped into [-1, 1]; refuses NaN and inf."""
    if in_unit_box(a):  # the usual actions need neither the finiteness check nor the clip
        return a
    if not np.isfinite(a).all():
        raise ValueError("actions contain NaN or inf")
    return np.clip(a, -1.0, 1.0)


def in_unit_box(a: np.ndarray) -> bool:
    """Whether every entry lies in [-1, 1] (NaN does not). For a few entries, Python's sum, min and
    max over the list beat numpy's fixed cost per call several times over; a finite sum rules out
    NaN and inf, which would make min and max unreliable."""
    if a.size > 64:
        return bool((abs(a) <= 1.0).all())
    entries = a.ravel().tolist()
    return math.isfinite(sum(entries)) and min(entries) >= -1.0 and max(entries) <= 1.0
