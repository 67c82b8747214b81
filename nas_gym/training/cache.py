"""A persistent result cache (sqlite): a trained architecture is never trained twice.

One row per (architecture, epochs, seed, dataset, full :class:`TrainConfig`); the key is the
SHA-256 of their canonical JSON, and the parts are stored in readable columns beside it. Each
result is committed the moment its training ends (WAL journal), so a crash loses at most the runs
in flight, and several processes may share one file. Execution details (device, AMP,
channels_last, compile) are not in the key: they change speed and rounding, not the experiment.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
from pathlib import Path

from nas_gym.training.config import TrainConfig
from nas_gym.training.trainer import TrainResult

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    arch TEXT NOT NULL,
    dataset TEXT NOT NULL,
    epochs INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    config TEXT NOT NULL,
    status TEXT NOT NULL,
    val_acc REAL,
    test_acc REAL,
    train_acc REAL,
    train_loss REAL,
    params INTEGER NOT NULL,
    train_seconds REAL NOT NULL,
    device TEXT NOT NULL,
    error TEXT NOT NULL,
    created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
)
"""
_RESULT_FIELDS = [f.name for f in dataclasses.fields(TrainResult)]
_VALUE_FIELDS = [f for f in _RESULT_FIELDS if f != "arch"]


def result_key(arch: str, dataset: str, seed: int, config: TrainConfig) -> str:
    """The cache key of one training run (epochs are part of ``config``)."""
    payload = json.dumps({"arch": arch, "dataset": dataset, "seed": int(seed), "config": json.loads(config.to_json())})
    return hashlib.sha256(payload.encode()).hexdigest()


def _nan_to_null(value):
    return None if isinstance(value, float) and value != value else value


class ResultCache:
    """Training results in one sqlite file (created on first use)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        self._db.commit()

    def get(self, key: str) -> TrainResult | None:
        row = self._db.execute(f"SELECT arch, {', '.join(_VALUE_FIELDS)} FROM results WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        values = dict(zip(_RESULT_FIELDS, row, strict=True))
        for name in ("val_acc", "test_acc", "train_acc", "train_loss"):
            values[name] = float("nan") if values[name] is None else values[name]
        return TrainResult(**values)

    def put(self, key: str, dataset: str, seed: int, config: TrainConfig, result: TrainResult) -> None:
        """Store (or replace) one result and commit at once."""
        values = [_nan_to_null(getattr(result, f)) for f in _VALUE_FIELDS]
        self._db.execute(
            f"INSERT OR REPLACE INTO results (key, arch, dataset, epochs, seed, config, {', '.join(_VALUE_FIELDS)}) "
            f"VALUES (?, ?, ?, ?, ?, ?, {', '.join('?' * len(_VALUE_FIELDS))})",
            (key, result.arch, dataset, config.epochs, int(seed), config.to_json(), *values),
        )
        self._db.commit()

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def close(self) -> None:
        self._db.close()
