"""MO envs: the vector reward against the scalar env, reward_space, the Gymnasium and MO-Gymnasium
APIs (checker, LinearReward, vector wrappers), the params objective, and bad kwargs."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import nas_gym
from nas_gym.envs.mo import MOArchSearchEnv, nb201_params

mo_gym = pytest.importorskip("mo_gymnasium", reason="install the mo extra")


def actions(env: gym.Env, n: int, seed: int) -> list[np.ndarray]:
    env.action_space.seed(seed)
    return [env.action_space.sample() for _ in range(n)]


@pytest.mark.parametrize("device", ["pixel3", "1080ti_1", "fpga"])
def test_vector_reward_is_the_scalar_reward_and_minus_the_scalar_latency(nb201_cache, device):
    mo = mo_gym.make("mo-NB201-cifar100-v0", latency_device=device, cache=str(nb201_cache))
    scalar = gym.make("NB201-cifar100-v0", latency_device=device, cache=str(nb201_cache))
    mo.reset(seed=3)
    scalar.reset(seed=3)
    for a in actions(mo, 40, seed=1):
        _, vector, _, _, info = mo.step(a)
        _, reward, _, _, scalar_info = scalar.step(a)
        assert vector.shape == (2,)
        assert vector[0] == reward
        assert vector[1] == -info["latency_ms"] == -scalar_info["latency_ms"]
        assert info["arch"] == scalar_info["arch"] and info["signal_acc"] == scalar_info["signal_acc"]
        assert mo.unwrapped.reward_space.contains(vector)


def test_reward_space_bounds_are_the_exact_ranges_of_the_table(nb201_cache):
    from nas_gym.benchmarks.nb201 import NB201Benchmark

    env = mo_gym.make("mo-NB201-cifar10-v0", cache=str(nb201_cache)).unwrapped
    latency = NB201Benchmark("cifar10", cache=nb201_cache).column("latency/pixel3")
    assert env.latency_device == "pixel3"  # the declared default device
    np.testing.assert_array_equal(env.reward_space.low, [1.0, -latency.max()])
    np.testing.assert_array_equal(env.reward_space.high, [100.0, -latency.min()])
    assert env.reward_dim == 2 and env.objectives == ("accuracy", "latency")


def test_ids_are_listed_apart_from_the_scalar_ids():
    assert set(nas_gym.MO_ENV_IDS) == {
        "mo-NB201-cifar10-v0",
        "mo-NB201-cifar100-v0",
        "mo-NB201-ImageNet16-120-v0",
        "mo-OFA-MBv3-note10-v0",
    }
    assert not set(nas_gym.MO_ENV_IDS) & set(nas_gym.ENV_IDS)


def test_gymnasium_checker_passes(nb201_cache):
    env = MOArchSearchEnv("nb201", cache=nb201_cache, objectives=["accuracy", "latency", "params"])
    with warnings.catch_warnings():  # the checker wants a scalar reward; MO-Gymnasium's envs get the same warning
        warnings.filterwarnings("ignore", message=".*reward.*")
        check_env(env, skip_render_check=True)


def test_linear_reward_and_the_vector_wrappers(nb201_cache):
    from mo_gymnasium.wrappers import LinearReward
    from mo_gymnasium.wrappers.vector import MORecordEpisodeStatistics, MOSyncVectorEnv

    weight = np.array([1.0, 0.5])
    env = LinearReward(mo_gym.make("mo-NB201-cifar10-v0", cache=str(nb201_cache)), weight=weight)
    env.reset(seed=0)
    _, scalar, _, _, info = env.step(env.action_space.sample())
    assert scalar == pytest.approx(info["vector_reward"] @ weight)
    assert info["vector_reward"][1] == -info["latency_ms"]

    make = [lambda: mo_gym.make("mo-NB201-cifar10-v0", max_queries=3, cache=str(nb201_cache)) for _ in range(3)]
    vec = MORecordEpisodeStatistics(MOSyncVectorEnv(make), gamma=1.0)
    vec.reset(seed=0)
    for step in range(3):
        _, rewards, _, truncated, infos = vec.step(vec.action_space.sample())
        assert rewards.shape == (3, 2)
        np.testing.assert_allclose(rewards[:, 1], -infos["latency_ms"], rtol=1e-6)  # MOSyncVectorEnv keeps float32
        assert truncated.all() == (step == 2)
    assert infos["episode"]["r"].shape == (3, 2)


def test_params_objective_is_the_parameter_count_of_the_network():
    torch = pytest.importorskip("torch")
    from nas_gym.models.nb201_net import NB201Network, count_parameters

    torch.manual_seed(0)
    codes = np.random.default_rng(0).integers(0, 5, (4, 6))
    for dataset, classes in (("cifar10", 10), ("ImageNet16-120", 120)):
        counted = [count_parameters(NB201Network(c.tolist(), num_classes=classes)) / 1e6 for c in codes]
        np.testing.assert_allclose(nb201_params(codes, dataset), counted, rtol=0, atol=1e-12)
    # the NB201 paper's largest cell (every edge a 3x3 conv) has 1.53 M parameters on CIFAR-10
    assert nb201_params(np.full((1, 6), 3), "cifar10")[0] == pytest.approx(1.5316, abs=1e-4)


def test_params_objective_in_the_reward(nb201_cache):
    env = mo_gym.make("mo-NB201-cifar10-v0", objectives=["params", "accuracy"], cache=str(nb201_cache))
    assert env.unwrapped.objectives == ("accuracy", "params")  # accuracy first, whatever the order given
    env.reset(seed=0)
    _, vector, _, _, info = env.step(env.action_space.sample())
    assert vector[1] == -info["params_m"] == -nb201_params(np.asarray(info["codes"])[None], "cifar10")[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"latency_device": "iphone"}, "choose one of 1080ti_1"),
        ({"objectives": ["accuracy", "energy"]}, "choose from accuracy, latency, params"),
        ({"objectives": ["latency"]}, "must hold 'accuracy'"),
        ({"objectives": "accuracy,latency"}, "must be a list"),
        ({"objectives": ["accuracy", "latency", "latency"]}, "twice"),
        ({"latency_weight": 0.1}, "latency is an objective"),
        ({"latency_limit_ms": 10.0}, "latency is an objective"),
    ],
)
def test_bad_kwargs_name_the_valid_values(nb201_cache, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        mo_gym.make("mo-NB201-cifar10-v0", cache=str(nb201_cache), **kwargs)


def test_unknown_family_is_refused():
    with pytest.raises(ValueError, match="choose one of nb201, ofa"):
        MOArchSearchEnv("nb301")


def test_ofa_vector_reward(real_data):
    cache = str(real_data.require("ofa"))
    env = mo_gym.make("mo-OFA-MBv3-note10-v0", objectives=["accuracy", "latency", "macs"], cache=cache)
    scalar = gym.make("OFA-MBv3-note10-lat40-v0", cache=cache)  # same space and device; the limit changes only reward
    env.reset(seed=0)
    scalar.reset(seed=0)
    for a in actions(env, 5, seed=0):
        _, vector, _, _, info = env.step(a)
        _, _, _, _, scalar_info = scalar.step(a)
        assert vector[1] == -info["latency_ms"] == -scalar_info["latency_ms"]
        assert vector[2] == -info["macs_m"]
        assert info["macs_m"] == pytest.approx(scalar_info["macs_m"])


def _mo_make(env_id: str, real_data, **kwargs) -> gym.Env:
    cache = real_data.require("ofa" if "OFA" in env_id else "nb201")
    return mo_gym.make(env_id, cache=str(cache), max_queries=20, **kwargs)


@pytest.mark.parametrize("env_id", sorted(nas_gym.MO_ENV_IDS))
def test_mo_gymnasium_checks_of_every_id(real_data, env_id):
    """MO-Gymnasium's own env tests (its tests/test_envs.py): the checker, a deterministic rollout, and a
    pickled env that behaves as the original. MO-Gymnasium runs the checker on the LinearReward-wrapped
    env; under Gymnasium 1.4 that fails for every env, because LinearReward puts its one weight array
    into every step's info (``info["reward_weights"]``) and the checker now refuses infos that share an
    object. So the checker runs on the env itself (its reward-is-not-a-scalar warning silenced)."""
    import pickle

    from gymnasium.utils.env_checker import data_equivalence

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*reward.*")
        check_env(_mo_make(env_id, real_data).unwrapped, skip_render_check=True)
    first, second = _mo_make(env_id, real_data), _mo_make(env_id, real_data)
    copy = pickle.loads(pickle.dumps(first))
    runs = []
    for env in (first, second, copy):
        obs, info = env.reset(seed=7)
        steps = [(obs, info)]
        for a in actions(env, 10, seed=3):
            steps.append(env.step(a))
        runs.append(steps)
    assert data_equivalence(runs[0], runs[1]) and data_equivalence(runs[0], runs[2])
    reward_space = first.unwrapped.reward_space
    assert all(reward_space.contains(step[1]) for step in runs[0][1:])
