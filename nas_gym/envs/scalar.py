"""The single env's step on a tabular benchmark, in Python scalars instead of one-row numpy arrays.

:class:`~nas_gym.envs.core.SearchCore` is batched; with N = 1 numpy's fixed cost per call (a
microsecond or so, dozens of calls per step) is nearly the whole step. Over a table every
architecture's evaluation is known in advance, so :class:`ScalarSearch` turns the core's
whole-space :class:`~nas_gym.envs.evaluation.Evaluation` into Python lists by key and keeps one
search's state in Python numbers: a step is a few list lookups, a set membership test and, only
when an architecture enters the top-K, two small numpy operations. It is the same search as the
core's, value for value and type for type (``tests/test_step_pinned.py`` pins both paths to the
same digests), for the configurations it serves (:func:`serves`); the single env runs every other
one through the core.
"""

from __future__ import annotations

import functools
import heapq
import math
from typing import Any

import numpy as np

from nas_gym.envs.core import SearchCore, unit_box
from nas_gym.spaces.nb201 import NB201SearchSpace


def serves(core: SearchCore) -> bool:
    """Whether the scalar step covers ``core``'s search: NB201's table (the listable space whose
    discretization it reproduces in Python) with absolute actions."""
    return core.table is not None and core.config.action_mode == "absolute" and isinstance(core.space, NB201SearchSpace)


@functools.cache
def _nb201_by_key() -> tuple[dict[tuple[int, ...], int], np.ndarray, list[str], np.ndarray]:
    """NB201's cells by key: the key of each op-code tuple, op codes, strings and flat one-hots.
    Built once per process (about 30 ms), so a further ``gym.make`` costs milliseconds."""
    space = NB201SearchSpace()
    every = space.all_codes()
    keys = space.key_of_valid(every)
    order = np.argsort(keys)
    key_of = dict(zip(map(tuple, every.tolist()), keys.tolist(), strict=True))
    codes, one_hots = every[order], space.one_hot(every[order]).reshape(len(every), -1)
    codes.flags.writeable = one_hots.flags.writeable = False
    return key_of, codes, space.to_string(codes), one_hots


class ScalarSearch:
    """One search over ``core``'s table (see :func:`serves`); ``step`` returns what the single env returns."""

    def __init__(self, core: SearchCore):
        if not serves(core):
            raise ValueError("ScalarSearch serves NB201's table with absolute actions")
        table = core.table
        assert table is not None  # serves() checked it; the assert narrows the type
        self.core, self.space, cfg = core, core.space, core.config
        self._key_of, self._codes, self._arch, self._one_hots = _nb201_by_key()
        self._extra = {k: v.tolist() for k, v in table.extra.items()}
        self._signal, self._reward, self._score = table.signal.tolist(), table.reward.tolist(), table.score.tolist()
        self._report = table.report.tolist() if core.benchmark.report_measured else None
        self._latency = None if table.latency is None else table.latency.tolist()
        self._optimum = None if core.report_optimum is None else float(core.report_optimum)
        self._discrete = cfg.action_type == "discrete"
        self._edges = core.space.alpha_shape[0]
        self._unique_budget, self._max_queries, self._step_cap = cfg.budget == "unique", cfg.max_queries, cfg.step_cap
        self._slots = core.tracker.top_k
        self.reset()

    def reset(self) -> np.ndarray:
        """Start afresh; returns the first observation."""
        self.seen: set[int] = set()
        self.steps = self.unique = 0
        # (score, slot) of every top-K slot as a heap: its root is the slot an entrant replaces, the
        # lowest score and the first slot on ties, as the tracker's argmin picks it
        self.topk_heap = [(-math.inf, slot) for slot in range(self._slots)]
        self.topk_onehot = np.zeros((self._slots, self._one_hots.shape[1]))
        self.onehot_sum = np.zeros(self._one_hots.shape[1])
        self.topk_count, self.topk_slot, self.topk_min = 0, 0, -math.inf
        self.best_signal_acc = self.best_report_acc = -math.inf
        self.best_codes = np.zeros(self.space.code_length, dtype=np.int64)
        self.best_key, self.best_arch = 0, ""
        self._state = np.zeros(self._one_hots.shape[1], dtype=np.float32)
        return self._state.copy()

    def decode(self, action: Any) -> int:
        """The key of one action's architecture, checked once by :meth:`SearchCore.check`.

        A continuous action's architecture is each edge's argmax op (ties to the lowest) of
        ``alpha = (a + 1) / 2``, as :meth:`SearchCore.decode` and NB201's ``discretize`` give it,
        in fewer numpy calls: halving ``a + 1`` is exact, so it changes neither the argmax nor
        its ties.
        """
        a = self.core.check(action, single=True)
        if self._discrete:
            return self._key_of[tuple(self.core.decode_discrete(a).tolist())]
        shifted = unit_box(a) + 1.0  # refuses NaN and inf, clips what lies outside [-1, 1]
        return self._key_of[tuple(shifted.reshape(self._edges, -1).argmax(axis=1).tolist())]

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        key = self.decode(action)
        # fresh arrays of the dtype the core's decode gives: int64 for discrete actions, uint8 otherwise
        codes = self._codes[key].astype(np.int64) if self._discrete else self._codes[key].copy()
        score = self._score[key]
        self.steps += 1
        is_new = key not in self.seen
        if is_new:
            self.seen.add(key)
            self.unique += 1
            if score > self.topk_min:
                self._enter(key, score, codes)
        if self._unique_budget:
            truncated = self.unique >= self._max_queries or self.steps >= self._step_cap
        else:
            truncated = self.steps >= self._max_queries
        info = {k: column[key] for k, column in self._extra.items()}
        info.update(
            codes=codes,
            signal_acc=self._signal[key],
            best_codes=self.best_codes.copy(),
            best_key=self.best_key,
            best_signal_acc=self.best_signal_acc,
            unique_queries=self.unique,
            is_new=is_new,
        )
        if self._report is not None:
            info["report_acc"] = self._report[key]
            info["best_report_acc"] = self.best_report_acc
            if self._optimum is not None:
                info["regret"] = self._optimum - self.best_report_acc
        if self._latency is not None:
            info["latency_ms"] = self._latency[key]
        info["arch"] = self._arch[key]
        info["best_arch"] = self.best_arch
        return self._state.copy(), self._reward[key], False, truncated, info

    def _enter(self, key: int, score: float, codes: np.ndarray) -> None:
        """Put architecture ``key`` in the top-K in place of its lowest entry (first on ties), as
        :meth:`SearchTracker._enter` does, with the same float operations on the one-hot sum."""
        slot, onehot = self.topk_slot, self._one_hots[key]
        self.topk_count += self.topk_min == -math.inf
        self.onehot_sum = self.onehot_sum + (onehot - self.topk_onehot[slot])
        self.topk_onehot[slot] = onehot
        heapq.heapreplace(self.topk_heap, (score, slot))  # the root was this slot
        self.topk_min, self.topk_slot = self.topk_heap[0]
        self._state = (self.onehot_sum / max(self.topk_count, 1)).astype(np.float32)
        if score > self.best_signal_acc:
            self.best_signal_acc = score
            if self._report is not None:
                self.best_report_acc = self._report[key]
            self.best_codes = codes.astype(np.int64)
            self.best_key, self.best_arch = key, self._arch[key]
