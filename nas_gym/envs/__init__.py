"""Gymnasium envs: one architecture search per episode."""

from nas_gym.envs.core import SearchConfig
from nas_gym.envs.nb201 import NB201Env, NB201VectorEnv
from nas_gym.envs.search_env import ArchSearchEnv
from nas_gym.envs.vector import ArchSearchVectorEnv

__all__ = ["ArchSearchEnv", "ArchSearchVectorEnv", "NB201Env", "NB201VectorEnv", "SearchConfig"]
