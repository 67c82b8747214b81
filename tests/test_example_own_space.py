"""examples/own_search_space.py: a researcher's own table becomes an env that l2nas and rea search."""

from __future__ import annotations

import runpy
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

EXAMPLE = runpy.run_path(str(Path(__file__).resolve().parents[1] / "examples" / "own_search_space.py"))


@pytest.fixture(scope="module", autouse=True)
def chain_env():
    """The example's registrations, undone afterwards: an extra preset family would change the
    spec (and key) of every L2NAS study cell made later in the same process."""
    from nas_gym.agents.l2nas.presets import PRESETS

    EXAMPLE["register"]()
    EXAMPLE["give_l2nas_settings"]()
    yield
    for families in PRESETS.values():
        families.pop("chain", None)
    for env_id in ("Chain-v0", "Chain-discrete-v0"):
        gym.registry.pop(env_id, None)


def test_the_space_is_listed_in_key_order_and_round_trips():
    space = EXAMPLE["ChainSpace"]()
    codes = space.all_codes()
    assert codes.shape == (81, 4) and np.array_equal(space.key(codes), np.arange(81))
    assert np.array_equal(space.discretize(space.one_hot(codes)), codes)
    with pytest.raises(ValueError, match="chain codes are 4 integers"):
        space.key(np.array([0, 1, 2, 3]))


def test_the_env_follows_the_honest_protocol():
    env = gym.make("Chain-v0")
    env.reset(seed=0)
    info = env.step(env.action_space.sample())[-1]
    api = env.unwrapped
    assert api.protocol["signal"] == "val" and api.protocol["report"] == "test"
    assert api.report_optimum == pytest.approx(83.52, abs=0.005)
    assert info["signal_acc"] == pytest.approx(info["report_acc"] - 5, abs=2.5)  # val is test - 5 + noise
    env.close()


@pytest.mark.parametrize("agent", ["l2nas", "rea"])
def test_l2nas_and_rea_search_the_new_env(agent):
    search = EXAMPLE["search"]
    first, again = search(agent, seed=0), search(agent, seed=0)
    assert first == again  # same seed, same search
    table = EXAMPLE["ChainBenchmark"]()
    codes = table.search_space.all_codes()
    names = table.search_space.to_string(codes)
    test_of_best = table.table["test"][names.index(first["best_arch"])]
    assert first["queries"] == 40 and first["test"] == pytest.approx(test_of_best)
    assert first["test"] > np.median(table.table["test"])  # better than the median architecture


def test_continuous_only_agents_are_refused_on_the_discrete_id():
    with pytest.raises(ValueError, match=r"agents that fit: .*rea"):
        EXAMPLE["search"]("l2nas", "Chain-discrete-v0")
    assert EXAMPLE["search"]("rea", "Chain-discrete-v0")["queries"] == 40
