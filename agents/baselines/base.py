"""Ask/tell searchers and the loop that drives them through a search env.

A classic NAS baseline proposes op codes (``ask``) and learns from a score (``tell``). It never
touches the env: :func:`run_search` turns op codes into an env action, steps the env (so query
counting, budget, latency rules and ``info`` are exactly those every other agent gets) and
tells the searcher only the **reward**, a monotone function of the search signal (plus the
latency penalty when one is configured). Test metrics in ``info`` never reach a searcher.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from nas_gym.envs.api import search_env
from nas_gym.spaces.base import SearchSpace


class Searcher(ABC):
    """A black-box architecture optimizer over op codes of ``space``, randomised only by ``rng``."""

    def __init__(self, space: SearchSpace, rng: np.random.Generator):
        self.space, self.rng = space, rng

    @abstractmethod
    def ask(self) -> np.ndarray:
        """The next architecture to query, as op codes ``(code_length,)``."""

    def tell(self, codes: np.ndarray, score: float) -> None:  # noqa: B027 (optional hook)
        """Learn from the score (reward) of the architecture returned by the last :meth:`ask`."""


def code_choices(space: SearchSpace) -> np.ndarray:
    """Number of options of each op-code position; mutation-based searchers need it."""
    return np.asarray(space.code_nvec, dtype=np.int64)


def mutate(codes: np.ndarray, nvec: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Change one position of ``codes`` to a different op (the NB201 paper's REA mutation).

    Positions with a single option (e.g. the first input of a DARTS node) are never picked.
    """
    child = codes.copy()
    mutable = np.flatnonzero(nvec > 1)
    pos = int(mutable[rng.integers(len(mutable))])
    child[pos] = (int(codes[pos]) + 1 + int(rng.integers(nvec[pos] - 1))) % nvec[pos]
    return child


def neighbours(codes: np.ndarray, nvec: np.ndarray) -> np.ndarray:
    """Every architecture one op change away from ``codes``, ``(sum(nvec - 1), code_length)``."""
    out = []
    for pos, n in enumerate(nvec.tolist()):
        for op in range(n):
            if op != codes[pos]:
                child = codes.copy()
                child[pos] = op
                out.append(child)
    return np.stack(out)


class ActionEncoder:
    """Turns op codes into an action of ``env``: the codes themselves for a discrete env, or the
    one-hot alpha mapped to ``[-1, 1]`` for a continuous (absolute) one."""

    def __init__(self, env: gym.Env):
        search = search_env(env)
        self.space: SearchSpace = search.search_space
        self.discrete = isinstance(env.action_space, spaces.MultiDiscrete)
        if not self.discrete and search.search_config.action_mode != "absolute":
            raise ValueError("classic NAS baselines need action_mode='absolute' (they propose whole architectures)")

    def __call__(self, codes: np.ndarray) -> np.ndarray:
        if self.discrete:
            return codes.astype(np.int64)
        alpha = self.space.one_hot(codes[None])
        if not np.array_equal(self.space.discretize(alpha)[0], codes):
            raise ValueError(f"the {self.space.name} space does not map one-hot alpha back to {codes.tolist()}")
        return (2.0 * alpha.reshape(-1) - 1.0).astype(np.float32)


def run_search(searcher: Searcher, env: gym.Env, seed: int | None = None) -> dict:
    """Run one search episode (until the env's budget truncates it); returns the last ``info``."""
    encode = ActionEncoder(env)
    env.reset(seed=seed)
    while True:
        codes = np.asarray(searcher.ask())
        _, reward, terminated, truncated, info = env.step(encode(codes))
        searcher.tell(codes, float(reward))
        if terminated or truncated:
            return info
