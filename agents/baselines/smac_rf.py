"""SMAC3's random-forest Bayesian optimisation as a searcher (``smac``), through its ask/tell interface.

Each op-code position is one categorical hyperparameter (choices ``0 .. nvec-1``) of a
ConfigSpace; SMAC's ``HyperparameterOptimizationFacade`` (random forest surrogate, log expected
improvement, a Sobol initial design and random configurations interleaved) proposes a cell,
and the negated reward is told as the cost to minimise. The facade's settings are SMAC's
defaults; the scenario is ``deterministic`` (a benchmark query has no noise), seeded from the
searcher's rng, so a search is bit-identical per seed. SMAC keeps its run history in a
temporary folder that is deleted with the searcher (it never writes into the working folder).

Cost (measured on NB201-cifar10, 2 shared cores): ~0.5 s per ask once the initial design is
used up, growing with the history (the forest is refitted on every tell), so a 500-query cell
takes minutes; docs/results/README.md has the figure.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from typing import Any

import numpy as np

from nas_gym.agents.baselines.base import Searcher, code_choices
from nas_gym.spaces.base import SearchSpace


def _smac():
    try:
        import smac
        from ConfigSpace import Categorical, ConfigurationSpace
        from smac.runhistory.dataclasses import TrialValue
    except ImportError:
        raise ImportError("the smac agent needs SMAC3: pip install 'nas-gym[baselines]'") from None
    return smac, Categorical, ConfigurationSpace, TrialValue


class SMACRandomForest(Searcher):
    """SMAC3 random-forest BO (HPO facade) over the op codes as categorical parameters."""

    def __init__(self, space: SearchSpace, rng: np.random.Generator):
        super().__init__(space, rng)
        smac, categorical, configuration_space, self._trial_value = _smac()
        self.names = [f"c{i:02d}" for i in range(len(code_choices(space)))]
        seed = int(rng.integers(2**31))
        configs = configuration_space(seed=seed)
        configs.add([categorical(n, list(range(int(k)))) for n, k in zip(self.names, code_choices(space), strict=True)])
        folder = tempfile.mkdtemp(prefix="nas-gym-smac-")
        self._cleanup = weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
        scenario = smac.Scenario(
            configs, deterministic=True, n_trials=2**31 - 1, seed=seed, output_directory=f"{folder}/run"
        )
        # the target function is never called: every trial is asked and told by run_search
        self.smac = smac.HyperparameterOptimizationFacade(
            scenario, lambda config, seed=0: 0.0, overwrite=True, logging_level=40
        )
        self.trial: Any = None  # SMAC's pending TrialInfo

    def ask(self) -> np.ndarray:
        if self.trial is not None:
            raise RuntimeError("ask() twice without tell()")
        trial = self.trial = self.smac.ask()
        return np.array([int(trial.config[n]) for n in self.names], dtype=np.int64)

    def tell(self, codes: np.ndarray, score: float) -> None:
        if self.trial is None:
            raise RuntimeError("tell() without a pending ask()")
        self.smac.tell(self.trial, self._trial_value(cost=-float(score)))
        self.trial = None
