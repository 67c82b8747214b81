"""Trained-reward ids: ``NB201-cifar10-trained-v0`` (each new cell is trained with PyTorch, 12 epochs by default)."""

from __future__ import annotations

IDS: dict[str, dict] = {
    "NB201-cifar10-trained-v0": {"benchmark": "nb201-trained", "dataset": "cifar10"},
}
