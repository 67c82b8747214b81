"""Pareto fronts and their quality indicators, in the convention of the multi-objective envs.

Every objective here is **maximised** (the MO envs' reward vector: accuracy reward, minus latency,
...); pymoo minimises, so its indicators receive the negated points. A front is always a set of
*distinct* objective vectors, none weakly dominated by another.

* :func:`nondominated_mask`: which points of a set are on its front (pymoo's non-dominated sort).
* :func:`hypervolume`: the volume a set dominates up to a reference point (pymoo's ``HV``).
* :func:`igd`: inverted generational distance of a found set to a true front (pymoo's ``IGD``),
  in objectives scaled to ``[0, 1]`` by the true front's range, so units do not weigh in.
* :func:`hypervolume_contributions`: what each candidate would add to a 2-D front's hypervolume,
  vectorised, for agents that screen hundreds of candidates per step (checked against pymoo).
"""

from __future__ import annotations

import numpy as np


def _pymoo():
    try:
        from pymoo.indicators.hv import HV
        from pymoo.indicators.igd import IGD
        from pymoo.util.nds.non_dominated_sorting import find_non_dominated
    except ImportError:
        raise ImportError("fronts and hypervolumes need pymoo: pip install 'nas-gym[mo]'") from None
    return HV, IGD, find_non_dominated


def _points(points: np.ndarray) -> np.ndarray:
    p = np.asarray(points, dtype=float)
    if p.ndim != 2:
        raise ValueError(f"points must be a 2-D array (n, objectives), got shape {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError("points contain NaN or inf; drop unmeasured architectures first")
    return p


def nondominated_mask(points: np.ndarray) -> np.ndarray:
    """Boolean mask of the points no other point weakly dominates (ties: the first copy is kept)."""
    p = _points(points)
    mask = np.zeros(len(p), dtype=bool)
    if not len(p):
        return mask
    _, first = np.unique(p, axis=0, return_index=True)
    *_, find_non_dominated = _pymoo()
    distinct = np.sort(first)
    mask[distinct[find_non_dominated(-p[distinct])]] = True
    return mask


def front(points: np.ndarray) -> np.ndarray:
    """The distinct non-dominated points of ``points``, sorted by the first objective (descending)."""
    p = _points(points)
    f = p[nondominated_mask(p)]
    return f[np.argsort(-f[:, 0], kind="stable")]


def hypervolume(points: np.ndarray, ref: np.ndarray) -> float:
    """Volume dominated by ``points`` and dominating ``ref`` (points not better than ``ref`` add nothing)."""
    p, ref = _points(points), np.asarray(ref, dtype=float)
    if p.shape[1] != ref.shape[0]:
        raise ValueError(f"ref has {ref.shape[0]} objectives, points have {p.shape[1]}")
    p = p[(p > ref).all(axis=1)]
    if not len(p):
        return 0.0
    hv_indicator, *_ = _pymoo()
    return float(hv_indicator(ref_point=-ref)(-p))


def igd(found: np.ndarray, true_front: np.ndarray) -> float:
    """Mean distance from each true-front point to its nearest found point, objectives scaled to the
    true front's range (an objective constant on the front is left unscaled)."""
    f, t = _points(found), _points(true_front)
    if not len(f):
        return float("inf")
    low, span = t.min(axis=0), np.ptp(t, axis=0)
    span = np.where(span > 0, span, 1.0)
    _, igd_indicator, _ = _pymoo()
    return float(igd_indicator((t - low) / span)((f - low) / span))


def hypervolume_contributions(front_points: np.ndarray, candidates: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Hypervolume each 2-D candidate alone would add to ``front_points`` (both maximised), exactly.

    The dominated region of a 2-D front is a staircase; a candidate adds the part of its box
    ``[ref, candidate]`` above that staircase, summed here over the staircase's steps at once.
    """
    c, ref = _points(candidates), np.asarray(ref, dtype=float)
    if c.shape[1] != 2 or ref.shape != (2,):
        raise ValueError("hypervolume_contributions is for 2 objectives")
    f = front(front_points) if len(front_points) else np.zeros((0, 2))
    f = f[(f > ref).all(axis=1)]
    # staircase: f sorted by x descending has y ascending; between x-breaks the covered height is
    # the best y of the points with x >= that level
    xs = np.concatenate([f[:, 0], [ref[0]]])  # descending x breakpoints
    heights = np.concatenate([[ref[1]], f[:, 1]])  # covered height on (xs[i], xs[i-1]]
    upper = np.concatenate([[np.inf], f[:, 0]])  # the top of each x interval
    lo, hi = xs[None, :], np.minimum(upper[None, :], c[:, :1])
    width = np.clip(hi - lo, 0.0, None)
    gain = np.clip(c[:, 1:2] - heights[None, :], 0.0, None)
    return (width * gain).sum(axis=1)
