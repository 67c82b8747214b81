"""Per-episode bookkeeping of N parallel searches, batched in numpy.

Holds, for each search: the set of architectures seen (for unique counting), the top-K
distinct architectures by signal (whose mean one-hot is the L2NAS state), and the best
architecture by signal. The paper leaves two details open; the choices here:

* the top-K holds *distinct* architectures (a repeated query cannot fill several slots);
* while fewer than K exist, the state is the mean over those that do; before any, zeros.
Ties keep the architecture that was found first. Before any (feasible) architecture, the best
signal and reported values are ``-inf``: the maximum over nothing, and never NaN, so infos of
equal seeds compare equal.

The per-search arrays a step reports (``steps``, ``unique``, ``best_*``) are read-only and never
changed in place: a change replaces the array. So a step's info can hold them without copying,
and no later step (or a caller writing into an info) can alter what an info said.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_EMPTY = -np.inf
"""The score of an empty top-K slot."""


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def _replaced(a: np.ndarray, at: np.ndarray | slice, values: np.ndarray | float) -> np.ndarray:
    """A read-only copy of ``a`` with ``values`` at ``at``."""
    out = a.copy()
    out[at] = values
    return _frozen(out)


def _any(mask: np.ndarray) -> bool:
    """``mask.any()``; a Python scan of the list is several times cheaper for the single env's one row."""
    return bool(mask.any()) if mask.size > 32 else True in mask.tolist()


SEEN_MATRIX_BYTES = 1 << 27
"""Largest ``num_envs x num_archs`` boolean matrix of seen architectures (128 MB); beyond it, sets."""


class SearchTracker:
    """Bookkeeping of ``num_envs`` searches. With ``num_archs`` (keys are ``0 .. num_archs - 1``,
    a listable space), the architectures seen are a boolean matrix, so a step of N searches
    tests and marks them with two numpy operations instead of N set lookups. With
    ``one_hot_table`` as well (a function giving every architecture's flat one-hot by key, asked
    once, on the first top-K entry), a top-K slot holds the key of its architecture instead of a
    copy of its one-hot, and an entry reads both one-hots from that shared table.

    The top-K arrays are flat, ``search * top_k + slot``: an entry reads and writes its slots
    with ``np.take`` and one flat index, several times cheaper than a two-array fancy index.
    """

    def __init__(
        self,
        num_envs: int,
        alpha_dim: int,
        code_length: int,
        top_k: int,
        num_archs: int | None = None,
        one_hot_table: Callable[[], np.ndarray] | None = None,
    ):
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k}")
        if one_hot_table is not None and num_archs is None:
            raise ValueError("a one-hot table by key needs num_archs (keys 0 .. num_archs - 1)")
        self.num_envs, self.alpha_dim, self.top_k = num_envs, alpha_dim, top_k
        self.topk_score = np.full(num_envs * top_k, -np.inf)
        self.by_key = one_hot_table is not None
        # one-hot rows of the top-K: by key, the table (and a zero row, the empty slot's); else one per slot
        self._one_hot_table, self._table_rows = one_hot_table, np.zeros((0, alpha_dim))
        self._store = None if self.by_key else np.zeros((num_envs * top_k, alpha_dim))
        self._empty_key = num_archs if num_archs is not None else 0
        self.topk_key = np.full(num_envs * top_k, self._empty_key, dtype=np.int64)  # by key: the slots' keys
        self.onehot_sum = np.zeros((num_envs, alpha_dim))
        self.topk_count = np.zeros(num_envs, dtype=np.int64)
        # the slot an entrant replaces (lowest score, first on ties) and its score, kept current
        # so a step that changes no top-K costs two comparisons instead of an argmin and a gather
        self.topk_slot = np.zeros(num_envs, dtype=np.int64)
        self.topk_min = np.full(num_envs, -np.inf)
        self._slot_base = np.arange(num_envs, dtype=np.int64) * top_k  # flat index of each search's slot 0
        self.best_signal_acc = _frozen(np.full(num_envs, -np.inf))
        self.best_report_acc = _frozen(np.full(num_envs, -np.inf))
        self.best_codes = _frozen(np.zeros((num_envs, code_length), dtype=np.int64))
        self.best_key = _frozen(np.zeros(num_envs, dtype=np.int64))  # meaningful once best_signal_acc > -inf
        self.steps = _frozen(np.zeros(num_envs, dtype=np.int64))
        self.unique = _frozen(np.zeros(num_envs, dtype=np.int64))
        use_matrix = num_archs is not None and num_envs * num_archs <= SEEN_MATRIX_BYTES
        self._num_archs = num_archs or 0
        # flat (search * num_archs + key): one take and one put test and mark a step's keys
        self.seen_matrix = np.zeros(num_envs * self._num_archs, dtype=bool) if use_matrix else None
        self._seen_base = np.arange(num_envs, dtype=np.int64) * self._num_archs
        self.seen: list[set[int]] = [] if use_matrix else [set() for _ in range(num_envs)]
        self._state: np.ndarray | None = None  # state() until the next top-K change

    def reset(self, which: np.ndarray | None = None) -> None:
        """Forget the searches in ``which`` (boolean mask; all when ``None``)."""
        sel = slice(None) if which is None else which
        slots = slice(None) if which is None else np.repeat(which, self.top_k)  # the flat slots of ``which``
        self.topk_score[slots] = -np.inf
        self.topk_key[slots] = self._empty_key
        if self._store is not None:
            self._store[slots] = 0.0
        self.onehot_sum[sel] = 0.0
        self.topk_count[sel] = 0
        self.topk_slot[sel] = 0
        self.topk_min[sel] = -np.inf
        self.best_signal_acc = _replaced(self.best_signal_acc, sel, -np.inf)
        self.best_report_acc = _replaced(self.best_report_acc, sel, -np.inf)
        self.best_codes = _replaced(self.best_codes, sel, 0)
        self.best_key = _replaced(self.best_key, sel, 0)
        self.steps = _replaced(self.steps, sel, 0)
        self.unique = _replaced(self.unique, sel, 0)
        if self.seen_matrix is not None:
            self.seen_matrix.reshape(self.num_envs, -1)[sel] = False
        else:
            for i in range(self.num_envs) if which is None else np.flatnonzero(which):
                self.seen[i] = set()
        self._state = None

    def record(
        self,
        keys: np.ndarray,
        codes: np.ndarray,
        one_hot: Callable[[np.ndarray | slice], np.ndarray],
        score: np.ndarray,
        report: np.ndarray,
        rows: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Record one query for each search in ``rows`` (all when ``None``; the arrays hold one entry
        per row). ``keys`` are the space's unique architecture keys; ``score`` is the signal
        (``-inf`` = infeasible, never ranked); ``one_hot(at)`` gives the flat one-hot of the
        architectures at ``at`` (an index array or a slice) of these arrays, asked only for those
        entering a top-K. Searches outside ``rows`` are left untouched, so a vector env can step
        some searches while others restart.

        Returns ``(is_new, improved)`` boolean arrays, one entry per row.
        """
        sel = slice(None) if rows is None else rows
        if self.seen_matrix is not None:
            flat = (self._seen_base if rows is None else self._seen_base[rows]) + keys
            is_new = ~self.seen_matrix.take(flat)
            self.seen_matrix[flat] = True
        else:
            searches = range(self.num_envs) if rows is None else rows.tolist()
            # `k in seen or seen.add(k)` is True for a repeat and None (after adding) for a new key
            seen = self.seen
            new = [not (k in seen[i] or seen[i].add(k)) for i, k in zip(searches, keys.tolist(), strict=True)]
            is_new = np.array(new, dtype=bool)
        if rows is None:
            self.steps, self.unique = _frozen(self.steps + 1), _frozen(self.unique + is_new)
        else:
            self.steps = _replaced(self.steps, rows, self.steps[rows] + 1)
            self.unique = _replaced(self.unique, rows, self.unique[rows] + is_new)
        beats = score > self.topk_min[sel]
        enter = is_new & beats
        if not _any(enter):  # nothing entered a top-K, so nothing beat a best: a best is in its top-K
            return is_new, enter
        self._enter(enter.nonzero()[0], rows, keys, score, one_hot)
        improved = score > self.best_signal_acc[sel]
        if _any(improved):
            r = improved if rows is None else rows[improved]
            self.best_signal_acc = _replaced(self.best_signal_acc, r, score[improved])
            self.best_report_acc = _replaced(self.best_report_acc, r, report[improved])
            self.best_codes = _replaced(self.best_codes, r, codes[improved])
            self.best_key = _replaced(self.best_key, r, keys[improved])
        return is_new, improved

    def _enter(
        self,
        at: np.ndarray,
        rows: np.ndarray | None,
        keys: np.ndarray,
        score: np.ndarray,
        one_hot: Callable[[np.ndarray | slice], np.ndarray],
    ) -> None:
        """Put the architectures at ``at`` of a step's arrays (of searches ``rows[at]``) in their
        top-K, in place of each one's lowest entry."""
        r = at if rows is None else rows[at]
        k = self.top_k
        flat = self._slot_base[r] + self.topk_slot.take(r)  # the slot each entrant replaces
        if self.by_key:
            table = self._table()
            new_keys = keys.take(at)
            delta = table.take(new_keys, axis=0) - table.take(self.topk_key.take(flat), axis=0)
            self.topk_key[flat] = new_keys
        else:
            assert self._store is not None  # no table: the tracker keeps the one-hots itself
            onehot = one_hot(at)
            delta = onehot - self._store.take(flat, axis=0)
            self._store[flat] = onehot
        # `x[r] = x[r] + y` runs markedly faster than numpy's in-place `x[r] += y` on a few rows
        self.topk_count[r] = self.topk_count.take(r) + (self.topk_min.take(r) == _EMPTY)
        self.onehot_sum[r] = self.onehot_sum.take(r, axis=0) + delta
        self.topk_score[flat] = score.take(at)
        scores = self.topk_score.reshape(self.num_envs, k).take(r, axis=0)
        slot = scores.argmin(axis=1)
        self.topk_slot[r] = slot
        self.topk_min[r] = scores[np.arange(len(r)), slot]
        self._state = None

    def _table(self) -> np.ndarray:
        """The one-hot table by key, float64, with a zero row (the empty slot's, key ``num_archs``) appended."""
        if not len(self._table_rows):
            assert self._one_hot_table is not None  # by_key: the function was given
            table = np.asarray(self._one_hot_table(), dtype=np.float64).reshape(self._empty_key, self.alpha_dim)
            self._table_rows = np.concatenate([table, np.zeros((1, self.alpha_dim))])
        return self._table_rows

    def state(self) -> np.ndarray:
        """Mean one-hot of each search's top-K, ``(num_envs, alpha_dim)`` float32 (a fresh array)."""
        if self._state is None:
            count = np.maximum(self.topk_count, 1)[:, None]
            self._state = (self.onehot_sum / count).astype(np.float32)
        return self._state.copy()
