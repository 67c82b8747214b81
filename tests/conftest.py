"""Shared fixtures and helpers: the real data (imported once per session when ../shared/data is
there), a toy image task for the trained env, rollouts and their bit-for-bit comparison.

Test modules import helpers from here, never from each other.
"""

from __future__ import annotations

import os
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from nas_gym.data.registry import get_spec
from nas_gym.data.store import DataError, import_dataset
from nas_gym.spaces.darts import Genotype

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("NAS_GYM_SHARED_DATA", REPO.parent / "shared" / "data"))


class RealData:
    """Imports real datasets from ``SHARED_DATA`` into one session cache, each at most once."""

    def __init__(self, cache: Path):
        self.cache = cache
        self._done: set[str] = set()

    def require(self, name: str) -> Path:
        """Cache folder holding ``name``; skips the test when the source files are absent."""
        if name not in self._done:
            if not (SHARED_DATA / name).is_dir():
                pytest.skip(f"real data {SHARED_DATA / name} is absent")
            try:
                import_dataset(get_spec(name), SHARED_DATA, self.cache)
            except DataError as err:
                pytest.fail(f"real data {name} did not import: {err}")
            self._done.add(name)
        return self.cache


@pytest.fixture(scope="session")
def real_data(tmp_path_factory) -> RealData:
    return RealData(tmp_path_factory.mktemp("nas-gym-cache"))


@pytest.fixture(scope="session")
def nb201_cache(real_data) -> Path:
    """Cache folder with the real NB201 table imported."""
    return real_data.require("nb201")


@pytest.fixture
def one_thread():
    """Tiny networks run fastest single-threaded; restores the setting for other tests."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# -- a toy image task for the trained-reward env ----------------------------------------------
TINY_TRAINING = {"epochs": 2, "channels": 4, "cells_per_stage": 1, "batch_size": 64}
"""A network and recipe small enough to train in well under a second on CPU."""
COLOURS = np.array([[200, 30, 30], [30, 200, 30], [30, 30, 200], [200, 200, 30]], np.uint8)


def toy_images(sizes: tuple[int, int, int] = (512, 256, 256), seed: int = 0):
    """A 4-class colour task (train, val, test sizes; an ``ImageSplits``) a tiny network learns in 2 epochs."""
    from nas_gym.training import ImageSplits  # imports torch: only for the tests that train

    rng = np.random.default_rng(seed)
    parts = []
    for n in sizes:
        labels = rng.integers(0, len(COLOURS), n).astype(np.uint8)
        noise = rng.normal(0, 30, (n, 32, 32, 3))
        parts += [np.clip(COLOURS[labels][:, None, None, :] + noise, 0, 255).astype(np.uint8), labels]
    return ImageSplits("toy", len(COLOURS), *parts)


# -- wrappers ---------------------------------------------------------------------------------
class ScrambleTestMetrics(gym.Wrapper):
    """Replaces every test-set field of ``info`` with noise: an agent that reads one changes course."""

    def __init__(self, env):
        super().__init__(env)
        self.garbage = np.random.default_rng(123)

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        for key in ("report_acc", "best_report_acc", "regret"):
            info[key] = float(self.garbage.uniform(-1e9, 1e9))
        return obs, reward, terminated, truncated, info


# -- harness runs --------------------------------------------------------------------------------
RAY_NICENESS = "RAY_worker_niceness"  # Ray's override of its config value worker_niceness (case-sensitive)
RUN_TIMING = ("total_wall_time_s", "wall_time_s")
"""Keys of summary.json that measure the machine, not the search."""


def search_result(folder: Path) -> tuple[list[dict], dict]:
    """A run folder's queries (without their wall clock) and summary (without its timings)."""
    import csv
    import json

    with open(folder / "queries.csv") as f:
        rows = [{k: v for k, v in row.items() if k != "wall_s"} for row in csv.DictReader(f)]
    summary = json.loads((folder / "summary.json").read_text())
    return rows, {k: v for k, v in summary.items() if k not in RUN_TIMING}


# -- rollouts and bit-for-bit comparison ------------------------------------------------------
def rollout(env: gym.Env, seed: int, steps: int) -> list:
    """Reset with ``seed``, then ``steps`` seeded random actions; resets (unseeded) after a truncation."""
    obs, info = env.reset(seed=seed)
    env.action_space.seed(seed)
    out: list = [(obs, info)]
    for _ in range(steps):
        step = env.step(env.action_space.sample())
        out.append(step)
        if step[2] or step[3]:
            out.append(env.reset())
    return out


def same(a, b) -> bool:
    """Bit-for-bit equality of nested rollouts and infos: values, dtypes and types (NaN equals NaN)."""
    return difference(a, b) is None


def difference(a, b, path: str = "") -> str | None:
    """Where ``a`` and ``b`` first differ (a path such as ``[3][4]['index']``), or ``None`` when they are the same."""
    if isinstance(a, dict):
        if not isinstance(b, dict) or a.keys() != b.keys():
            return (
                f"{path}: keys {sorted(a) if isinstance(a, dict) else a} vs {sorted(b) if isinstance(b, dict) else b}"
            )
        return next((d for k in a if (d := difference(a[k], b[k], f"{path}[{k!r}]"))), None)
    if isinstance(a, list | tuple):
        if type(a) is not type(b) or len(a) != len(b):
            return f"{path}: {type(a).__name__} of {len(a)} vs {b!r}"
        return next(
            (d for i, (x, y) in enumerate(zip(a, b, strict=True)) if (d := difference(x, y, f"{path}[{i}]"))), None
        )
    if isinstance(a, np.ndarray):
        if not (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape):
            return f"{path}: array {a.dtype}{a.shape} vs {getattr(b, 'dtype', type(b))}{getattr(b, 'shape', '')}"
        if a.dtype == object:
            return difference(a.tolist(), b.tolist(), path) if a.ndim else difference(a.item(), b.item(), path)
        return None if np.array_equal(a, b, equal_nan=a.dtype.kind in "fc") else f"{path}: {a} vs {b}"
    if isinstance(a, float | np.floating) and np.isnan(a):
        return None if type(a) is type(b) and np.isnan(b) else f"{path}: nan vs {b!r}"
    return (
        None if type(a) is type(b) and a == b else f"{path}: {a!r} ({type(a).__name__}) vs {b!r} ({type(b).__name__})"
    )


# The original DARTS-V2 genotype and its surrogate input, from the data README section 7.
DARTS_V2 = Genotype(
    normal=[
        ("sep_conv_3x3", 0),
        ("sep_conv_3x3", 1),
        ("sep_conv_3x3", 0),
        ("sep_conv_3x3", 1),
        ("sep_conv_3x3", 1),
        ("skip_connect", 0),
        ("skip_connect", 0),
        ("dil_conv_3x3", 2),
    ],
    normal_concat=[2, 3, 4, 5],
    reduce=[
        ("max_pool_3x3", 0),
        ("max_pool_3x3", 1),
        ("skip_connect", 2),
        ("max_pool_3x3", 1),
        ("max_pool_3x3", 0),
        ("skip_connect", 2),
        ("skip_connect", 2),
        ("max_pool_3x3", 1),
    ],
    reduce_concat=[2, 3, 4, 5],
)
