"""What one training run is: the NB201 recipe and the knobs that shrink it for CPUs and tests."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

_TYPES: dict[str, tuple[type, ...]] = {"int": (int,), "float": (int, float), "bool": (bool,)}


@dataclass(frozen=True)
class TrainConfig:
    """The training recipe; every field changes the result, so all of them enter the result-cache key.

    Defaults are NB201's ``hp=12`` schedule (its ``LESS.config``): SGD with Nesterov momentum 0.9,
    lr 0.1 annealed to 0 by a per-step cosine, weight decay 5e-4 on every parameter, batch 256,
    12 epochs, on the full network (``C=16``, ``N=5``) and the full 25k/25k search split.

    Attributes:
        epochs: training epochs (NB201 fidelities: 12 and 200).
        batch_size, lr, momentum, nesterov, weight_decay: the optimiser (see above).
        channels: ``C``, width of the first stage (NB201: 16).
        cells_per_stage: ``N`` (NB201: 5).
        train_subset: train on this many search-train images (a fixed subset, the same for
            every seed) instead of all 25k; for CPU runs and tests.
        eval_subset: evaluate on this many validation / test images instead of all.
    """

    epochs: int = 12
    batch_size: int = 256
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    channels: int = 16
    cells_per_stage: int = 5
    train_subset: int | None = None
    eval_subset: int | None = None

    def __post_init__(self):
        for f in dataclasses.fields(self):  # types first: epochs=1.5 or nesterov="no" must not pass
            value, kinds = getattr(self, f.name), str(f.type).replace(" ", "").split("|")
            if value is None and "None" in kinds:
                continue
            ok = isinstance(value, _TYPES[kinds[0]]) and (kinds[0] == "bool" or not isinstance(value, bool))
            if not ok:
                raise TypeError(f"training setting {f.name} must be {f.type}, got {value!r} ({type(value).__name__})")
        for name in ("epochs", "batch_size", "channels", "cells_per_stage"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("train_subset", "eval_subset"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be >= 1 or None (everything), got {value}")
        if not self.lr > 0 or self.weight_decay < 0 or not 0 <= self.momentum < 1:
            raise ValueError(f"need lr > 0, weight_decay >= 0, 0 <= momentum < 1; got {self}")

    @property
    def is_nb201(self) -> bool:
        """True for the exact NB201 network and data (only the epoch count may differ)."""
        return dataclasses.replace(self, epochs=TrainConfig.epochs) == TrainConfig()

    def to_json(self) -> str:
        """Canonical JSON (sorted keys): the config part of the result-cache key."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)
