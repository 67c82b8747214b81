"""Regularized evolution (Real et al., AAAI 2019), as run on NAS-Bench-201.

Aging evolution: the first ``population_size`` queries are random; afterwards each query is a
one-op mutation of the best of ``sample_size`` members drawn from the population, and the
oldest member dies. Defaults are those of the NB201/NATS-Bench REA runs (population 10,
sample 3); docs/agents.md reports the small sweep that checked them.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from nas_gym.agents.baselines.base import Searcher, code_choices, mutate
from nas_gym.spaces.base import SearchSpace


class RegularizedEvolution(Searcher):
    """Regularized (aging) evolution: population 10, sample 3, one-op mutations, the oldest dies."""

    def __init__(self, space: SearchSpace, rng: np.random.Generator, population_size: int = 10, sample_size: int = 3):
        super().__init__(space, rng)
        if not 1 <= sample_size <= population_size:
            raise ValueError(f"need 1 <= sample_size <= population_size, got {sample_size} and {population_size}")
        self.population_size, self.sample_size = population_size, sample_size
        self.nvec = code_choices(space)
        self.population: deque[tuple[np.ndarray, float]] = deque()

    def ask(self) -> np.ndarray:
        if len(self.population) < self.population_size:
            return self.space.sample(1, self.rng)[0]
        picks = self.rng.choice(len(self.population), size=self.sample_size, replace=False)
        parent = max((self.population[i] for i in picks), key=lambda member: member[1])[0]
        return mutate(parent, self.nvec, self.rng)

    def tell(self, codes: np.ndarray, score: float) -> None:
        self.population.append((codes, score))
        if len(self.population) > self.population_size:
            self.population.popleft()
