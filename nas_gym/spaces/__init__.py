"""Search spaces: discrete architecture encodings and their continuous relaxations."""

from nas_gym.spaces.base import SearchSpace
from nas_gym.spaces.nb201 import NB201SearchSpace

__all__ = ["NB201SearchSpace", "SearchSpace"]
