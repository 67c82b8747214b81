"""BANANAS (White, Neiswanger & Savani, AAAI 2021): Bayesian optimisation with a neural ensemble.

Settings, all from NASLib's BANANAS defaults (``naslib/defaults``: ``num_init 10, k 10,
num_ensemble 5, acq_fn_type its, acq_fn_optimization mutation, encoding_type path,
num_arches_to_mutate 2, max_mutations 1, num_candidates 100``) and its ``MLPPredictor``
(:mod:`agents.baselines.predictor`), except the depth: 10 ReLU layers of width 20, the meta
neural net of the BANANAS paper's own code (naszilla); NASLib's 20 layers double the cost:

1. the first ``num_init`` = 10 queries are uniform random architectures;
2. then, every ``k`` = 10 queries, an ensemble of 5 MLPs is refit from scratch on every
   (features, reward) pair so far (path encoding on NB201, one-hot elsewhere:
   :mod:`agents.baselines.encodings`);
3. ``num_candidates`` = 100 candidates are one-op mutations of the ``num_arches_to_mutate`` = 2
   best architectures so far (50 each), minus those already queried (naszilla removes them
   too; NASLib does not);
4. independent Thompson sampling picks the batch: each candidate gets one draw from
   ``N(mean, std)`` of the ensemble's predictions, and the ``k`` largest draws are queried.

Only the reward is used (as by every searcher here). Deviations from NASLib, all for speed or
budget accounting: 200 mini-batch steps per fit (``train_steps``) instead of 500 epochs, standardised targets,
de-duplicated candidates; when fewer than ``k`` new candidates remain, random architectures
fill the batch.
"""

from __future__ import annotations

import numpy as np

from nas_gym.agents.baselines.base import Searcher, code_choices, mutate
from nas_gym.agents.baselines.encodings import encode
from nas_gym.agents.baselines.predictor import MLPEnsemble
from nas_gym.spaces.base import SearchSpace


class Bananas(Searcher):
    """BANANAS: neural-ensemble BO with path/one-hot features, mutation candidates, Thompson sampling."""

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        num_init: int = 10,
        k: int = 10,
        num_ensemble: int = 5,
        num_candidates: int = 100,
        num_arches_to_mutate: int = 2,
        max_mutations: int = 1,
        layers: int = 10,
        width: int = 20,
        train_steps: int = 200,
    ):
        super().__init__(space, rng)
        for name, value in (("num_init", num_init), ("k", k), ("num_candidates", num_candidates)):
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        if num_init < 2:
            raise ValueError(f"num_init must be >= 2 (the ensemble needs two points to fit), got {num_init}")
        if not 1 <= num_arches_to_mutate <= num_candidates or max_mutations < 1:
            raise ValueError("need 1 <= num_arches_to_mutate <= num_candidates and max_mutations >= 1")
        self.nvec = code_choices(space)
        self.num_init, self.k = num_init, k
        self.num_candidates, self.num_arches_to_mutate, self.max_mutations = (
            num_candidates,
            num_arches_to_mutate,
            max_mutations,
        )
        self.ensemble = MLPEnsemble(members=num_ensemble, layers=layers, width=width, train_steps=train_steps)
        self.codes: list[np.ndarray] = []
        self.scores: list[float] = []
        self.seen: set[int] = set()
        self.batch: list[np.ndarray] = []

    def _key(self, codes: np.ndarray) -> int:
        return int(self.space.key(np.asarray(codes)[None])[0])

    def _candidates(self) -> np.ndarray:
        """Mutations of the best architectures so far that were never queried, de-duplicated."""
        order = np.argsort(np.asarray(self.scores), kind="stable")[::-1][: self.num_arches_to_mutate]
        per_parent = max(1, self.num_candidates // len(order) // self.max_mutations)
        out, keys = [], set()
        for i in order:
            for _ in range(per_parent):
                child = self.codes[i]
                for _ in range(self.max_mutations):
                    child = mutate(child, self.nvec, self.rng)
                key = self._key(child)
                if key not in self.seen and key not in keys:
                    keys.add(key)
                    out.append(child)
        return np.stack(out) if out else np.empty((0, len(self.nvec)), dtype=np.int64)

    def _next_batch(self) -> list[np.ndarray]:
        candidates = self._candidates()
        picked: list[np.ndarray] = []
        if len(candidates):
            x = encode(self.space, np.stack(self.codes))
            self.ensemble.fit(x, np.asarray(self.scores), self.rng)
            pred = self.ensemble.predict(encode(self.space, candidates))
            draws = self.rng.normal(pred.mean(axis=0), pred.std(axis=0))  # independent Thompson sampling
            picked = list(candidates[np.argsort(draws, kind="stable")[::-1][: self.k]])
        while len(picked) < self.k:
            picked.append(self.space.sample(1, self.rng)[0])
        return picked[::-1]  # ask() pops from the end: the best draw first

    def ask(self) -> np.ndarray:
        if len(self.codes) < self.num_init:
            return self.space.sample(1, self.rng)[0]
        if not self.batch:
            self.batch = self._next_batch()
        return self.batch.pop()

    def tell(self, codes: np.ndarray, score: float) -> None:
        codes = np.asarray(codes, dtype=np.int64)
        self.codes.append(codes)
        self.scores.append(float(score))
        self.seen.add(self._key(codes))
