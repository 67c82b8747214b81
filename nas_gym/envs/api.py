"""The declared read-only API of every search env, single and vector.

Agents, the harness and the CLI learn about a search through these properties only (SB3's
rule: an algorithm that needs more than the spaces asks a declared env property). Through
wrappers, read them as ``env.unwrapped.search_space`` or ``env.get_wrapper_attr("search_space")``;
SB3's ``VecEnv.get_attr("search_space")`` reaches them too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

import gymnasium as gym

from nas_gym.benchmarks.base import Benchmark
from nas_gym.envs.config import SearchConfig
from nas_gym.envs.core import SearchCore
from nas_gym.spaces.base import SearchSpace


class SearchEnvAPI:
    """Read-only properties shared by :class:`ArchSearchEnv` and :class:`ArchSearchVectorEnv`."""

    _core: SearchCore

    @property
    def search_space(self) -> SearchSpace:
        """The space actions are decoded into (encodings, ``to_string``, ``code_nvec``, ...)."""
        return self._core.space

    @property
    def benchmark(self) -> Benchmark:
        """The blackbox that answers queries (tables, surrogate, predictor or training)."""
        return self._core.benchmark

    @property
    def search_config(self) -> SearchConfig:
        """The search settings in force, resolved: ``signal`` and (unique budgets) ``max_steps`` filled in."""
        return self._core.config

    @property
    def signal(self) -> str:
        """The metric that drives reward, state and best-so-far."""
        return self._core.signal

    @property
    def protocol(self) -> dict:
        """Benchmark, signal (and whether it is a test set), reported metric, budget, reward, note."""
        return self._core.protocol

    @property
    def report_optimum(self) -> float | None:
        """Best reported value over the whole space, or ``None`` when unknown (no ``regret`` then)."""
        return self._core.report_optimum

    @property
    def step_cap(self) -> int:
        """Most steps one episode can take (the budget, or ``max_steps`` for unique budgets)."""
        return self._core.config.step_cap


def search_env(env: object) -> SearchEnvAPI:
    """The nas-gym search env under ``env``'s wrappers, typed; a clear error for any other env."""
    inner = getattr(env, "unwrapped", env)
    if not isinstance(inner, SearchEnvAPI):
        raise TypeError(
            f"{type(inner).__name__} is not a nas-gym search env; make one with gym.make of a nas-gym id "
            "(nas_gym.ENV_IDS lists them)"
        )
    return inner


_GYMNASIUM_TAIL = re.compile(r" was raised from the environment creator for .*", re.DOTALL)


def make_env(env_id: str, kwargs: Mapping[str, Any] | None = None, cache: str | os.PathLike | None = None) -> gym.Env:
    """``gym.make(env_id, **kwargs)`` with the data ``cache`` folder when one is given.

    Gymnasium appends every kwarg to an env creator's error ("... was raised from the environment
    creator for ID with kwargs (...)"); that tail repeats the input and buries the line naming the bad
    keyword, so it is cut (the original error stays chained as the cause).
    """
    options: dict[str, Any] = dict(kwargs or {})
    if cache is not None:
        options["cache"] = str(cache)
    try:
        return gym.make(env_id, **options)
    except (TypeError, ValueError) as err:
        message = _GYMNASIUM_TAIL.sub("", str(err))
        if message == str(err):
            raise
        raise type(err)(message) from err
