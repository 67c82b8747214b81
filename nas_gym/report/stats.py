"""Statistics of a report: IQM with stratified bootstrap CIs, curve bands, performance profiles,
and the paired test of two agents in one cell (same seed = same env seed).

The IQM is rliable's (``rliable.metrics.aggregate_iqm``, the 25% trimmed mean). The stratified
bootstrap is rliable's scheme (``rliable.library.StratifiedBootstrap``: resample runs with
replacement independently within each task, percentile interval), re-implemented here on a
seeded ``np.random.Generator`` because rliable 1.2 draws its indices from the global NumPy RNG
(so its "seeded" CIs are not reproducible), and its ``library`` module imports neither with
arch 7 under pandas 3 nor with arch 8 (``random_state`` was renamed ``seed``). A report of the
same results is therefore the same file every time.

Two agents of one cell are compared by an exact paired permutation test (``scipy.stats.
permutation_test``, sign flips of the per-seed differences), not by overlapping CIs and not by a
bootstrap test: on null pairs drawn from the studies' own seed results, a percentile bootstrap of
the paired difference rejects 12.8% (5 seeds) and 8.0% (10 seeds) of the time at a nominal 5%,
the exact test 0.0% and 2.5% (``bench/paired_test_level.py``). Exact means deterministic too, and ties
(both agents on the optimum: a difference of 0) and a zero-variance agent need no special case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

CI = 0.95
EXACT_SEEDS = 16
"""Up to this many paired seeds the permutation test enumerates all 2**n sign flips (exact)."""


def iqm(scores: np.ndarray) -> float:
    """Interquartile mean over all runs and tasks (rliable's ``aggregate_iqm``)."""
    try:
        from rliable.metrics import aggregate_iqm
    except ImportError:
        raise ImportError("nas-gym report needs rliable: pip install 'nas-gym[report]'") from None
    return float(aggregate_iqm(np.asarray(scores, dtype=float)))


def stratified_bootstrap(
    scores: np.ndarray, func: Callable[[np.ndarray], np.ndarray], reps: int, rng: np.random.Generator
) -> np.ndarray:
    """``func`` of ``reps`` resamples of ``scores`` ``(runs, tasks)``; runs are drawn within each task."""
    scores = np.asarray(scores, dtype=float)
    runs, tasks = scores.shape
    columns = np.arange(tasks)[None, :]
    return np.stack([np.atleast_1d(func(scores[rng.integers(0, runs, (runs, tasks)), columns])) for _ in range(reps)])


def interval(
    scores: np.ndarray, func: Callable[[np.ndarray], np.ndarray], reps: int = 2000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Point estimate ``func(scores)`` and its 95% percentile CI ``(2, ...)`` (stratified bootstrap)."""
    point = np.atleast_1d(func(np.asarray(scores, dtype=float)))
    boot = stratified_bootstrap(scores, func, reps, np.random.default_rng(seed))
    bounds = np.percentile(boot, [100 * (1 - CI) / 2, 100 * (1 + CI) / 2], axis=0)
    return point, bounds


def iqm_with_ci(
    scores: Mapping[str, np.ndarray], reps: int = 2000, seed: int = 0
) -> dict[str, tuple[float, float, float]]:
    """``(IQM, CI low, CI high)`` per agent; ``scores[agent]`` is ``(runs, tasks)``."""
    out = {}
    for agent, values in scores.items():
        point, bounds = interval(values, lambda x: np.array([iqm(x)]), reps, seed)
        out[agent] = (float(point[0]), float(bounds[0, 0]), float(bounds[1, 0]))
    return out


def performance_profile(
    scores: Mapping[str, np.ndarray], taus: np.ndarray, reps: int = 2000, seed: int = 0
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Fraction of runs with score > tau (rliable's run-score distribution) and its 95% CI, per agent."""

    def profile(x: np.ndarray) -> np.ndarray:
        return (x.reshape(-1)[:, None] > taus[None, :]).mean(axis=0)

    return {agent: interval(values, profile, reps, seed) for agent, values in scores.items()}


def mean_band(curves: np.ndarray, reps: int = 1000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over runs (axis 0) of ``curves`` and its 95% percentile-bootstrap band, per column."""
    curves = np.asarray(curves, dtype=float)
    mean = np.nanmean(curves, axis=0)
    if curves.shape[0] < 2:
        return mean, mean.copy(), mean.copy()
    rng = np.random.default_rng(seed)
    boot = np.stack([np.nanmean(curves[rng.integers(0, len(curves), len(curves))], axis=0) for _ in range(reps)])
    low, high = np.nanpercentile(boot, [100 * (1 - CI) / 2, 100 * (1 + CI) / 2], axis=0)
    return mean, low, high


def probability_of_improvement(x: np.ndarray, y: np.ndarray) -> float:
    """P(X > Y) of one run score of ``x`` against one of ``y``, ties counted half, averaged over
    tasks (rliable's ``probability_of_improvement``: the normalised Mann-Whitney U statistic).

    ``x`` is ``(runs_x, tasks)`` and ``y`` ``(runs_y, tasks)``.
    """
    x, y = np.atleast_2d(np.asarray(x, dtype=float)), np.atleast_2d(np.asarray(y, dtype=float))
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same tasks (columns), got {x.shape} and {y.shape}")
    wins = (x[:, None, :] > y[None, :, :]).mean(axis=(0, 1))
    ties = (x[:, None, :] == y[None, :, :]).mean(axis=(0, 1))
    return float((wins + 0.5 * ties).mean())


def poi_with_ci(x: np.ndarray, y: np.ndarray, reps: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """``(P(X > Y), CI low, CI high)``: runs of ``x`` and of ``y`` are resampled independently
    within each task (rliable's two-sample stratified bootstrap), on a seeded generator."""
    x, y = np.atleast_2d(np.asarray(x, dtype=float)), np.atleast_2d(np.asarray(y, dtype=float))
    rng = np.random.default_rng(seed)
    columns = np.arange(x.shape[1])[None, :]
    boot = [
        probability_of_improvement(
            x[rng.integers(0, len(x), x.shape), columns], y[rng.integers(0, len(y), y.shape), columns]
        )
        for _ in range(reps)
    ]
    low, high = np.percentile(boot, [100 * (1 - CI) / 2, 100 * (1 + CI) / 2])
    return probability_of_improvement(x, y), float(low), float(high)


def mean_with_ci(values: np.ndarray, reps: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """``(mean, CI low, CI high)`` of 1-d ``values``, 95% percentile bootstrap on a seeded generator."""
    values = np.asarray(values, dtype=float)
    point, bounds = interval(values[:, None], lambda s: np.array([s.mean()]), reps, seed)
    return float(point[0]), float(bounds[0, 0]), float(bounds[1, 0])


def paired_test(x: np.ndarray, y: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """``(mean of x - y, two-sided p)`` of paired 1-d ``x`` and ``y`` (``x[i]`` and ``y[i]`` share seed i).

    Under the null both agents' results are exchangeable within a seed, so each per-seed difference
    keeps or flips its sign with equal chance; the p-value is the share of the ``2**n`` flips whose
    mean difference is at least as far from 0 as the observed one (exact up to
    :data:`EXACT_SEEDS` seeds, else 9999 seeded random flips). With n seeds the smallest p is
    ``2 / 2**n``: 0.0625 with 5 seeds, so 5 seeds can never show a difference at the 5% level.
    All differences 0 (e.g. both agents on the optimum on every seed) give p = 1.
    """
    from scipy.stats import permutation_test

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or len(x) == 0:
        raise ValueError(f"paired_test needs two 1-d arrays of the same seeds, got shapes {x.shape} and {y.shape}")
    if len(x) == 1:  # both sign flips are as extreme as the observed difference (scipy needs two seeds)
        return float(x[0] - y[0]), 1.0
    result = permutation_test(
        (x, y),
        lambda a, b, axis: np.mean(a - b, axis=axis),
        permutation_type="samples",
        vectorized=True,
        n_resamples=np.inf if len(x) <= EXACT_SEEDS else 9999,
        alternative="two-sided",
        rng=np.random.default_rng(seed),
    )
    return float(np.mean(x - y)), float(min(1.0, result.pvalue))


def smallest_p(x: np.ndarray, y: np.ndarray) -> float:
    """The smallest p :func:`paired_test` can give these seeds whatever their values: ``2 / 2**k`` for
    ``k`` seeds where x and y differ (a seed with equal results flips to itself), at most 1. A
    comparison whose smallest p is above the level cannot be significant, so it is left out of the
    multiple-comparison family (Tarone 1990; Gilbert 2005 for the false discovery rate)."""
    k = int(np.count_nonzero(np.asarray(x, dtype=float) != np.asarray(y, dtype=float)))
    if k > EXACT_SEEDS:  # 9999 random flips: the observed one counts too, so p >= 1/10000 a side
        return 2.0 / 10000
    return min(1.0, 2.0 / 2.0**k)


def paired_difference_ci(x: np.ndarray, y: np.ndarray, reps: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """``(mean of x - y, CI low, CI high)``: 95% percentile bootstrap of the seeds (pairs kept together),
    seeded. Descriptive (an effect size); significance comes from :func:`paired_test`."""
    diff = np.asarray(x, dtype=float) - np.asarray(y, dtype=float)
    return mean_with_ci(diff, reps=reps, seed=seed)


def bh_adjust(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (``scipy.stats.false_discovery_control``): calling every
    comparison with adjusted p <= 0.05 significant keeps the expected share of false calls <= 5%."""
    from scipy.stats import false_discovery_control

    pvalues = np.asarray(pvalues, dtype=float)
    return pvalues.copy() if pvalues.size == 0 else np.asarray(false_discovery_control(pvalues))
