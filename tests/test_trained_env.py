"""Trainer, result cache and NB201-cifar10-trained-v0 on CPU with tiny configs (seconds, not hours).

The checkers, seeding and vector-env equivalence of the id are in test_env_contract.py.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import nas_gym  # noqa: F401  (registers the ids)
from nas_gym.benchmarks.trained import TrainedNB201Benchmark
from nas_gym.envs import ArchSearchEnv
from nas_gym.models.nb201_net import NB201Network, count_parameters
from nas_gym.spaces.nb201 import string_to_codes
from nas_gym.training import LocalEvaluator, ResultCache, TrainConfig, Trainer
from tests.conftest import TINY_TRAINING, toy_images

TINY = TINY_TRAINING
ARCH = np.array([[3, 3, 3, 1, 3, 2]])  # the CIFAR-10 optimum cell (index 6111)
pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def toy():
    return toy_images()


def bench(toy, tmp_path, **kwargs) -> TrainedNB201Benchmark:
    return TrainedNB201Benchmark(data=toy, results_db=tmp_path / "results.sqlite", device="cpu", **{**TINY, **kwargs})


def test_training_learns_and_is_bit_reproducible(toy):
    trainer = Trainer(toy, "cpu")
    config = TrainConfig(**TINY)
    a, b = (trainer.train(ARCH[0], config, seed=0, evaluate_test=True) for _ in range(2))
    assert a.status == "ok" and a.val_acc == 100.0 and a.test_acc == 100.0
    assert (a.val_acc, a.train_loss, a.train_acc) == (b.val_acc, b.train_loss, b.train_acc)
    other = trainer.train(ARCH[0], config, seed=1)
    assert other.train_loss != a.train_loss and np.isnan(other.test_acc)


def test_nan_loss_is_reported_with_the_penalty(toy, tmp_path):
    b = bench(toy, tmp_path, lr=1e30)
    out = b.query_many(ARCH, ("val_acc", "test_acc"))
    assert out["val_acc"].tolist() == [0.0] and np.isnan(out["test_acc"]).all()
    assert b.arch_info(ARCH)["train_status"].tolist() == ["nan"]
    assert len(b.results) == 1  # a diverging recipe diverges again: cached


def test_out_of_memory_is_reported_and_not_cached(toy, tmp_path, monkeypatch):
    def oom(self, x):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(NB201Network, "forward", oom)
    env = ArchSearchEnv(
        "nb201-trained", data=toy, results_db=tmp_path / "r.sqlite", device="cpu", max_queries=2, **TINY
    )
    env.reset(seed=0)
    _, reward, _, _, info = env.step(env.action_space.sample())
    assert info["train_status"] == "oom" and info["signal_acc"] == 0.0 and reward == 1.0  # exp100 of 0 %
    assert len(env.unwrapped.benchmark.results) == 0  # memory depends on the machine: retried next time


def test_results_persist_across_processes_and_are_keyed_by_seed_and_epochs(toy, tmp_path):
    first = bench(toy, tmp_path)
    val = first.query(ARCH, "val_acc")
    again = bench(toy, tmp_path)
    assert again.query(ARCH, "val_acc").tolist() == val.tolist() and again.trainings_run == 0
    assert bench(toy, tmp_path, seed=1).query(ARCH, "params").tolist() == [0.017504]
    other_epochs = bench(toy, tmp_path, epochs=1)
    other_epochs.query(ARCH, "val_acc")
    assert other_epochs.trainings_run == 1 and len(ResultCache(tmp_path / "results.sqlite")) == 3


def test_a_crash_keeps_every_finished_result(toy, tmp_path):
    class CrashAfterOne(LocalEvaluator):
        def run(self, jobs):
            yield from list(super().run(jobs[:1]))
            raise KeyboardInterrupt

    b = bench(toy, tmp_path, evaluator=CrashAfterOne(toy, device="cpu"))
    with pytest.raises(KeyboardInterrupt):
        b.query(np.array([[3, 3, 3, 1, 3, 2], [2, 2, 2, 2, 2, 2]]), "val_acc")
    assert len(ResultCache(tmp_path / "results.sqlite")) == 1


def test_test_accuracy_only_when_asked(toy, tmp_path):
    assert np.isnan(bench(toy, tmp_path).query(ARCH, "test_acc")).all()
    asked = bench(toy, tmp_path, report_test=True)
    assert asked.query(ARCH, "test_acc").tolist() == [100.0] and asked.trainings_run == 1  # retrained to test
    with pytest.raises(ValueError, match="signal='test_acc' cannot drive"):
        ArchSearchEnv("nb201-trained", data=toy, results_db=tmp_path / "r.sqlite", signal="test_acc", **TINY)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dataset": "cifar100"}, "trained rewards exist for cifar10"),
        ({"epoch": 3}, "unknown training kwargs"),
        ({"epochs": 0}, "epochs must be >= 1"),
        ({"evaluator": "slurm"}, "unknown evaluator"),
        ({"failure_acc": -1.0}, "failure_acc"),
    ],
)
def test_bad_configuration_is_refused(toy, tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        bench(toy, tmp_path, **kwargs)


@pytest.fixture(scope="module")
def cifar_cache(real_data):
    return real_data.require("cifar10")


def make_real(cifar_cache, tmp_path, **kwargs):
    tiny = {**TINY, "epochs": 1, "train_subset": 128, "eval_subset": 128}
    return gym.make(
        "NB201-cifar10-trained-v0", cache=cifar_cache, results_db=tmp_path / "r.sqlite", device="cpu", **tiny, **kwargs
    )


def test_registered_id_trains_real_cifar10_images(cifar_cache, tmp_path):
    env = make_real(cifar_cache, tmp_path, max_queries=50)
    assert env.action_space == gym.spaces.Box(-1.0, 1.0, (30,), np.float32)
    assert env.observation_space == gym.spaces.Box(0.0, 1.0, (30,), np.float32)
    env.reset(seed=0)
    _, _, _, _, info = env.step(env.action_space.sample())
    assert info["train_status"] == "ok" and 0.0 <= info["signal_acc"] <= 100.0
    assert "report_acc" not in info and "regret" not in info  # not measured / unknown, so not reported
    built = NB201Network(string_to_codes(info["arch"]), num_classes=10, channels=4, cells_per_stage=1)
    assert info["params"] == count_parameters(built) / 1e6 and info["train_seconds"] > 0


def test_vector_env_trains_the_batch(cifar_cache, tmp_path):
    env = gym.make_vec(
        "NB201-cifar10-trained-v0",
        num_envs=2,
        vectorization_mode="vector_entry_point",
        cache=cifar_cache,
        results_db=tmp_path / "r.sqlite",
        device="cpu",
        **{**TINY, "epochs": 1, "train_subset": 128, "eval_subset": 128},
    )
    env.reset(seed=0)
    _, reward, _, _, info = env.step(np.stack([np.eye(5)[ARCH[0]].ravel() * 2 - 1] * 2).astype(np.float32))
    assert reward[0] == reward[1] and info["train_status"].tolist() == ["ok", "ok"]
    assert env.unwrapped.benchmark.trainings_run == 1  # one architecture, trained once


def test_render_names_the_best_cell(toy, tmp_path):
    env = ArchSearchEnv(
        "nb201-trained", data=toy, results_db=tmp_path / "r.sqlite", device="cpu", render_mode="ansi", **TINY
    )
    env.reset(seed=0)
    assert env.render() == "no architecture evaluated yet\n"
    env.step(np.eye(5)[ARCH[0]].ravel().astype(np.float32) * 2 - 1)
    text = env.render()
    assert "val_acc=100.00 params=0.017504 train_status=ok" in text and text.endswith(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|\n"
    )
