"""The actor as a distribution over architectures: per-row softmax of ``mu(s) / temperature``.

A *row* is a group of alpha entries of which the space's discretization keeps one (or, on a
DARTS node, the best two): an NB201 edge's 5 ops, a DARTS edge's 7 ops, an OFA block's 9 ops or
a stage's 3 depths. Sampling adds Gumbel noise of scale ``temperature`` to mu and discretizes,
which on argmax rows (NB201, OFA) is exactly a draw from ``softmax(mu_row / temperature)`` per
row (the Gumbel-max trick) and on a DARTS node a draw of its two inputs by the same noisy order.
The log-likelihood of an architecture is the sum over rows of ``<one_hot_row, log_softmax>``,
which the rank objective of :class:`~agents.l2nas.L2NAS` raises for the best rewards.
"""

from __future__ import annotations

import numpy as np
import torch as th

from nas_gym.spaces.base import SearchSpace


def row_index(space: SearchSpace) -> np.ndarray:
    """``(rows, width)`` alpha columns of each row, padded with -1.

    Multi-dimensional alphas (NB201 ``(6, 5)``, DARTS ``(2, 14, 7)``) have rows along the last
    axis; a flat alpha (OFA) is cut into one row per op-code position with more than one option,
    in code order, which is how its one-hot is laid out.
    """
    if len(space.alpha_shape) > 1:
        width = space.alpha_shape[-1]
        return np.arange(space.alpha_dim).reshape(-1, width)
    widths = [int(n) for n in space.code_nvec if n > 1]
    if sum(widths) != space.alpha_dim:
        raise ValueError(
            f"cannot cut the flat alpha of {space.name!r} ({space.alpha_dim} entries) into rows of its op-code "
            f"options ({sum(widths)} in all); give the space a multi-dimensional alpha_shape"
        )
    index = np.full((len(widths), max(widths)), -1, dtype=np.int64)
    start = 0
    for row, width in enumerate(widths):
        index[row, :width] = np.arange(start, start + width)
        start += width
    return index


class ActorDistribution:
    """Samples and log-likelihoods of the actor's per-row distribution on ``space``."""

    def __init__(self, space: SearchSpace, temperature: float):
        self.space, self.temperature = space, temperature
        index = row_index(space)
        self._pad = th.as_tensor(index < 0)
        self._index = th.as_tensor(np.where(index < 0, 0, index))

    def sample(self, mu: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` architectures drawn around ``mu`` ``(alpha_dim,)``, as their one-hot alphas ``(n, alpha_dim)``."""
        noisy = mu[None, :] + self.temperature * rng.gumbel(size=(n, mu.shape[0]))
        codes = self.space.discretize(noisy.reshape(n, *self.space.alpha_shape))
        return self.space.one_hot(codes).reshape(n, -1).astype(np.float64)

    def log_prob(self, mu: th.Tensor, one_hot: th.Tensor) -> th.Tensor:
        """Log-likelihood ``(batch,)`` of architectures (one-hot ``(batch, alpha_dim)``) under ``mu`` (same shape)."""
        logits = (mu[:, self._index] / self.temperature).masked_fill(self._pad, -th.inf)
        picked = one_hot[:, self._index].masked_fill(self._pad, 0.0)
        return (picked * th.log_softmax(logits, dim=-1).masked_fill(self._pad, 0.0)).sum(dim=(-2, -1))


def elite_weights(rewards: np.ndarray, history: np.ndarray, elite: float) -> np.ndarray:
    """Centred weights of ``rewards`` by their rank in ``history`` (every reward of the search so far).

    A reward within the best ``elite`` fraction of the history weighs ``1 - elite``, any other
    ``-elite``: the weights average to zero over the history, so the rank objective raises the
    likelihood of the best architectures and lowers that of the rest, using only the order of
    the real rewards (no critic, no reward scale).
    """
    ordered = np.sort(history)
    percentile = np.searchsorted(ordered, rewards, side="right") / len(ordered)
    return np.where(percentile > 1.0 - elite, 1.0 - elite, -elite)
