"""DARTS ids: ``DARTS-cifar10-v0``, the DARTS/NB301 space rewarded by the NB301 surrogate (2021 model, epoch 98).

The paper's K = 500 and 20k-query budget are the ``nb301`` family's defaults (nas_gym/envs/families.py).
"""

from __future__ import annotations

IDS: dict[str, dict] = {
    "DARTS-cifar10-v0": {"benchmark": "nb301"},
}
