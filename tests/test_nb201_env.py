"""NB201 envs: the README example, op codes, delta mode, top-K state, rewards, latency, NB201 kwargs, honesty.

The contract of every id (checkers, seeding, vector env, budgets, bad input) is in test_env_contract.py.
"""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from nas_gym.data.store import import_dataset
from nas_gym.envs import ArchSearchEnv
from tests.conftest import rollout
from tests.nb201_fixture import build_sources, spec_for

BEST_C10 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
BEST_C10_CODES = np.array([3, 3, 3, 1, 3, 2])


def one_hot_action(codes: np.ndarray) -> np.ndarray:
    """The continuous action whose argmax per edge is ``codes``."""
    a = -np.ones((6, 5), dtype=np.float32)
    a[np.arange(6), codes] = 1.0
    return a.reshape(-1)


def test_checkers_pass_with_a_latency_limit(nb201_cache):
    kwargs = {"latency_device": "pixel2", "latency_limit_ms": 20}
    gym_check_env(ArchSearchEnv("nb201", cache=nb201_cache, **kwargs), skip_render_check=True)
    sb3_check_env(ArchSearchEnv("nb201", cache=nb201_cache, **kwargs))


def test_readme_example(nb201_cache):
    env = gym.make("NB201-cifar10-v0", cache=nb201_cache)
    obs, info = env.reset(seed=0)
    assert obs.shape == (30,) and not obs.any()
    assert info["protocol"]["signal"] == "val12" and info["protocol"]["report"] == "test200"
    obs, reward, terminated, truncated, info = env.step(one_hot_action(BEST_C10_CODES))
    assert info["arch"] == BEST_C10 and info["index"] == 6111
    assert info["report_acc"] == pytest.approx(94.37333, abs=1e-5)
    assert info["signal_acc"] == pytest.approx(84.384, abs=1e-6)
    assert reward == pytest.approx(100**0.84384)
    assert info["regret"] == pytest.approx(0.0)
    assert np.array_equal(obs.reshape(6, 5).argmax(1), BEST_C10_CODES) and obs.sum() == 6
    assert not terminated and not truncated


def test_module_prefix_form_imports_the_package(nb201_cache):
    code = (
        "import gymnasium as gym; "
        f"env = gym.make('nas_gym:NB201-cifar100-v0', cache={str(nb201_cache)!r}); "
        "print(env.reset(seed=0)[0].shape)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(30,)"


def test_discrete_env_takes_op_codes(nb201_cache):
    env = gym.make("NB201-cifar10-discrete-v0", cache=nb201_cache, signal="test200", reward="acc")
    env.reset(seed=0)
    _, reward, *_, info = env.step(BEST_C10_CODES)
    assert info["index"] == 6111 and reward == pytest.approx(0.9437333, abs=1e-6)
    with pytest.raises(ValueError, match="discrete actions"):
        env.step(np.array([5, 0, 0, 0, 0, 0]))


def test_delta_mode_start_depends_only_on_the_seed(nb201_cache):
    env = ArchSearchEnv("nb201", cache=nb201_cache, action_mode="delta", delta_step=0.5)
    o1, _ = env.reset(seed=11)
    o2, _ = env.reset(seed=11)
    assert o1.shape == (60,) and np.array_equal(o1, o2) and not o1[:30].any()
    o3, *_ = env.step(np.ones(30, dtype=np.float32))
    assert np.allclose(o3[30:], np.minimum(o1[30:] + 0.5, 1.0))


def test_out_of_box_actions_are_clipped(nb201_cache):
    env = ArchSearchEnv("nb201", cache=nb201_cache)
    env.reset(seed=0)
    big = one_hot_action(BEST_C10_CODES) * 7.0
    info = env.step(big)[-1]
    assert info["index"] == 6111


def test_top_k_state_and_best_so_far(nb201_cache):
    env = ArchSearchEnv("nb201", cache=nb201_cache, top_k=2, signal="test200")
    env.reset(seed=0)
    archs = [np.array([3] * 6), np.array([2] * 6), BEST_C10_CODES, np.array([3] * 6)]
    steps = [env.step(one_hot_action(c)) for c in archs]
    infos = [s[-1] for s in steps]
    obs = steps[-1][0].reshape(6, 5)
    top2 = sorted(infos[:3], key=lambda i: -i["report_acc"])[:2]
    expected = np.mean([np.eye(5)[[int(c) for c in i["codes"]]] for i in top2], axis=0)
    assert np.array_equal(obs, expected.astype(np.float32))
    assert infos[-1]["is_new"] is False and infos[-1]["unique_queries"] == 3
    assert infos[-1]["best_arch"] == BEST_C10 and infos[-1]["best_report_acc"] == pytest.approx(94.37333, abs=1e-5)


def test_rewards_of_every_shape(nb201_cache):
    acc = 0.84384
    for kwargs, expected in (
        ({}, 100**acc),
        ({"reward": "acc"}, acc),
        ({"reward": "transfer", "acc_env": 0.8}, 100 ** (acc / 0.8) / 100 - 1),
    ):
        env = ArchSearchEnv("nb201", cache=nb201_cache, **kwargs)
        env.reset(seed=0)
        assert env.step(one_hot_action(BEST_C10_CODES))[1] == pytest.approx(expected)


def test_latency_hard_limit_and_soft_penalty(nb201_cache):
    env = ArchSearchEnv("nb201", cache=nb201_cache, latency_device="pixel2", latency_limit_ms=20)
    env.reset(seed=0)
    obs, reward, *_, info = env.step(one_hot_action(BEST_C10_CODES))  # 25 ms on pixel2
    assert info["latency_ms"] == 25 and reward == 1.0  # exp100 of accuracy 0: the invalid architecture
    assert not obs.any() and info["best_arch"] == ""
    assert info["best_report_acc"] == info["best_signal_acc"] == -np.inf and info["regret"] == np.inf
    env = ArchSearchEnv("nb201", cache=nb201_cache, latency_device="pixel2", latency_weight=0.1)
    env.reset(seed=0)
    assert env.step(one_hot_action(BEST_C10_CODES))[1] == pytest.approx(100**0.84384 - 2.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"signal": "val200"}, "cannot drive"),
        ({"reward": "transfer"}, "acc_env"),
        ({"reward": "transfer", "acc_env": 94.0}, "fraction"),
        ({"latency_device": "abacus"}, "latency_device"),
        ({"latency_limit_ms": 10}, "need latency_device"),
        ({"latency_device": "fpga", "latency_limit_ms": 5, "latency_weight": 1}, "not both"),
        ({"action_type": "discrete", "action_mode": "delta"}, "delta"),
        ({"render_mode": "human"}, "render_mode"),
        ({"dataset": "mnist"}, "unknown NB201 dataset"),
    ],
)
def test_bad_kwargs_name_the_problem(nb201_cache, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        ArchSearchEnv("nb201", cache=nb201_cache, **kwargs)


def test_render_ansi_shows_the_best_cell(nb201_cache):
    env = ArchSearchEnv("nb201", cache=nb201_cache, render_mode="ansi")
    env.reset(seed=0)
    assert "no architecture" in env.render()
    env.step(one_hot_action(BEST_C10_CODES))
    text = env.render()
    assert "index=6111" in text and "nor_conv_3x3" in text and "test200=94.37" in text


def test_default_signal_never_sees_test_accuracy(tmp_path):
    """Changing only the 200-epoch test column changes no reward and no observation."""
    runs = []
    for offset in (0.0, 3.5):
        src = tmp_path / f"src{offset}"
        build_sources(src, seed=1, test200_offset=offset)
        cache = tmp_path / f"cache{offset}"
        import_dataset(spec_for(src), src, cache)
        runs.append(rollout(ArchSearchEnv("nb201", cache=cache, max_queries=100), seed=5, steps=99))
    ((obs_a, _), *steps_a), ((obs_b, _), *steps_b) = runs
    assert np.array_equal(obs_a, obs_b) and len(steps_a) == 99
    for a, b in zip(steps_a, steps_b, strict=True):
        assert np.array_equal(a[0], b[0]) and a[1] == b[1]
        assert a[4]["signal_acc"] == b[4]["signal_acc"]
        assert a[4]["report_acc"] == pytest.approx(b[4]["report_acc"] - 3.5)
