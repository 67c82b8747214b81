"""DARTS ids: ``DARTS-cifar10-v0``, the DARTS/NB301 space rewarded by the NB301 surrogate (2021 model, epoch 98)."""

from __future__ import annotations

IDS: dict[str, dict] = {"DARTS-cifar10-v0": {"top_k": 500}}

ENTRY_POINT = "nas_gym.envs.darts:DARTSEnv"
VECTOR_ENTRY_POINT = "nas_gym.envs.darts:DARTSVectorEnv"
