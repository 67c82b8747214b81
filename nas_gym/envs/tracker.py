"""Per-episode bookkeeping of N parallel searches, batched in numpy.

Holds, for each search: the set of architectures seen (for unique counting), the top-K
distinct architectures by signal (whose mean one-hot is the L2NAS state), and the best
architecture by signal. The paper leaves two details open; the choices here:

* the top-K holds *distinct* architectures (a repeated query cannot fill several slots);
* while fewer than K exist, the state is the mean over those that do; before any, zeros.
Ties keep the architecture that was found first. Before any (feasible) architecture, the best
signal and reported values are ``-inf``: the maximum over nothing, and never NaN, so infos of
equal seeds compare equal.
"""

from __future__ import annotations

import numpy as np


class SearchTracker:
    def __init__(self, num_envs: int, alpha_dim: int, code_length: int, top_k: int):
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k}")
        self.num_envs, self.alpha_dim, self.top_k = num_envs, alpha_dim, top_k
        self.topk_score = np.full((num_envs, top_k), -np.inf)
        self.topk_onehot = np.zeros((num_envs, top_k, alpha_dim))
        self.onehot_sum = np.zeros((num_envs, alpha_dim))
        self.topk_count = np.zeros(num_envs, dtype=np.int64)
        self.best_signal_acc = np.full(num_envs, -np.inf)
        self.best_report_acc = np.full(num_envs, -np.inf)
        self.best_codes = np.zeros((num_envs, code_length), dtype=np.int64)
        self.best_key = np.zeros(num_envs, dtype=np.int64)  # meaningful once best_signal_acc > -inf
        self.steps = np.zeros(num_envs, dtype=np.int64)
        self.unique = np.zeros(num_envs, dtype=np.int64)
        self.seen: list[set[int]] = [set() for _ in range(num_envs)]

    def reset(self, which: np.ndarray | None = None) -> None:
        """Forget the searches in ``which`` (boolean mask; all when ``None``)."""
        sel = slice(None) if which is None else which
        self.topk_score[sel] = -np.inf
        self.topk_onehot[sel] = 0.0
        self.onehot_sum[sel] = 0.0
        self.topk_count[sel] = 0
        self.best_signal_acc[sel] = -np.inf
        self.best_report_acc[sel] = -np.inf
        self.best_codes[sel] = 0
        self.best_key[sel] = 0
        self.steps[sel] = 0
        self.unique[sel] = 0
        for i in range(self.num_envs) if which is None else np.flatnonzero(which):
            self.seen[i] = set()

    def record(
        self,
        keys: np.ndarray,
        codes: np.ndarray,
        onehot: np.ndarray,
        score: np.ndarray,
        report: np.ndarray,
        rows: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Record one query for each search in ``rows`` (all when ``None``; the arrays hold one entry
        per row). ``keys`` are the space's unique architecture keys; ``score`` is the signal
        (``-inf`` = infeasible, never ranked). Searches outside ``rows`` are left untouched, so a
        vector env can step some searches while others restart.

        Returns ``(is_new, improved)`` boolean arrays, one entry per row.
        """
        rows = np.arange(self.num_envs) if rows is None else np.asarray(rows)
        pairs = zip(rows.tolist(), keys.tolist(), strict=True)
        is_new = np.fromiter((self._add(i, k) for i, k in pairs), bool, len(rows))
        self.steps[rows] += 1
        self.unique[rows] += is_new
        slot = self.topk_score[rows].argmin(axis=1)
        enter = is_new & (score > self.topk_score[rows, slot])
        if enter.any():
            r, s = rows[enter], slot[enter]
            self.topk_count[r] += np.isneginf(self.topk_score[r, s])
            self.onehot_sum[r] += onehot[enter] - self.topk_onehot[r, s]
            self.topk_score[r, s] = score[enter]
            self.topk_onehot[r, s] = onehot[enter]
        improved = score > self.best_signal_acc[rows]
        if improved.any():
            r = rows[improved]
            self.best_signal_acc[r] = score[improved]
            self.best_report_acc[r] = report[improved]
            self.best_codes[r] = codes[improved]
            self.best_key[r] = keys[improved]
        return is_new, improved

    def _add(self, i: int, key: int) -> bool:
        seen = self.seen[i]
        if key in seen:
            return False
        seen.add(key)
        return True

    def state(self) -> np.ndarray:
        """Mean one-hot of each search's top-K, ``(num_envs, alpha_dim)`` float32."""
        count = np.maximum(self.topk_count, 1)[:, None]
        return (self.onehot_sum / count).astype(np.float32)
