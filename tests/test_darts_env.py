"""DARTS env: paper defaults, honest protocol, info, top-K state, DARTS kwargs.

The contract of the id (checkers, seeding, vector env, budgets, bad input) is in test_env_contract.py.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import nas_gym
from nas_gym.benchmarks.nb301 import NB301Benchmark
from nas_gym.envs import ArchSearchEnv
from nas_gym.spaces.darts import DARTSSearchSpace, genotype_to_codes, parse_genotype
from tests.conftest import DARTS_V2

pytestmark = pytest.mark.realdata

ENV_ID = "DARTS-cifar10-v0"


@pytest.fixture(scope="module")
def cache(real_data):
    return real_data.require("nb301")


def action_for(codes: np.ndarray) -> np.ndarray:
    """The continuous action whose Algorithm-2 discretization is ``codes``."""
    return (2.0 * DARTSSearchSpace().one_hot(codes) - 1.0).reshape(-1)


def test_id_is_registered_with_the_paper_defaults(cache):
    assert ENV_ID in nas_gym.ENV_IDS
    env = gym.make(ENV_ID, cache=cache)
    assert env.action_space == gym.spaces.Box(-1.0, 1.0, (196,), np.float32)
    assert env.observation_space.shape == (196,)
    config = env.unwrapped.search_config
    assert (config.top_k, config.max_queries, config.reward) == (500, 20_000, "exp100")


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


def test_bad_kwargs_are_named(cache):
    with pytest.raises(ValueError, match=r"epoch must be an int in 1\.\.98"):
        ArchSearchEnv("nb301", cache=cache, epoch=120)
    with pytest.raises(ValueError, match="cannot drive a search"):
        ArchSearchEnv("nb301", cache=cache, signal="runtime_s")
