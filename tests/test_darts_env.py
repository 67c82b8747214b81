"""DARTS env: checkers, paper defaults, determinism, honest protocol, info, vector env, bad actions."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import nas_gym
from nas_gym.benchmarks.nb301 import NB301Benchmark
from nas_gym.envs import ArchSearchEnv
from nas_gym.spaces.darts import DARTSSearchSpace, genotype_to_codes, parse_genotype
from tests.test_darts_space import DARTS_V2
from tests.test_nb201_env import rollout, same

pytestmark = pytest.mark.realdata

ENV_ID = "DARTS-cifar10-v0"


@pytest.fixture(scope="module")
def cache(real_data):
    return real_data.require("nb301")


def action_for(codes: np.ndarray) -> np.ndarray:
    """The continuous action whose Algorithm-2 discretization is ``codes``."""
    return (2.0 * DARTSSearchSpace().one_hot(codes) - 1.0).reshape(-1)


@pytest.mark.parametrize("kwargs", [{}, {"action_type": "discrete"}, {"action_mode": "delta"}])
def test_checkers_pass(cache, kwargs):
    gym_check_env(gym.make(ENV_ID, cache=cache, **kwargs).unwrapped)
    sb3_check_env(gym.make(ENV_ID, cache=cache, **kwargs))


def test_id_is_registered_with_the_paper_defaults(cache):
    assert ENV_ID in nas_gym.ENV_IDS
    env = gym.make(ENV_ID, cache=cache)
    assert env.action_space == gym.spaces.Box(-1.0, 1.0, (196,), np.float32)
    assert env.observation_space.shape == (196,)
    config = env.unwrapped.search_config
    assert (config.top_k, config.max_queries, config.reward) == (500, 20_000, "exp100")


def test_same_seed_same_trajectory(cache):
    a = rollout(gym.make(ENV_ID, cache=cache), seed=7, steps=40)
    b = rollout(gym.make(ENV_ID, cache=cache), seed=7, steps=40)
    c = rollout(gym.make(ENV_ID, cache=cache), seed=8, steps=40)
    assert same(a, b)
    assert not same(a, c)


def test_protocol_says_the_signal_is_the_reported_prediction(cache):
    env = ArchSearchEnv("nb301", cache=cache)
    _, info = env.reset(seed=0)
    protocol = info["protocol"]
    assert protocol["signal"] == protocol["report"] == "val_acc"
    assert protocol["signal_is_test_set"] is False
    assert "no test accuracy" in protocol["note"]
    assert env.protocol == protocol


def test_step_reports_the_genotype_its_prediction_and_cost(cache):
    env = ArchSearchEnv("nb301", cache=cache, epoch=50, top_k=2)
    env.reset(seed=0)
    codes = genotype_to_codes(DARTS_V2)
    obs, reward, terminated, truncated, info = env.step(action_for(codes))
    assert parse_genotype(info["arch"]) == info["genotype"]
    assert np.array_equal(genotype_to_codes(info["genotype"]), codes)
    assert info["signal_acc"] == info["report_acc"] == pytest.approx(90.9055, abs=1e-3)  # README, epoch 50
    assert info["runtime_s"] == pytest.approx(2618.56, abs=1e-2)
    assert reward == pytest.approx(100 ** (info["signal_acc"] / 100))
    assert "regret" not in info
    assert np.array_equal(obs, DARTSSearchSpace().one_hot(codes).reshape(-1))
    assert (terminated, truncated) == (False, False)


def test_state_is_the_mean_one_hot_of_the_top_k(cache):
    env = ArchSearchEnv("nb301", cache=cache, top_k=2)
    env.reset(seed=0)
    space, bench = DARTSSearchSpace(), NB301Benchmark(cache=cache)
    codes = space.sample(3, np.random.default_rng(0))
    acc = bench.query(codes, "val_acc")
    for row in codes:
        obs, *_ = env.step(action_for(row))
    top2 = np.argsort(-acc)[:2]
    assert np.allclose(obs, space.one_hot(codes[top2]).mean(axis=0).reshape(-1))


def test_budget_truncates(cache):
    env = ArchSearchEnv("nb301", cache=cache, max_queries=3)
    env.reset(seed=0)
    flags = [env.step(env.action_space.sample())[3] for _ in range(3)]
    assert flags == [False, False, True]


def test_vector_env_matches_single_envs(cache):
    vec = gym.make_vec(ENV_ID, num_envs=3, vectorization_mode="vector_entry_point", cache=cache)
    vec.reset(seed=0)
    actions = vec.action_space.sample()
    _, reward, _, _, info = vec.step(actions)
    for i in range(3):
        env = ArchSearchEnv("nb301", cache=cache)
        env.reset(seed=0)
        _, r, *_, single = env.step(actions[i])
        assert r == reward[i]
        assert single["runtime_s"] == info["runtime_s"][i]


@pytest.mark.parametrize(
    ("action", "match"),
    [
        (np.zeros(195, dtype=np.float32), r"action must have shape \(196,\)"),
        (np.full(196, np.nan, dtype=np.float32), "NaN or inf"),
    ],
)
def test_bad_actions_are_named(cache, action, match):
    env = ArchSearchEnv("nb301", cache=cache)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=match):
        env.step(action)


def test_bad_kwargs_are_named(cache):
    with pytest.raises(ValueError, match=r"epoch must be an int in 1\.\.98"):
        ArchSearchEnv("nb301", cache=cache, epoch=120)
    with pytest.raises(ValueError, match="cannot drive a search"):
        ArchSearchEnv("nb301", cache=cache, signal="runtime_s")
