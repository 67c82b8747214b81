"""OFA envs and the OFA evolution baseline on the real data (the id contract is in test_env_contract.py)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import nas_gym
from envs_registry.ofa import IDS
from nas_gym.agents.baselines.base import ActionEncoder, run_search
from nas_gym.agents.ofa_evolution import ConstrainedRandomSearch, OFAEvolution, make_searcher
from nas_gym.spaces.nb201 import NB201SearchSpace

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def cache(real_data):
    return str(real_data.require("ofa"))


def test_ids_are_registered():
    assert set(IDS) <= set(nas_gym.ENV_IDS)
    assert "OFA-MBv3-v0" in IDS and "OFA-MBv3-note10-lat25-v0" in IDS


def test_defaults_follow_the_paper(cache):
    env = gym.make("OFA-MBv3-v0", cache=cache).unwrapped
    cfg = env.search_config
    assert (cfg.top_k, cfg.max_queries, cfg.reward) == (500, 10_000, "exp100")
    assert env.action_space.shape == (195,)
    assert gym.make("OFA-MBv3-note10-lat25-v0", cache=cache).action_space.shape == (200,)


def test_step_info_and_rewards(cache):
    env = gym.make("OFA-MBv3-transfer-v0", cache=cache, max_queries=5)
    env.reset(seed=0)
    largest = np.ones(195, dtype=np.float32) * -1
    largest[np.arange(20) * 9 + 8] = 1  # e6k7 in every block
    largest[180 + np.arange(5) * 3 + 2] = 1  # depth 4 in every stage
    _, reward, terminated, truncated, info = env.step(largest)
    assert info["arch_dict"] == {"ks": [7] * 20, "e": [6] * 20, "d": [4] * 5, "r": 224}
    assert info["arch"] == env.unwrapped.search_space.to_string(info["codes"][None])[0]
    assert round(info["signal_acc"], 2) == 83.59 and info["report_acc"] == info["signal_acc"]
    assert reward == pytest.approx(100 ** (info["signal_acc"] / 100 / 0.79) / 100 - 1)
    assert round(info["latency_note10_ms"], 2) == 92.40
    assert info["macs_m"] == pytest.approx(843.10104) and info["params_m"] == pytest.approx(10.701632)
    assert "regret" not in info and info["best_arch"] == info["arch"] and info["best_arch_dict"] == info["arch_dict"]
    assert not terminated and not truncated


def test_latency_limit_is_hard(cache):
    env = gym.make("OFA-MBv3-note10-lat20-v0", cache=cache, max_queries=200)
    env.reset(seed=1)
    feasible = 0
    for _ in range(200):
        _, reward, _, truncated, info = env.step(env.action_space.sample())
        if info["latency_ms"] > 20:
            assert reward == 1.0  # exp100 of accuracy 0
            if not feasible:
                assert info["best_signal_acc"] == -np.inf and info["best_arch"] == "" and info["best_arch_dict"] == {}
        else:
            feasible += 1
            assert reward == pytest.approx(100 ** (info["signal_acc"] / 100))
        if info["best_arch"]:
            best = env.unwrapped.search_space.from_dicts([info["best_arch_dict"]])
            assert env.unwrapped.benchmark.query(best, "latency/note10")[0] <= 20
    assert truncated and 0 < feasible < 200


def test_bad_env_kwargs(cache):
    with pytest.raises(ValueError, match="latency_device='pixel3' is unknown"):
        gym.make("OFA-MBv3-v0", cache=cache, latency_device="pixel3")
    with pytest.raises(ValueError, match="subset"):
        gym.make("OFA-MBv3-v0", cache=cache, resolutions=(224, 256))


def test_evolution_respects_the_limit_and_beats_random(cache):
    results = {}
    for name in ("ofa-evolution", "constrained-random"):
        env = gym.make("OFA-MBv3-note10-lat25-v0", cache=cache, max_queries=600)
        searcher = make_searcher(name, env, seed=0, **({"population_size": 50} if name == "ofa-evolution" else {}))
        encode, latencies = ActionEncoder(env), []
        env.reset(seed=0)
        truncated = False
        while not truncated:
            codes = searcher.ask()
            _, reward, _, truncated, info = env.step(encode(codes))
            searcher.tell(codes, reward)
            latencies.append(info["latency_ms"])
        assert max(latencies) <= 25.0
        results[name] = info["best_signal_acc"]
    assert results["ofa-evolution"] > results["constrained-random"]


def test_evolution_is_seeded(cache):
    def best(seed):
        env = gym.make("OFA-MBv3-note10-lat30-v0", cache=cache, max_queries=150)
        return run_search(make_searcher("ofa-evolution", env, seed, population_size=20), env, seed=seed)["best_arch"]

    assert best(3) == best(3)


def test_evolution_bad_arguments(cache):
    space = gym.make("OFA-MBv3-note10-lat25-v0", cache=cache).unwrapped.search_space
    bench = gym.make("OFA-MBv3-note10-lat25-v0", cache=cache).unwrapped.benchmark

    def lat(codes):
        return bench.query(codes, "latency/note10")

    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="below the fastest subnet"):
        OFAEvolution(space, rng, lat, 5.0)
    with pytest.raises(ValueError, match="parent_ratio"):
        OFAEvolution(space, rng, lat, 25.0, parent_ratio=0.6, mutation_ratio=0.6)
    with pytest.raises(ValueError, match="both latency_fn and limit_ms"):
        ConstrainedRandomSearch(space, rng, lat, None)
    with pytest.raises(ValueError, match="needs an OFA search space"):
        OFAEvolution(NB201SearchSpace(), rng)


def test_best_arch_is_reported_whatever_the_sign_of_its_hash_key(cache):
    """OFA keys are 64-bit hashes, often negative: the best-so-far must not depend on their sign."""
    env = gym.make("OFA-MBv3-v0", cache=cache, max_queries=40)
    env.reset(seed=0)
    env.action_space.seed(0)
    keys = []
    for _ in range(40):
        info = env.step(env.action_space.sample())[-1]
        keys.append(info["best_key"])
        best = env.unwrapped.search_space.to_dicts(info["best_codes"][None])[0]
        assert info["best_arch_dict"] == best != {} and info["best_arch"] != ""
    assert min(keys) < 0  # the case that once blanked best_arch
