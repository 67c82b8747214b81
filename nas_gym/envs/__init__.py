"""Gymnasium envs: one architecture search per episode, one generic env for every family."""

from nas_gym.envs.config import SearchConfig
from nas_gym.envs.families import FAMILIES
from nas_gym.envs.search_env import ArchSearchEnv
from nas_gym.envs.vector import ArchSearchVectorEnv

__all__ = ["FAMILIES", "ArchSearchEnv", "ArchSearchVectorEnv", "SearchConfig"]
