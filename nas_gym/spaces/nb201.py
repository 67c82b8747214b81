"""The NAS-Bench-201 cell space: 4 nodes, 6 edges, 5 ops, 15,625 cells.

Encodings (all batched, all lossless):

* **string**: the canonical NB201 text, ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``;
* **op codes**: 6 ints in NB201 string edge order (0->1, 0->2, 1->2, 0->3, 1->3, 2->3),
  each an index into :data:`OPS` (the canonical order of the data README);
* **one-hot**: float32 ``(6, 5)``, row = edge, column = op; this is the L2NAS alpha layout;
* **index**: 0..15624 in the official NB201/NATS order. That order is not lexicographic; it
  only exists in the benchmark tables, so index conversions need the table's ``ops`` column;
* **NASLib 6-tuple**: NASLib's key order (0->1, 0->2, 0->3, 1->2, 1->3, 2->3) with its own op ids
  (0 skip, 1 none, 2 conv3x3, 3 conv1x1, 4 pool): converted explicitly, never by accident.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from nas_gym.spaces.base import SearchSpace

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
"""Canonical op order; column o of alpha is ``OPS[o]``."""

EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
"""(source, target) of each edge, in NB201 string order; row e of alpha is ``EDGES[e]``."""

NUM_ARCHS = len(OPS) ** len(EDGES)

NASLIB_OPS: tuple[str, ...] = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
_NASLIB_TO_CANON = np.array([OPS.index(op) for op in NASLIB_OPS], dtype=np.uint8)
_CANON_TO_NASLIB = np.argsort(_NASLIB_TO_CANON).astype(np.uint8)
# NASLib edge order is (0,1),(0,2),(0,3),(1,2),(1,3),(2,3); string position p holds NASLib slot _EDGE_PERM[p].
# The permutation swaps slots 2 and 3 and is its own inverse.
_EDGE_PERM = np.array([0, 1, 3, 2, 4, 5])
_BASE5 = 5 ** np.arange(len(EDGES) - 1, -1, -1, dtype=np.int64)
_BASE5_F32 = _BASE5.astype(np.float32)
"""Ranks by a float32 product, which BLAS runs several times faster than numpy's int64 dot: every
partial sum is an integer below 2**24, so the float32 result is exact."""
_OP_ID = {op: i for i, op in enumerate(OPS)}
_EYE = np.eye(len(OPS), dtype=np.float32)
_EYE.flags.writeable = False


_TOURNAMENT_MIN_SIZE = 1024
"""From this many alpha entries on, :func:`first_argmax_of_5` beats ``argmax``'s fixed cost per call."""


def first_argmax_of_5(v: np.ndarray) -> np.ndarray:
    """``v.argmax(axis=1)`` of a ``(m, 5)`` array as uint8, ties to the lowest column, by a tournament
    of whole columns in branch-free arithmetic. numpy's argmax takes a data-dependent branch per
    entry, and so do ``np.where`` and boolean-mask assignment: on random alphas they mispredict
    about half the time, and argmax over rows of 5 ran 4x slower than this (bench/env_speed.py's
    profile). The comparisons skip NaN where argmax picks the first NaN, so an input with NaN
    (seen in the maximum, which propagates it) is handed to argmax."""
    c0, c1, c2, c3, c4 = np.ascontiguousarray(v.T)  # contiguous columns: strided ufuncs run 5x slower
    m01, m23 = np.maximum(c0, c1), np.maximum(c2, c3)
    at01 = (c1 > c0).view(np.uint8)  # the later column wins only when strictly larger
    at23 = (c3 > c2).view(np.uint8) + np.uint8(2)
    at = at01 + (m23 > m01).view(np.uint8) * (at23 - at01)
    best = np.maximum(m01, m23)
    at += (c4 > best).view(np.uint8) * (np.uint8(4) - at)
    if v.dtype.kind == "f" and np.isnan(np.maximum(best, c4)).any():
        return v.argmax(axis=1).astype(np.uint8)
    return at


def _as_codes(codes: np.ndarray | Sequence) -> np.ndarray:
    arr = np.asarray(codes)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"NB201 op codes must be integers, got dtype {arr.dtype}")
    if arr.ndim == 0 or arr.shape[-1] != len(EDGES):
        raise ValueError(f"NB201 op codes must have shape (..., 6), got {arr.shape}")
    if arr.size and not _in_range(arr):
        raise ValueError(f"NB201 op codes must lie in 0..{len(OPS) - 1}")
    return arr


def _in_range(arr: np.ndarray) -> bool:
    """Whether integer codes lie in 0..4: by Python's min and max over a few rows (numpy's fixed
    cost per call would dominate), by one reduction otherwise (negatives wrap to huge unsigned)."""
    if arr.size <= 64:
        values = arr.ravel().tolist()
        return min(values) >= 0 and max(values) < len(OPS)
    return arr.astype(np.uint64, copy=False).max() < len(OPS)


def _format(row: Sequence[int]) -> str:
    a, b, c, d, e, f = (OPS[i] for i in row)
    return f"|{a}~0|+|{b}~0|{c}~1|+|{d}~0|{e}~1|{f}~2|"


@functools.cache
def _strings_by_rank() -> tuple[str, ...]:
    """Every NB201 string, by lexicographic rank: formatting is then one lookup per architecture."""
    return tuple(_format(row) for row in _all_codes().tolist())


@functools.cache
def _all_codes() -> np.ndarray:
    """Every cell's op codes, by lexicographic rank (read-only: it is shared)."""
    codes = rank_to_codes(np.arange(NUM_ARCHS))
    codes.flags.writeable = False
    return codes


def codes_to_strings(codes: np.ndarray | Sequence) -> list[str]:
    """``(n, 6)`` op codes -> list of NB201 strings."""
    arr = np.asarray(codes)
    if arr.size > 64 or arr.dtype.kind not in "iu" or arr.ndim == 0 or arr.shape[-1] != len(EDGES):
        table = _strings_by_rank()
        return [table[r] for r in codes_to_rank(arr).reshape(-1).tolist()]
    # a few rows (an env step): one dict lookup per row checks the range and formats, free of
    # numpy's fixed cost per call
    strings = _strings_by_codes()
    try:
        return [strings[row] for row in map(tuple, arr.reshape(-1, len(EDGES)).tolist())]
    except KeyError:
        _as_codes(arr)  # raises, naming the problem
        raise


@functools.cache
def _strings_by_codes() -> dict[tuple[int, ...], str]:
    return dict(zip(map(tuple, _all_codes().tolist()), _strings_by_rank(), strict=True))


def string_to_codes(arch: str) -> np.ndarray:
    """Parse one NB201 string into 6 op codes; raises ``ValueError`` naming what is wrong."""
    if not isinstance(arch, str):
        raise ValueError(f"an NB201 architecture string is expected, got {type(arch).__name__}")
    nodes = arch.split("+")
    if len(nodes) != 3:
        raise ValueError(f"an NB201 string has 3 '+'-separated nodes, got {len(nodes)}: {arch!r}")
    codes = []
    for target, node in enumerate(nodes, start=1):
        if not (node.startswith("|") and node.endswith("|")):
            raise ValueError(f"node {target} of {arch!r} must be wrapped in '|': {node!r}")
        edges = node[1:-1].split("|")
        if len(edges) != target:
            raise ValueError(f"node {target} of {arch!r} needs {target} inputs, got {len(edges)}")
        for source, edge in enumerate(edges):
            op, sep, src = edge.partition("~")
            if not sep or src != str(source):
                raise ValueError(f"edge {edge!r} of {arch!r} should read '<op>~{source}'")
            if op not in _OP_ID:
                raise ValueError(f"unknown NB201 op {op!r} in {arch!r}; ops are {OPS}")
            codes.append(_OP_ID[op])
    return np.array(codes, dtype=np.uint8)


def strings_to_codes(archs: Sequence[str]) -> np.ndarray:
    """List of NB201 strings -> ``(n, 6)`` uint8 op codes."""
    if isinstance(archs, str):
        raise ValueError("strings_to_codes takes a sequence of strings; use string_to_codes for one")
    return np.stack([string_to_codes(a) for a in archs]) if len(archs) else np.zeros((0, 6), np.uint8)


def codes_to_naslib(codes: np.ndarray) -> np.ndarray:
    """Canonical op codes -> NASLib 6-tuples (NASLib edge order and op ids)."""
    arr = _as_codes(codes)
    return _CANON_TO_NASLIB[arr[..., _EDGE_PERM]]


def naslib_to_codes(naslib: np.ndarray | Sequence) -> np.ndarray:
    """NASLib 6-tuples -> canonical op codes."""
    arr = _as_codes(naslib)
    return _NASLIB_TO_CANON[arr][..., _EDGE_PERM]


def codes_to_rank(codes: np.ndarray | Sequence) -> np.ndarray:
    """Lexicographic base-5 rank of op codes (0..15624); unrelated to the official index."""
    return _rank_of_valid(_as_codes(codes))


def _rank_of_valid(codes: np.ndarray) -> np.ndarray:
    return (codes @ _BASE5_F32).astype(np.int64)


def rank_to_codes(rank: np.ndarray) -> np.ndarray:
    """Inverse of :func:`codes_to_rank`."""
    r = np.asarray(rank, dtype=np.int64)
    return ((r[..., None] // _BASE5) % len(OPS)).astype(np.uint8)


class NB201SearchSpace(SearchSpace):
    """NB201 encodings plus, when the benchmark table is given, the official index.

    Args:
        index_codes: ``(15625, 6)`` op codes of every official index, in index order (from the
            imported table). Without it, everything but index conversion works.
    """

    name = "nb201"
    ops = OPS
    edges = EDGES
    alpha_shape = (len(EDGES), len(OPS))
    code_length = len(EDGES)
    code_nvec = (len(OPS),) * len(EDGES)
    num_archs = NUM_ARCHS

    def __init__(self, index_codes: np.ndarray | None = None):
        self._index_codes = None
        self._rank_to_index = None
        if index_codes is not None:
            codes = _as_codes(index_codes)
            if codes.shape != (NUM_ARCHS, len(EDGES)):
                raise ValueError(f"index_codes must have shape ({NUM_ARCHS}, 6), got {codes.shape}")
            ranks = codes_to_rank(codes)
            if np.unique(ranks).size != NUM_ARCHS:
                raise ValueError("index_codes must list every NB201 cell exactly once")
            self._index_codes = codes.astype(np.uint8)
            self._rank_to_index = np.empty(NUM_ARCHS, dtype=np.int64)
            self._rank_to_index[ranks] = np.arange(NUM_ARCHS)

    # -- continuous relaxation -------------------------------------------------------------
    def discretize(self, alpha: np.ndarray) -> np.ndarray:
        """Argmax op per edge of alpha ``(..., 6, 5)``; ties go to the lowest op index."""
        a = np.asarray(alpha)
        if a.shape[-2:] != self.alpha_shape:
            raise ValueError(f"NB201 alpha must have shape (..., 6, 5), got {a.shape}")
        if a.size < _TOURNAMENT_MIN_SIZE:
            return a.argmax(axis=-1).astype(np.uint8)
        return first_argmax_of_5(a.reshape(-1, len(OPS))).reshape(a.shape[:-1])

    def one_hot(self, codes: np.ndarray) -> np.ndarray:
        return _EYE[_as_codes(codes)]

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, len(OPS), size=(n, len(EDGES)), dtype=np.uint8)

    def key(self, codes: np.ndarray) -> np.ndarray:
        return codes_to_rank(codes)

    def key_of_valid(self, codes: np.ndarray) -> np.ndarray:
        return _rank_of_valid(codes)

    def all_codes(self) -> np.ndarray:
        return _all_codes()

    def to_string(self, codes: np.ndarray) -> list[str]:
        return codes_to_strings(codes)

    # -- official index ---------------------------------------------------------------------
    def _require_index(self) -> tuple[np.ndarray, np.ndarray]:
        """The index tables ``(index -> codes, rank -> index)``; only a benchmark-built space has them."""
        if self._index_codes is None or self._rank_to_index is None:
            raise ValueError("this NB201SearchSpace has no index table; build it from the benchmark")
        return self._index_codes, self._rank_to_index

    def index_to_codes(self, index: np.ndarray | int) -> np.ndarray:
        """Official NB201 index (any shape) -> op codes ``(..., 6)``."""
        index_codes, _ = self._require_index()
        idx = np.asarray(index)
        if idx.dtype.kind not in "iu":
            raise ValueError(f"NB201 indices must be integers, got dtype {idx.dtype}")
        if idx.size and (idx.min() < 0 or idx.max() >= NUM_ARCHS):
            raise ValueError(f"NB201 indices lie in 0..{NUM_ARCHS - 1}")
        return index_codes[idx]

    def codes_to_index(self, codes: np.ndarray) -> np.ndarray:
        """Op codes ``(..., 6)`` -> official NB201 index ``(...)``."""
        _, rank_to_index = self._require_index()
        return rank_to_index[codes_to_rank(codes)]

    def index_to_string(self, index: np.ndarray | int) -> list[str]:
        return codes_to_strings(self.index_to_codes(np.atleast_1d(index)))

    def string_to_index(self, archs: Sequence[str]) -> np.ndarray:
        return self.codes_to_index(strings_to_codes(archs))
