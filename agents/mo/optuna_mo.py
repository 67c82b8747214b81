"""Optuna's multi-objective samplers as MO searchers: NSGA-II and multi-objective TPE (MOTPE).

Each op-code position is one categorical parameter; the reward vector is told as the trial's
values, every direction ``maximize``. As in the scalar Optuna searchers
(:mod:`nas_gym.agents.baselines.optuna_samplers`), a proposal that was already queried is closed
as a failed trial (no env query; both samplers ignore failed trials) and the sampler is asked
again; after ``max_repeats`` consecutive repeats a uniform random architecture is queried
instead (enqueued, so the sampler learns from it). Without this, NSGA-II's crossover of a
converged population and TPE's sharpened density re-propose known cells, which under
``budget=unique`` spends env steps on nothing.

Settings are the samplers' defaults except: NSGA-II ``population_size=20`` (Optuna's 50 would
leave a 50-query search in its random first generation; 20 gives 2.5 generations by 50 queries
and 25 by 500), and TPE ``multivariate=True`` (as the scalar ``tpe`` agent). Chosen before any
run, not tuned.
"""

from __future__ import annotations

import numpy as np

from nas_gym.agents.mo.base import MOSearcher
from nas_gym.spaces.base import SearchSpace


def _optuna():
    try:
        import optuna
    except ImportError:
        raise ImportError("the mo-nsga2 and mo-tpe agents need Optuna: pip install 'nas-gym[mo]'") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


class _OptunaMOSearcher(MOSearcher):
    def __init__(self, space: SearchSpace, n_objectives: int, rng: np.random.Generator, sampler, max_repeats: int):
        super().__init__(space, n_objectives, rng)
        if max_repeats < 1:
            raise ValueError(f"max_repeats must be >= 1, got {max_repeats}")
        optuna = _optuna()
        self.study = optuna.create_study(directions=["maximize"] * self.n_objectives, sampler=sampler)
        self.dists = {
            f"c{i:02d}": optuna.distributions.CategoricalDistribution(list(range(int(n))))
            for i, n in enumerate(self.nvec)
        }
        self.max_repeats = max_repeats
        self.known: set[int] = set()
        self._fail = optuna.trial.TrialState.FAIL
        self.trial = None

    def _codes(self, trial) -> np.ndarray:
        return np.array([trial.params[name] for name in self.dists], dtype=np.int64)

    def ask(self) -> np.ndarray:
        if self.trial is not None:
            raise RuntimeError("ask() twice without tell()")
        for _ in range(self.max_repeats):
            trial = self.study.ask(self.dists)
            if self.key(self._codes(trial)) not in self.known:
                self.trial = trial
                return self._codes(trial)
            self.study.tell(trial, state=self._fail)  # a repeat: no env query, no weight in the model
        codes = self.space.sample(1, self.rng)[0].astype(np.int64)
        self.study.enqueue_trial(dict(zip(self.dists, codes.tolist(), strict=True)))
        self.trial = self.study.ask(self.dists)
        return self._codes(self.trial)

    def tell(self, codes: np.ndarray, reward: np.ndarray) -> None:
        if self.trial is None:
            raise RuntimeError("tell() without a pending ask()")
        self.known.add(self.key(codes))
        self.study.tell(self.trial, [float(r) for r in reward])
        self.trial = None


class OptunaNSGAII(_OptunaMOSearcher):
    """NSGA-II (Optuna's NSGAIISampler) over the op codes as categorical parameters, repeats skipped."""

    def __init__(
        self,
        space: SearchSpace,
        n_objectives: int,
        rng: np.random.Generator,
        population_size: int = 20,
        max_repeats: int = 5,
    ):
        sampler = _optuna().samplers.NSGAIISampler(population_size=population_size, seed=int(rng.integers(2**31)))
        super().__init__(space, n_objectives, rng, sampler, max_repeats)


class OptunaMOTPE(_OptunaMOSearcher):
    """Multi-objective TPE (Optuna's TPESampler on a multi-objective study), multivariate, repeats skipped."""

    def __init__(
        self,
        space: SearchSpace,
        n_objectives: int,
        rng: np.random.Generator,
        n_startup_trials: int = 10,
        multivariate: bool = True,
        max_repeats: int = 5,
    ):
        sampler = _optuna().samplers.TPESampler(
            n_startup_trials=n_startup_trials, multivariate=multivariate, seed=int(rng.integers(2**31))
        )
        super().__init__(space, n_objectives, rng, sampler, max_repeats)
