"""PyTorch networks of the search spaces, written here so trained rewards depend on no outside code."""

from nas_gym.models.nb201_net import NB201Network, count_parameters

__all__ = ["NB201Network", "count_parameters"]
