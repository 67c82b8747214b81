"""NAS-Bench-201 ids: ``NB201-<dataset>-v0`` (continuous alpha) and ``NB201-<dataset>-discrete-v0`` (op codes)."""

from __future__ import annotations

IDS: dict[str, dict] = {
    "NB201-cifar10-v0": {"benchmark": "nb201", "dataset": "cifar10"},
    "NB201-cifar100-v0": {"benchmark": "nb201", "dataset": "cifar100"},
    "NB201-ImageNet16-120-v0": {"benchmark": "nb201", "dataset": "ImageNet16-120"},
    "NB201-cifar10-discrete-v0": {"benchmark": "nb201", "dataset": "cifar10", "action_type": "discrete"},
    "NB201-cifar100-discrete-v0": {"benchmark": "nb201", "dataset": "cifar100", "action_type": "discrete"},
    "NB201-ImageNet16-120-discrete-v0": {"benchmark": "nb201", "dataset": "ImageNet16-120", "action_type": "discrete"},
}
