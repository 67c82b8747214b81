"""The L2NAS exploration and update schedules (paper Sec. 3.3), as plain functions of the step."""

from __future__ import annotations

import math


def cosine_epsilon(step: int, start: float = 1.0, end: float = 0.05, anneal_steps: int = 175) -> float:
    """Probability of a uniform random action at ``step`` (0-based).

    Cosine-annealed from ``start`` at step 0 to ``end`` at ``anneal_steps``, constant afterwards
    (the paper anneals 1.0 -> 0.05 "by step 175"; that it then stays at 0.05 is our reading).
    """
    if anneal_steps <= 0 or step >= anneal_steps:
        return end
    return end + (start - end) * 0.5 * (1.0 + math.cos(math.pi * step / anneal_steps))


def n_gradient_steps(buffer_len: int, batch_size: int, c_max: int) -> int:
    """Mini-batches per env step: ``C = min(floor(|R| / B), C_max)``; zero until ``|R| >= B``."""
    return min(buffer_len // batch_size, c_max)
