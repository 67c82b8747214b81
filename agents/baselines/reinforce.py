"""REINFORCE over op codes, as the NB201 paper runs it: one categorical per position.

The policy is a table of logits (one categorical per op-code position, all logits start at 0,
i.e. uniform). Each query samples an architecture; the update is the score-function gradient
``(r - b) * grad log p(arch)`` with an exponential-moving-average baseline ``b``, applied with
Adam. Adam normalises the step size, so the method is insensitive to the reward's scale
(``exp100`` or ``acc``).
"""

from __future__ import annotations

import numpy as np

from nas_gym.agents.baselines.base import Searcher, code_choices
from nas_gym.spaces.base import SearchSpace


class Reinforce(Searcher):
    """REINFORCE over op codes with an EMA baseline, one categorical per position (as in NB201)."""

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        learning_rate: float = 0.01,
        baseline_momentum: float = 0.9,
    ):
        super().__init__(space, rng)
        self.nvec = code_choices(space)
        self.learning_rate, self.momentum = learning_rate, baseline_momentum
        # Positions with fewer options than the widest get -inf logits on the missing ones.
        width = int(self.nvec.max())
        self.mask = np.arange(width)[None, :] < self.nvec[:, None]
        self.logits = np.where(self.mask, 0.0, -np.inf)
        self.baseline: float | None = None
        self._m = np.zeros_like(self.logits)
        self._v = np.zeros_like(self.logits)
        self._t = 0

    def probs(self) -> np.ndarray:
        z = np.exp(self.logits - self.logits.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def ask(self) -> np.ndarray:
        cdf = self.probs().cumsum(axis=1)
        u = self.rng.random(len(self.nvec))[:, None]
        return np.minimum((u > cdf).sum(axis=1), self.nvec - 1).astype(np.int64)

    def tell(self, codes: np.ndarray, score: float) -> None:
        self.baseline = score if self.baseline is None else self.momentum * self.baseline + (1 - self.momentum) * score
        advantage = score - self.baseline
        rows = np.arange(len(codes))
        grad_logp = -self.probs()
        grad_logp[rows, codes] += 1.0
        self._adam_ascent(np.where(self.mask, advantage * grad_logp, 0.0))

    def _adam_ascent(self, grad: np.ndarray, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self._t += 1
        self._m = beta1 * self._m + (1 - beta1) * grad
        self._v = beta2 * self._v + (1 - beta2) * grad**2
        m_hat = self._m / (1 - beta1**self._t)
        v_hat = self._v / (1 - beta2**self._t)
        self.logits = np.where(self.mask, self.logits + self.learning_rate * m_hat / (np.sqrt(v_hat) + eps), -np.inf)
