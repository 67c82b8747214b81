"""NB201 envs: checkers on every id, determinism, bad actions, honesty, budgets, latency, vector env."""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import nas_gym
from envs_registry import nb201 as nb201_ids
from nas_gym.data.store import import_dataset
from nas_gym.envs import ArchSearchEnv, ArchSearchVectorEnv
from tests.nb201_fixture import build_sources, spec_for

BEST_C10 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
BEST_C10_CODES = np.array([3, 3, 3, 1, 3, 2])


def one_hot_action(codes: np.ndarray) -> np.ndarray:
    """The continuous action whose argmax per edge is ``codes``."""
    a = -np.ones((6, 5), dtype=np.float32)
    a[np.arange(6), codes] = 1.0
    return a.reshape(-1)


def rollout(env: gym.Env, seed: int, steps: int) -> list:
    obs, _ = env.reset(seed=seed)
    env.action_space.seed(seed)
    out = [obs]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        out.append((obs, reward, terminated, truncated, info))
    return out


def same(a, b) -> bool:
    """Bit-for-bit equality of nested rollouts (NaN equals NaN)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray | float):
        return np.array_equal(a, b, equal_nan=True) and np.asarray(a).dtype == np.asarray(b).dtype
    return a == b


@pytest.mark.parametrize("env_id", list(nb201_ids.IDS))
def test_checkers_pass_on_every_id(env_id, nb201_cache):
    env = gym.make(env_id, cache=nb201_cache)
    gym_check_env(env.unwrapped, skip_render_check=True)
    sb3_check_env(gym.make(env_id, cache=nb201_cache))
    assert env_id in nas_gym.ENV_IDS


def test_checkers_pass_in_delta_mode_and_with_latency(nb201_cache):
    for kwargs in ({"action_mode": "delta"}, {"latency_device": "pixel2", "latency_limit_ms": 20}):
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


def test_same_seed_same_trajectory_bit_for_bit(nb201_cache):
    for kwargs in ({}, {"action_mode": "delta"}, {"budget": "unique", "max_queries": 20}):
        a = rollout(gym.make("NB201-cifar10-v0", cache=nb201_cache, **kwargs), seed=3, steps=60)
        b = rollout(gym.make("NB201-cifar10-v0", cache=nb201_cache, **kwargs), seed=3, steps=60)
        c = rollout(gym.make("NB201-cifar10-v0", cache=nb201_cache, **kwargs), seed=4, steps=60)
        assert same(a, b)
        assert not same(a, c)


def test_delta_mode_start_depends_only_on_the_seed(nb201_cache):
    env = ArchSearchEnv("nb201", cache=nb201_cache, action_mode="delta", delta_step=0.5)
    o1, _ = env.reset(seed=11)
    o2, _ = env.reset(seed=11)
    assert o1.shape == (60,) and np.array_equal(o1, o2) and not o1[:30].any()
    o3, *_ = env.step(np.ones(30, dtype=np.float32))
    assert np.allclose(o3[30:], np.minimum(o1[30:] + 0.5, 1.0))


actions_bad = st.one_of(
    st.builds(
        lambda a, i, bad: np.where(np.arange(30) == i, bad, a).astype(a.dtype),
        arrays(st.sampled_from([np.float32, np.float64]), 30, elements=st.floats(-1, 1, width=32)),
        st.integers(0, 29),
        st.sampled_from([np.nan, np.inf, -np.inf]),
    ),
    arrays(np.float64, st.integers(0, 60).filter(lambda n: n != 30)),
    arrays(np.float32, st.tuples(st.integers(1, 4), st.just(30))),
    st.just(np.array(["a"] * 30)),
    st.just(np.ones(30, dtype=bool)),
    st.just(np.ones(30, dtype=complex)),
    st.just(np.array([None] * 30)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(action=actions_bad)
def test_bad_actions_raise_value_error(nb201_cache, action):
    env = ArchSearchEnv("nb201", cache=nb201_cache)
    env.reset(seed=0)
    with pytest.raises(ValueError):
        env.step(action)


def test_out_of_box_actions_are_clipped(nb201_cache):
    env = ArchSearchEnv("nb201", cache=nb201_cache)
    env.reset(seed=0)
    big = one_hot_action(BEST_C10_CODES) * 7.0
    info = env.step(big)[-1]
    assert info["index"] == 6111


def test_budgets_truncate_and_never_terminate(nb201_cache):
    env = ArchSearchEnv("nb201", cache=nb201_cache, max_queries=5)
    env.reset(seed=0)
    flags = [env.step(one_hot_action(BEST_C10_CODES))[2:4] for _ in range(5)]
    assert flags == [(False, False)] * 4 + [(False, True)]
    env = ArchSearchEnv("nb201", cache=nb201_cache, max_queries=3, budget="unique", max_steps=50)
    env.reset(seed=0)
    steps = 0
    for codes in ([3] * 6, [3] * 6, [2] * 6, [3] * 6, [1] * 6):
        *_, truncated, info = env.step(one_hot_action(np.array(codes)))
        steps += 1
        if truncated:
            break
    assert steps == 5 and info["unique_queries"] == 3
    env = ArchSearchEnv("nb201", cache=nb201_cache, max_queries=3, budget="unique", max_steps=4)
    env.reset(seed=0)
    results = [env.step(one_hot_action(BEST_C10_CODES)) for _ in range(4)]
    assert [r[3] for r in results] == [False, False, False, True]  # the step cap stops a repeating policy


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
        ({"budget": "queries"}, "budget"),
        ({"latency_device": "abacus"}, "latency_device"),
        ({"latency_limit_ms": 10}, "need latency_device"),
        ({"latency_device": "fpga", "latency_limit_ms": 5, "latency_weight": 1}, "not both"),
        ({"top_k": 0}, "top_k"),
        ({"max_queries": 0}, "max_queries"),
        ({"action_type": "discrete", "action_mode": "delta"}, "delta"),
        ({"sigal": "val12"}, "unexpected keyword argument .sigal."),
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


def test_vector_env_matches_single_envs(nb201_cache):
    n, steps = 4, 25
    venv = gym.make_vec("NB201-cifar100-v0", num_envs=n, vectorization_mode="vector_entry_point", cache=nb201_cache)
    assert isinstance(venv.unwrapped, ArchSearchVectorEnv)
    singles = [ArchSearchEnv("nb201", dataset="cifar100", cache=nb201_cache) for _ in range(n)]
    vobs, _ = venv.reset(seed=0)
    for env in singles:
        env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(steps):
        actions = rng.uniform(-1, 1, (n, 30)).astype(np.float32)
        vobs, vrew, _, vtrunc, vinfo = venv.step(actions)
        for i, env in enumerate(singles):
            obs, reward, _, trunc, info = env.step(actions[i])
            assert np.array_equal(obs, vobs[i]) and reward == vrew[i] and trunc == vtrunc[i]
            assert info["index"] == vinfo["index"][i] and info["best_report_acc"] == vinfo["best_report_acc"][i]


def test_vector_env_autoresets_on_the_next_step(nb201_cache):
    venv = ArchSearchVectorEnv("nb201", num_envs=2, cache=nb201_cache, max_queries=2)
    venv.reset(seed=0)
    a = np.stack([one_hot_action(BEST_C10_CODES)] * 2)
    assert not venv.step(a)[3].any()
    assert venv.step(a)[3].all()
    obs, reward, _, truncated, _ = venv.step(a)  # the reset step
    assert not obs.any() and not reward.any() and not truncated.any()
    _, _, _, _, info = venv.step(a)
    assert info["unique_queries"].tolist() == [1, 1]  # the searches started afresh


def test_default_signal_never_sees_test_accuracy(tmp_path):
    """Changing only the 200-epoch test column changes no reward and no observation."""
    runs = []
    for offset in (0.0, 3.5):
        src = tmp_path / f"src{offset}"
        build_sources(src, seed=1, test200_offset=offset)
        cache = tmp_path / f"cache{offset}"
        import_dataset(spec_for(src), src, cache)
        runs.append(rollout(ArchSearchEnv("nb201", cache=cache, max_queries=100), seed=5, steps=100))
    (obs_a, *steps_a), (obs_b, *steps_b) = runs
    assert np.array_equal(obs_a, obs_b)
    for a, b in zip(steps_a, steps_b, strict=True):
        assert np.array_equal(a[0], b[0]) and a[1] == b[1]
        assert a[4]["signal_acc"] == b[4]["signal_acc"]
        assert a[4]["report_acc"] == pytest.approx(b[4]["report_acc"] - 3.5)
