"""Trained-reward ids: ``NB201-cifar10-trained-v0`` (each new cell is trained with PyTorch, 12 epochs by default)."""

from __future__ import annotations

IDS: dict[str, dict] = {"NB201-cifar10-trained-v0": {"dataset": "cifar10"}}

ENTRY_POINT = "nas_gym.envs.trained:NB201TrainedEnv"
VECTOR_ENTRY_POINT = "nas_gym.envs.trained:NB201TrainedVectorEnv"
