"""A persistent result cache (sqlite): a trained architecture is never trained twice.

One row per (architecture, epochs, seed, dataset, full :class:`TrainConfig`); the key is the
SHA-256 of their canonical JSON, and the parts are stored in readable columns beside it. Each
result is committed the moment its training ends (WAL journal, busy timeout), so a crash loses at
most the runs in flight, and several processes may share one file. Execution details (device, AMP,
channels_last, compile) are not in the key: they change speed and rounding, not the experiment.

A finished training is never lost to the cache: when the file stays locked past the timeout
the result is kept in memory and written at the next access (or at exit); a corrupt file is
moved aside with a warning and a fresh one started; every error names the file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sqlite3
import time
import warnings
import weakref
from pathlib import Path

from nas_gym.data.store import DataError
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
_INSERT = (
    f"INSERT OR REPLACE INTO results (key, arch, dataset, epochs, seed, config, {', '.join(_VALUE_FIELDS)}) "
    f"VALUES (?, ?, ?, ?, ?, ?, {', '.join('?' * len(_VALUE_FIELDS))})"
)


def result_key(arch: str, dataset: str, seed: int, config: TrainConfig) -> str:
    """The cache key of one training run (epochs are part of ``config``)."""
    payload = json.dumps({"arch": arch, "dataset": dataset, "seed": int(seed), "config": json.loads(config.to_json())})
    return hashlib.sha256(payload.encode()).hexdigest()


def _nan_to_null(value):
    return None if isinstance(value, float) and value != value else value


class ResultCacheError(DataError):
    """The result cache file cannot be used; the message names it and the fix."""


Row = tuple


def _connect(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=busy_timeout_s)
    try:
        check = db.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise sqlite3.DatabaseError(f"integrity check: {check[0] if check else 'no answer'}")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(_SCHEMA)
        db.commit()
    except BaseException:
        db.close()
        raise
    return db


def _move_aside(path: Path, why: str) -> Path:
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            os.replace(part, Path(f"{aside}{suffix}"))
    warnings.warn(f"result cache {path} is corrupt ({why}); moved it to {aside} and started a fresh one", stacklevel=3)
    return aside


def _flush(db: sqlite3.Connection, pending: dict[str, Row]) -> None:
    """Write the rows kept in memory (one transaction); they stay pending if the file is still busy."""
    if not pending:
        return
    with db:
        db.executemany(_INSERT, list(pending.values()))
    pending.clear()


class ResultCache:
    """Training results in one sqlite file (created on first use).

    Args:
        path: the sqlite file.
        busy_timeout_s: how long a write waits for another process's lock before the result is
            kept in memory instead (and written at the next access).
    """

    def __init__(self, path: str | os.PathLike, busy_timeout_s: float = 60.0):
        self.path = Path(path).expanduser()
        self._pending: dict[str, Row] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._open(busy_timeout_s)
        except (sqlite3.Error, OSError) as err:
            raise ResultCacheError(
                f"cannot open the result cache {self.path} ({err}); it and its folder must be writable "
                "(sqlite's WAL journal lives beside it): fix the permissions or pass results_db=ANOTHER_FILE"
            ) from None
        self._finalizer = weakref.finalize(self, _flush_at_exit, self._db, self._pending, self.path)

    def _open(self, busy_timeout_s: float) -> sqlite3.Connection:
        try:
            return _connect(self.path, busy_timeout_s)
        except sqlite3.OperationalError:
            raise  # cannot open, or locked: not a damaged file
        except sqlite3.DatabaseError as err:  # not a database, malformed, failed integrity check
            _move_aside(self.path, str(err))
            return _connect(self.path, busy_timeout_s)

    def _try_flush(self) -> None:
        with contextlib.suppress(sqlite3.OperationalError):  # still busy: tried again at the next access
            _flush(self._db, self._pending)

    def get(self, key: str) -> TrainResult | None:
        if key in self._pending:
            row = self._pending[key]
            return _to_result((row[1], *row[6:]))
        self._try_flush()
        try:
            row = self._db.execute(
                f"SELECT arch, {', '.join(_VALUE_FIELDS)} FROM results WHERE key = ?", (key,)
            ).fetchone()
        except sqlite3.OperationalError:
            return None  # busy: train again rather than fail the search (the put will be kept)
        except sqlite3.DatabaseError as err:
            raise ResultCacheError(f"result cache {self.path} is damaged ({err}); delete or move it") from None
        return None if row is None else _to_result(row)

    def put(self, key: str, dataset: str, seed: int, config: TrainConfig, result: TrainResult) -> None:
        """Store (or replace) one result and commit at once; if the file stays locked, keep it in memory."""
        values = [_nan_to_null(getattr(result, f)) for f in _VALUE_FIELDS]
        self._pending[key] = (key, result.arch, dataset, config.epochs, int(seed), config.to_json(), *values)
        try:
            _flush(self._db, self._pending)
        except sqlite3.OperationalError as err:
            warnings.warn(
                f"result cache {self.path} is busy ({err}); keeping {len(self._pending)} result(s) in memory, "
                "to be written at the next access",
                stacklevel=2,
            )
        except sqlite3.DatabaseError as err:
            raise ResultCacheError(
                f"result cache {self.path} is damaged ({err}); the result of {result.arch} is kept in memory for "
                "this run; move the file aside to start a fresh cache"
            ) from None

    @property
    def pending(self) -> int:
        """Results kept in memory because the file was busy."""
        return len(self._pending)

    def __len__(self) -> int:
        self._try_flush()
        stored = self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        return stored + len(self._pending)

    def close(self) -> None:
        self._finalizer()


def _to_result(fields: Row) -> TrainResult:
    """A :class:`TrainResult` from ``(arch, *values)`` as stored (NULL accuracies back to NaN)."""
    values = dict(zip(_RESULT_FIELDS, fields, strict=True))
    for name in ("val_acc", "test_acc", "train_acc", "train_loss"):
        values[name] = float("nan") if values[name] is None else values[name]
    return TrainResult(**values)


def _flush_at_exit(db: sqlite3.Connection, pending: dict[str, Row], path: Path) -> None:
    try:
        _flush(db, pending)
    except sqlite3.Error as err:
        warnings.warn(f"result cache {path}: {len(pending)} result(s) could not be written ({err})", stacklevel=1)
    finally:
        db.close()
