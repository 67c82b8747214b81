"""Feature vectors of architectures for the predictors of model-based searchers (BANANAS).

* NB201: the **path encoding** of BANANAS (White et al., AAAI 2021; naszilla's
  ``Cell.encode_paths`` for NAS-Bench-201). The cell has four input-to-output paths, along edge
  positions ``0->3``, ``0->1->3``, ``0->2->3`` and ``0->1->2->3``; each path is a sequence of
  1-3 ops, and the encoding has one bit per possible op sequence (5 + 25 + 125 = 155 bits),
  set when the cell contains a path with that sequence. Paths through ``none`` are kept, as in
  naszilla.
* every other space (DARTS, OFA): the space's own one-hot alpha, flattened (the
  adjacency/one-hot encoding of NASLib for DARTS; per-block op and per-stage depth one-hots
  for OFA). Inactive OFA blocks are zeroed first (:meth:`canonical`), so two codes of the
  same network get the same features.
"""

from __future__ import annotations

import numpy as np

from nas_gym.spaces.base import SearchSpace
from nas_gym.spaces.nb201 import OPS as NB201_OPS

# Op-code positions (NB201 string edge order 0->1, 0->2, 1->2, 0->3, 1->3, 2->3) along each path.
NB201_PATHS: tuple[tuple[int, ...], ...] = ((3,), (0, 4), (1, 5), (0, 2, 5))
_N = len(NB201_OPS)
PATH_BITS = _N + _N**2 + _N**3
_OFFSET = {1: 0, 2: _N, 3: _N + _N**2}


def nb201_path_encoding(codes: np.ndarray) -> np.ndarray:
    """``(n, 6)`` NB201 op codes -> ``(n, 155)`` float32 path bits."""
    codes = np.asarray(codes, dtype=np.int64)
    if codes.ndim != 2 or codes.shape[1] != 6:
        raise ValueError(f"NB201 path encoding needs op codes of shape (n, 6), got {codes.shape}")
    out = np.zeros((len(codes), PATH_BITS), dtype=np.float32)
    rows = np.arange(len(codes))
    for path in NB201_PATHS:
        index = np.full(len(codes), _OFFSET[len(path)], dtype=np.int64)
        for depth, position in enumerate(path):
            index += codes[:, position] * _N**depth
        out[rows, index] = 1.0
    return out


def encode(space: SearchSpace, codes: np.ndarray) -> np.ndarray:
    """Predictor features ``(n, d)`` float32 of op codes ``(n, code_length)`` of ``space``."""
    codes = np.asarray(codes)
    if space.name == "nb201":
        return nb201_path_encoding(codes)
    canonical = getattr(space, "canonical", None)
    if canonical is not None:
        codes = canonical(codes)
    return space.one_hot(codes).reshape(len(codes), -1).astype(np.float32)
