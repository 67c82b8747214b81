"""How an ensemble of quantile critics scores the screened pool: its mean, an upper bound or a Thompson draw.

One critic's point estimate cannot tell a candidate it knows from one it has never seen near its
data; an ensemble can, by how much its members disagree. ``"ucb"`` adds that spread (optimism in
the face of uncertainty), ``"thompson"`` lets one member, drawn per query, rank the pool (BANANAS
draws per candidate from a Gaussian fitted to its ensemble; a whole member keeps the draws of
similar candidates consistent, as a posterior sample of the function would).
"""

from __future__ import annotations

import numpy as np


def acquisition_scores(q: np.ndarray, kind: str, beta: float, rng: np.random.Generator) -> np.ndarray:
    """Scores ``(n,)`` of ``n`` candidates from the members' estimates ``q`` ``(members, n)``.

    ``kind``: ``"mean"`` (the members' mean), ``"ucb"`` (mean + ``beta`` x their standard deviation)
    or ``"thompson"`` (the estimates of one uniformly drawn member; only this kind reads ``rng``).
    """
    if kind == "mean":
        return q.mean(axis=0)
    if kind == "ucb":
        return q.mean(axis=0) + beta * q.std(axis=0)
    if kind == "thompson":
        return q[int(rng.integers(len(q)))]
    raise ValueError(f"unknown screen_acquisition {kind!r}; choose mean, ucb or thompson")
