"""Random search: uniform architectures, the control every NAS result must beat."""

from __future__ import annotations

import numpy as np

from nas_gym.agents.baselines.base import Searcher


class RandomSearch(Searcher):
    """Proposes ``space.sample`` draws; learns nothing (duplicates are possible, as in the NB201 paper)."""

    def ask(self) -> np.ndarray:
        return self.space.sample(1, self.rng)[0]
