"""Multi-objective ask/tell searchers and the loop that drives them through an MO search env.

The discipline of :mod:`nas_gym.agents.baselines.base`: a searcher proposes op codes
(:meth:`MOSearcher.ask`) and is told only the env's **reward vector** for them (every entry to be
maximised: accuracy reward, minus latency, ...). It never reads ``info`` (test accuracy,
latency tables), so what it learns is exactly what any MORL agent on the env could learn.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

import gymnasium as gym
import numpy as np

from nas_gym.agents.baselines.base import ActionEncoder
from nas_gym.spaces.base import SearchSpace


class MOSearcher(ABC):
    """A black-box multi-objective optimizer over op codes of ``space`` with ``n_objectives`` rewards."""

    def __init__(self, space: SearchSpace, n_objectives: int, rng: np.random.Generator):
        self.space, self.n_objectives, self.rng = space, int(n_objectives), rng
        self.nvec = np.asarray(space.code_nvec, dtype=np.int64)

    @abstractmethod
    def ask(self) -> np.ndarray:
        """The next architecture to query, as op codes ``(code_length,)``."""

    def tell(self, codes: np.ndarray, reward: np.ndarray) -> None:  # noqa: B027 (optional hook)
        """Learn from the reward vector of the architecture returned by the last :meth:`ask`."""

    def key(self, codes: np.ndarray) -> int:
        return int(self.space.key(np.asarray(codes)[None])[0])


class MORandomSearch(MOSearcher):
    """Multi-objective random search: uniform architectures, the control every MO result must beat."""

    def ask(self) -> np.ndarray:
        return self.space.sample(1, self.rng)[0]


def run_mo_search(
    searcher: MOSearcher,
    env: gym.Env,
    seed: int | None = None,
    on_step: Callable[[np.ndarray, dict], None] | None = None,
) -> dict:
    """Run one search episode of ``searcher`` on the MO ``env`` (until its budget truncates it).

    ``on_step(reward, info)`` sees every step (a recorder); the searcher is told only the reward.
    Returns the last ``info``.
    """
    encode = ActionEncoder(env)
    env.reset(seed=seed)
    while True:
        codes = np.asarray(searcher.ask())
        _, reward, terminated, truncated, info = env.step(encode(codes))
        reward = np.asarray(reward, dtype=float)
        searcher.tell(codes, reward.copy())
        if on_step is not None:
            on_step(reward, info)
        if terminated or truncated:
            return info
