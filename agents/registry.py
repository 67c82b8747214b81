"""The agents of ``nas-gym search --agent NAME``: one runner per name, all on the same env.

Every runner takes an env made by ``gym.make`` (already wrapped by the recorder), a seed and
keyword overrides, runs exactly one search episode and returns the hyperparameters it used.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from agents.baselines import SEARCHERS, run_search

SB3_ALGOS = ("ppo", "a2c", "sac", "td3", "ddpg")
L2NAS_AGENTS = {"l2nas": "improved", "l2nas-paper": "paper"}
AGENTS = (*L2NAS_AGENTS, *SEARCHERS, *SB3_ALGOS)


def step_cap(env: gym.Env) -> int:
    """Most env steps one search episode can take (the budget, or ``max_steps`` for unique budgets)."""
    return env.unwrapped.step_cap


def run_agent(name: str, env: gym.Env, env_id: str, seed: int, overrides: dict[str, Any] | None = None) -> dict:
    """Run one search of agent ``name``; returns the hyperparameters used (for the run summary)."""
    overrides = dict(overrides or {})
    if name in SEARCHERS:
        searcher = SEARCHERS[name](env.unwrapped.search_space, np.random.default_rng(seed), **overrides)
        run_search(searcher, env, seed=seed)
        return overrides
    from stable_baselines3.common.callbacks import StopTrainingOnMaxEpisodes

    stop = StopTrainingOnMaxEpisodes(max_episodes=1)
    if name in L2NAS_AGENTS:
        from agents.l2nas import L2NAS

        model = L2NAS("MlpPolicy", env, preset=L2NAS_AGENTS[name], seed=seed, **overrides)
        model.learn(total_timesteps=step_cap(env), callback=stop)
        return model.hyperparameters()
    if name in SB3_ALGOS:
        from agents.sb3 import make_sb3

        model, used = make_sb3(name, env, env_id, seed, overrides)
        model.learn(total_timesteps=step_cap(env), callback=stop)
        return used
    raise ValueError(f"unknown agent {name!r}; choose one of {', '.join(AGENTS)}")
