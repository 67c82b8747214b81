"""Local search with random restarts (White et al., "Local Search is State of the Art for NAS
Benchmarks", 2020): query every one-op neighbour of the current architecture, move to the best
one if it improves, otherwise restart from a random architecture. Scores are remembered, so an
architecture already evaluated is never queried again by this searcher.
"""

from __future__ import annotations

import numpy as np

from nas_gym.agents.baselines.base import Searcher, code_choices, neighbours
from nas_gym.spaces.base import SearchSpace


class LocalSearch(Searcher):
    """Local search: move to the best one-op neighbour while it improves, else restart at random."""

    def __init__(self, space: SearchSpace, rng: np.random.Generator):
        super().__init__(space, rng)
        self.nvec = code_choices(space)
        self.known: dict[int, float] = {}
        self.current: tuple[np.ndarray, float] | None = None
        self.queue: list[np.ndarray] = []
        self.best_neighbour: tuple[np.ndarray, float] | None = None

    def _key(self, codes: np.ndarray) -> int:
        return int(self.space.key(codes[None])[0])

    def _consider(self, codes: np.ndarray, score: float) -> None:
        if self.best_neighbour is None or score > self.best_neighbour[1]:
            self.best_neighbour = (codes, score)

    def _refill(self, current: np.ndarray) -> None:
        """Queue the neighbours of ``current`` (the architecture climbed to) in random order."""
        nbrs = neighbours(current, self.nvec)
        self.queue = list(nbrs[self.rng.permutation(len(nbrs))])
        self.best_neighbour = None

    def ask(self) -> np.ndarray:
        while True:
            if self.current is None:
                return self.space.sample(1, self.rng)[0]
            while self.queue:
                codes = self.queue.pop()
                score = self.known.get(self._key(codes))
                if score is None:
                    return codes
                self._consider(codes, score)
            # Every neighbour is scored: climb or restart.
            if self.best_neighbour is not None and self.best_neighbour[1] > self.current[1]:
                self.current = self.best_neighbour
                self._refill(self.current[0])
            else:
                self.current = None

    def tell(self, codes: np.ndarray, score: float) -> None:
        self.known[self._key(codes)] = score
        if self.current is None:
            self.current = (codes, score)
            self._refill(codes)
        else:
            self._consider(codes, score)
