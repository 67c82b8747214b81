"""The ``info`` of a step: one dict per search (single env), or batched as Gymnasium batches it (vector env).

The vector env reports exactly what ``SyncVectorEnv`` over single envs reports
(``VectorEnv._add_info``: one array per key, a ``_key`` mask of the searches that have it,
nested dicts batched key by key; the array's dtype is the Python type of the single env's
value). It builds that batch column by column in numpy instead of dict by dict, which keeps
large batches fast; the contract tests check both forms are identical.
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np

from nas_gym.spaces.base import SearchSpace


class StepInfos:
    """Info of the searches of one :meth:`SearchCore.step` (whose batched arrays hold ``rows``).

    Besides the arrays of the step, each search's info holds ``arch`` (the space's string form)
    and the space's structured form (DARTS ``genotype``, OFA ``arch_dict``), and the same forms of
    its best architecture so far under ``best_<key>``. The best forms are cached per search and
    rebuilt only when the best changes; :meth:`update_best` must run once per step, before
    :meth:`build` or :meth:`batched`. The best strings are kept in one object array, so a batch
    gathers them with one index instead of one Python call per search.
    """

    def __init__(self, space: SearchSpace, num_envs: int):
        self.space = space
        self._best_key = np.zeros(num_envs, dtype=np.int64)  # the key whose forms are cached ...
        self._has_best = np.zeros(num_envs, dtype=bool)  # ... once the search has a best
        self._best_arch: np.ndarray = np.full(num_envs, "", dtype=object)  # strings: never copied
        self._best_structured: list[Any] = [{}] * num_envs  # the structured form, when the space has one
        self._strings = _strings_by_key(space) if num_envs > 1 else None  # a batch gathers them by key

    def reset(self, which: np.ndarray | None = None) -> None:
        """Forget the best of the searches in ``which`` (boolean mask; all when ``None``)."""
        sel = slice(None) if which is None else which
        self._has_best[sel] = False
        self._best_arch[sel] = ""
        if self.space.structured_key:
            for i in range(len(self._best_structured)) if which is None else np.flatnonzero(which):
                self._best_structured[i] = {}

    def forms(self, codes: np.ndarray | None) -> dict[str, Any]:
        """``arch`` (string) and the structured form of ``codes`` (one row); empty values for ``None``."""
        key = self.space.structured_key
        if codes is None:
            return {"arch": "", **({key: {}} if key else {})}
        codes = codes[None]
        return {"arch": self.space.to_string(codes)[0], **({key: self.space.to_structured(codes)[0]} if key else {})}

    def update_best(self, batch: dict[str, np.ndarray], rows: np.ndarray) -> None:
        """Refresh the cached best forms of the searches whose best changed in this step."""
        keys = batch["best_key"]  # keys may be any int64 (hashes): a -inf signal marks "no best yet"
        has = batch["best_signal_acc"] != -np.inf  # as ~isneginf, without its wrapper's cost per step
        changed = (has & (~self._has_best[rows] | (keys != self._best_key[rows]))).nonzero()[0]
        if not len(changed):  # the usual step: no best changed
            return
        key = self.space.structured_key
        if self._strings is not None and not key:  # a listable space: the strings of every key exist
            self._best_arch[rows[changed]] = self._strings[keys[changed]]
            self._best_key[rows[changed]], self._has_best[rows[changed]] = keys[changed], True
            return
        for j in changed.tolist():
            forms = self.forms(batch["best_codes"][j])
            self._best_arch[rows[j]] = forms["arch"]
            if key:
                self._best_structured[rows[j]] = forms[key]
        self._best_key[rows[changed]], self._has_best[rows[changed]] = keys[changed], True

    def build(self, batch: dict[str, np.ndarray], rows: np.ndarray) -> list[dict[str, Any]]:
        """One info dict per search of ``rows``."""
        infos = []
        # one tolist() per column gives each row's Python scalar (what .item() gives) at a fraction of the cost
        columns = {k: v.tolist() if v.ndim == 1 else v for k, v in batch.items()}
        key = self.space.structured_key
        for j, i in enumerate(rows.tolist()):
            info: dict[str, Any] = {k: c[j] for k, c in columns.items()}
            info.update(self.forms(batch["codes"][j]))
            info["best_arch"] = self._best_arch[i]
            if key:
                info[f"best_{key}"] = deep_copy(self._best_structured[i])  # never shared between infos
            infos.append(info)
        return infos

    def batched(
        self, batch: dict[str, np.ndarray], pick: np.ndarray, rows: np.ndarray, n: int, keys: np.ndarray
    ) -> dict[str, Any]:
        """The batched info of the searches ``rows[pick]`` (``pick`` indexes the step's arrays, and
        ``keys`` are the step's architecture keys), over ``n`` searches."""
        at = rows[pick]
        out: dict[str, Any] = {}
        if not len(at):
            return out  # a key no search reports is absent, as in SyncVectorEnv
        # the usual step reports every search: the step's arrays are the columns (copied, as
        # _add_info's are fresh), every mask is all True, and nothing is gathered or scattered
        every = len(at) == n
        mask = np.ones(n, dtype=bool) if every else _mask(at, n)
        for k, v in batch.items():
            out[k], out[f"_{k}"] = _full_column(v) if every else _column(v[pick], at, n), mask.copy()
        if self._strings is not None:
            arch = self._strings[keys] if every else _scattered(self._strings[keys[pick]], at, n)
        else:
            arch = objects(self.space.to_string(batch["codes"][pick]), at, n)
        out["arch"], out["_arch"] = arch, mask.copy()
        key = self.space.structured_key
        if key:
            put(out, key, list(self.space.to_structured(batch["codes"][pick])), at, n)
        out["best_arch"] = self._best_arch.copy() if every else _scattered(self._best_arch[at], at, n)
        out["_best_arch"] = mask.copy()
        if key:
            put(out, f"best_{key}", [deep_copy(self._best_structured[i]) for i in at.tolist()], at, n)
        return out


def deep_copy(value: Any) -> Any:
    """A deep copy of a structured form (a tree of lists, tuples, dicts, strings and numbers, built
    by the env itself): pickle's C round trip, five times faster than ``copy.deepcopy`` on a DARTS
    genotype, and never given outside data."""
    return pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


def _strings_by_key(space: SearchSpace) -> np.ndarray | None:
    """``to_string`` of every architecture by key (an object array), for a listable space."""
    every = space.all_codes()
    if every is None:
        return None
    strings = np.empty(len(every), dtype=object)
    strings[space.key_of_valid(every)] = space.to_string(every)
    return strings


_PYTHON_TYPE = {"b": bool, "i": int, "u": int, "f": float}
"""The Python type of a single env's ``.item()`` of each numpy kind: the dtype ``_add_info`` gives its column."""


def _column(v: np.ndarray, at: np.ndarray, n: int) -> np.ndarray:
    """The ``n``-row array ``_add_info`` makes of the single envs' ``v[j].item()`` (or ``v[j]``) values."""
    if v.ndim == 1:
        dtype = _PYTHON_TYPE.get(v.dtype.kind)
        if dtype is None:
            return objects(v.tolist(), at, n)
        full: np.ndarray = np.zeros(n, dtype=dtype)
    else:
        full = np.zeros((n, *v.shape[1:]), dtype=v.dtype)
    full[at] = v
    return full


def _full_column(v: np.ndarray) -> np.ndarray:
    """:func:`_column` of every search: ``v`` itself, copied into the dtype ``_add_info`` gives it."""
    if v.ndim != 1:
        return v.copy()
    dtype = _PYTHON_TYPE.get(v.dtype.kind)
    return np.fromiter(v.tolist(), dtype=object, count=len(v)) if dtype is None else v.astype(dtype)


def _mask(at: np.ndarray, n: int) -> np.ndarray:
    """The ``_key`` mask of the searches ``at``: ``True`` there."""
    mask = np.zeros(n, dtype=bool)
    mask[at] = True
    return mask


def _scattered(values: np.ndarray, at: np.ndarray, n: int) -> np.ndarray:
    """An ``n``-row object array holding the object array ``values`` at ``at`` (``None`` elsewhere)."""
    full = np.full(n, None, dtype=object)
    full[at] = values
    return full


def objects(values: list, at: np.ndarray, n: int) -> np.ndarray:
    """An ``n``-row object array holding ``values`` at ``at`` (``None`` elsewhere)."""
    if len(values) != len(at):
        raise ValueError(f"{len(values)} values for {len(at)} rows")
    full = np.full(n, None, dtype=object)
    full[at] = np.fromiter(values, dtype=object, count=len(values))  # one by one: sequences stay whole
    return full


def add_column(out: dict[str, Any], key: str, column: Any, at: np.ndarray, n: int) -> None:
    """Set ``out[key]`` and its ``_key`` mask (``True`` at ``at``)."""
    out[key], out[f"_{key}"] = column, _mask(at, n)


def put(out: dict[str, Any], key: str, values: list, at: np.ndarray, n: int) -> None:
    """Batch Python values (one per search in ``at``) as ``_add_info`` does: nested dicts key by key,
    numbers into an array of their type, arrays stacked, anything else in an object array."""
    first = values[0]
    if isinstance(first, dict):
        nested: dict[str, Any] = {}
        for k in dict.fromkeys(k for v in values for k in v):
            has = [j for j, v in enumerate(values) if k in v]
            put(nested, k, [values[j][k] for j in has], at[has], n)
        add_column(out, key, nested, at, n)
        return
    if type(first) in (int, float, bool) or isinstance(first, np.number):
        column = np.zeros(n, dtype=type(first))
    elif isinstance(first, np.ndarray):
        column = np.zeros((n, *first.shape), dtype=first.dtype)
    else:
        add_column(out, key, objects(values, at, n), at, n)
        return
    for i, value in zip(at.tolist(), values, strict=True):
        column[i] = value
    add_column(out, key, column, at, n)
