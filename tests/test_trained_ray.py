"""evaluator="ray": a batch trains as parallel Ray tasks and gives the local evaluator's results."""

from __future__ import annotations

import numpy as np
import pytest

from nas_gym.benchmarks.trained import TrainedNB201Benchmark
from nas_gym.training import ImageSplits

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'nas-gym[ray]'")

TINY = {"epochs": 1, "channels": 4, "cells_per_stage": 1, "batch_size": 64}


@pytest.fixture(scope="module")
def local_ray():
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)  # never another job's Ray
    yield
    ray.shutdown()


def test_ray_batch_matches_local_training(local_ray, tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 128, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 4, (3, 128)).astype(np.uint8)
    data = ImageSplits("noise", 4, images[0], labels[0], images[1], labels[1], images[2], labels[2])
    archs = np.array([[3, 3, 3, 1, 3, 2], [2, 1, 4, 0, 2, 1], [3, 3, 3, 1, 3, 2]])
    remote = TrainedNB201Benchmark(data=data, results_db=tmp_path / "ray.sqlite", evaluator="ray", **TINY)
    local = TrainedNB201Benchmark(data=data, results_db=tmp_path / "local.sqlite", device="cpu", **TINY)
    got, expected = remote.query_many(archs, ("val_acc", "params")), local.query_many(archs, ("val_acc", "params"))
    assert remote.trainings_run == 2  # the repeated cell is trained once
    assert got["params"].tolist() == expected["params"].tolist() == [0.017504, 0.005576, 0.017504]
    np.testing.assert_allclose(got["val_acc"], expected["val_acc"], atol=1.0)  # 1 image of 128 for thread rounding
