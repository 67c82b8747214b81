"""The trained env's sqlite result cache: a long lock never loses a finished training, a corrupt
file is moved aside, and every error names the file."""

from __future__ import annotations

import sqlite3

import pytest

from nas_gym.data.store import DataError
from nas_gym.training import ResultCache, TrainConfig
from nas_gym.training.cache import ResultCacheError
from nas_gym.training.trainer import TrainResult

CONFIG = TrainConfig(epochs=1)


def _result(arch: str, val: float = 50.0) -> TrainResult:
    return TrainResult(arch, "ok", val, 40.0, 60.0, 1.2, 1234, 3.5, "cpu")


def test_a_lock_longer_than_the_timeout_keeps_the_result_and_writes_it_later(tmp_path):
    path = tmp_path / "r.sqlite"
    cache = ResultCache(path, busy_timeout_s=0.1)
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holding the file past the timeout
    with pytest.warns(UserWarning, match=rf"result cache {path} is busy .* keeping 1 result"):
        cache.put("k1", "cifar10", 0, CONFIG, _result("a"))
    assert cache.pending == 1
    assert cache.get("k1") == _result("a")  # answered from memory: no retraining
    blocker.rollback()
    blocker.close()
    cache.put("k2", "cifar10", 0, CONFIG, _result("b", 60.0))  # the next access writes both
    assert cache.pending == 0
    fresh = ResultCache(path)
    assert fresh.get("k1") == _result("a") and fresh.get("k2") == _result("b", 60.0) and len(fresh) == 2


def test_pending_results_are_written_at_close(tmp_path):
    path = tmp_path / "r.sqlite"
    cache = ResultCache(path, busy_timeout_s=0.1)
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN EXCLUSIVE")
    with pytest.warns(UserWarning):
        cache.put("k1", "cifar10", 0, CONFIG, _result("a"))
    blocker.rollback()
    blocker.close()
    cache.close()
    assert ResultCache(path).get("k1") == _result("a")


@pytest.mark.parametrize("damage", ["garbage", "pages"])
def test_a_corrupt_file_is_moved_aside_and_a_fresh_one_started(tmp_path, damage):
    path = tmp_path / "r.sqlite"
    cache = ResultCache(path)
    for i in range(300):
        cache.put(f"k{i}", "cifar10", 0, CONFIG, _result(f"arch-{i}-" + "x" * 200))
    cache.close()
    data = bytearray(path.read_bytes())
    if damage == "garbage":
        data = bytearray(b"not a database at all" * 100)
    else:  # a valid header, damaged b-tree pages: reads work for a while, then "malformed"
        data[8192:40960] = b"\xff" * (40960 - 8192)
    path.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match=rf"result cache {path} is corrupt .* moved it to .*corrupt-"):
        fresh = ResultCache(path)
    assert len(fresh) == 0
    fresh.put("k", "cifar10", 0, CONFIG, _result("a"))
    assert ResultCache(path).get("k") == _result("a")
    assert len(list(tmp_path.glob("r.sqlite.corrupt-*"))) == 1


def test_an_unopenable_cache_names_the_file_and_the_fix(tmp_path):
    path = tmp_path / "dir.sqlite"
    path.mkdir()  # e.g. a folder where the file should be
    with pytest.raises(ResultCacheError, match=rf"cannot open the result cache {path} .*results_db=") as err:
        ResultCache(path)
    assert isinstance(err.value, DataError)  # the CLI reports it as a user error
