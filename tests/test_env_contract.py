"""The contract every registered env id keeps, checked on each of ``nas_gym.ENV_IDS``.

Both env checkers (Gymnasium's and SB3's); same seed -> bit-identical trajectory; the native
vector env equals ``SyncVectorEnv`` over single envs (obs, rewards, flags and infos, whole
episodes, across resets, with reset masks and seeds, in both autoreset modes); truncation at the
budget, in steps and in unique architectures; bad actions and bad kwargs raise errors that name
the problem. Family test files keep only what is specific to their family.

Budgets are small so the DARTS, OFA and trained ids stay fast; the trained id trains tiny
networks on a toy image task, so it needs no real data.
"""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from gymnasium.vector import AutoresetMode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import nas_gym
from nas_gym.envs import ArchSearchEnv, ArchSearchVectorEnv
from tests.conftest import TINY_TRAINING, difference, rollout, same, toy_images

IDS = list(nas_gym.ENV_IDS)
DATA = {"nb201": "nb201", "nb301": "nb301", "ofa": "ofa"}  # family -> real dataset it reads
WALL_CLOCK = ("train_seconds",)  # measured time of a real training: the one info value no seed fixes
MODES = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP)

pytestmark = pytest.mark.usefixtures("one_thread")


def family(env_id: str) -> str:
    return gym.spec(env_id).kwargs["benchmark"]


@pytest.fixture(scope="module")
def toy():
    return toy_images((64, 32, 32))


@pytest.fixture
def kwargs_for(real_data, toy, tmp_path):
    """``kwargs_for(env_id, db="r")``: the data kwargs of ``env_id`` (the trained id: toy data, tiny net)."""

    def make(env_id: str, db: str = "r") -> dict:
        fam = family(env_id)
        if fam == "nb201-trained":
            return {"data": toy, "results_db": tmp_path / f"{db}.sqlite", "device": "cpu", **TINY_TRAINING, "epochs": 1}
        return {"cache": real_data.require(DATA[fam])}

    return make


def without_wall_clock(run):
    """``run`` with measured training times dropped (they differ between two real trainings)."""
    if isinstance(run, dict):
        return {k: without_wall_clock(v) for k, v in run.items() if k.lstrip("_") not in WALL_CLOCK}
    if type(run) in (list, tuple):
        return type(run)(without_wall_clock(x) for x in run)
    return run


# -- checkers and seeding ---------------------------------------------------------------------
@pytest.mark.parametrize("env_id", IDS)
def test_both_checkers_pass(env_id, kwargs_for):
    kwargs = {**kwargs_for(env_id), "max_queries": 8}
    gym_check_env(gym.make(env_id, **kwargs).unwrapped, skip_render_check=True)
    sb3_check_env(gym.make(env_id, **kwargs))


@pytest.mark.parametrize("kwargs", [{"action_mode": "delta"}, {"action_type": "discrete"}], ids=["delta", "discrete"])
@pytest.mark.parametrize("env_id", ["NB201-cifar10-v0", "DARTS-cifar10-v0", "OFA-MBv3-v0"])
def test_both_checkers_pass_in_every_action_form(env_id, kwargs, kwargs_for):
    kwargs = {**kwargs_for(env_id), "max_queries": 8, **kwargs}
    gym_check_env(gym.make(env_id, **kwargs).unwrapped, skip_render_check=True)
    sb3_check_env(gym.make(env_id, **kwargs))


@pytest.mark.parametrize("env_id", IDS)
def test_same_seed_same_trajectory_bit_for_bit(env_id, kwargs_for):
    """Two envs built alike and seeded alike give identical episodes, across a truncation and reset."""

    def run(seed: int, db: str) -> list:
        return without_wall_clock(rollout(gym.make(env_id, **kwargs_for(env_id, db), max_queries=4), seed, steps=9))

    a, b, c = run(3, "a"), run(3, "b"), run(4, "c")
    assert same(a, b)
    assert not same(a, c)


@pytest.mark.parametrize(
    "kwargs", [{"action_mode": "delta"}, {"budget": "unique", "max_queries": 3, "max_steps": 6}, {"top_k": 2}]
)
def test_same_seed_same_trajectory_in_every_mode(kwargs, kwargs_for):
    def run(seed):
        return rollout(gym.make("NB201-cifar10-v0", **kwargs_for("NB201-cifar10-v0"), **kwargs), seed, steps=20)

    assert same(run(5), run(5))
    assert not same(run(5), run(6))


# -- vector env == SyncVectorEnv ---------------------------------------------------------------
def vector_script(venv: gym.vector.VectorEnv, n: int, repeat: bool) -> list:
    """Whole episodes with resets (seeded, masked, unseeded); ``repeat`` replays one action to hit known archs."""
    out: list = [venv.reset(seed=5)]
    venv.action_space.seed(0)
    first = venv.action_space.sample()

    def steps(k: int) -> None:
        for t in range(k):
            out.append(venv.step(first if repeat and t % 2 else venv.action_space.sample()))

    steps(7)
    mask = np.arange(n) % 2 == 0
    out.append(venv.reset(seed=[11 + i for i in range(n)], options={"reset_mask": mask}))
    steps(4)
    out.append(venv.reset(options={"reset_mask": ~mask}))
    steps(3)
    return out


def assert_vector_equals_sync(env_id: str, kwargs: dict, mode: AutoresetMode, n: int = 3, repeat: bool = False):
    native = gym.make_vec(env_id, n, vectorization_mode="vector_entry_point", autoreset_mode=mode, **kwargs)
    sync = gym.make_vec(env_id, n, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode}, **kwargs)
    assert isinstance(native.unwrapped, ArchSearchVectorEnv)
    assert native.metadata["autoreset_mode"] == sync.metadata["autoreset_mode"] == mode
    assert native.action_space == sync.action_space and native.observation_space == sync.observation_space
    a, b = vector_script(native, n, repeat), vector_script(sync, n, repeat)
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        assert same(x, y), f"call {i} differs at {difference(x, y)}"
    return a


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("env_id", IDS)
def test_vector_env_equals_sync_vector_env(env_id, mode, kwargs_for):
    run = assert_vector_equals_sync(env_id, {**kwargs_for(env_id), "max_queries": 3}, mode)
    assert any(step[3].any() for step in run if len(step) == 5)  # the script crossed a truncation


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize(
    "kwargs",
    [{"action_mode": "delta"}, {"budget": "unique", "max_queries": 2, "max_steps": 4}, {"signal": "test200"}],
)
def test_vector_env_equals_sync_vector_env_in_every_mode(kwargs, mode, kwargs_for):
    assert_vector_equals_sync(
        "NB201-cifar10-v0", {**kwargs_for("NB201-cifar10-v0"), "max_queries": 3, **kwargs}, mode, n=4, repeat=True
    )


def test_autoreset_step_reports_the_reset_not_a_discarded_query(kwargs_for):
    venv = ArchSearchVectorEnv("nb201", num_envs=2, max_queries=3, **kwargs_for("NB201-cifar10-v0"))
    _, info = venv.reset(seed=0)
    assert info["protocol"]["signal"].tolist() == ["val12", "val12"] and info["_protocol"].all()
    venv.action_space.seed(0)
    for _ in range(3):
        *_, truncated, info = venv.step(venv.action_space.sample())
    assert truncated.all() and info["unique_queries"].tolist() == [3, 3]
    actions = venv.action_space.sample()
    obs, reward, _, truncated, info = venv.step(actions)
    assert not obs.any() and not reward.any() and not truncated.any()
    assert set(info) == {"protocol", "_protocol"}  # no trace of the query a plain batch would have thrown away
    _, _, _, _, info = venv.step(actions)
    assert info["unique_queries"].tolist() == [1, 1] and info["_unique_queries"].all()


def test_seed_int_seeds_the_searches_s_s_plus_1(kwargs_for):
    kwargs = {**kwargs_for("NB201-cifar10-v0"), "action_mode": "delta"}
    venv = ArchSearchVectorEnv("nb201", num_envs=3, **kwargs)
    obs, _ = venv.reset(seed=40)
    for i in range(3):
        single, _ = ArchSearchEnv("nb201", **kwargs).reset(seed=40 + i)
        assert np.array_equal(obs[i], single)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda v: v.reset(seed=[1, 2]), ValueError, "list of 3 seeds"),
        (lambda v: v.reset(seed="1"), ValueError, "seed must be"),
        (lambda v: v.reset(options={"reset_mask": [True] * 3}), TypeError, "numpy array"),
        (lambda v: v.reset(options={"reset_mask": np.ones(3, int)}), ValueError, "bool array of shape"),
        (lambda v: v.reset(options={"reset_mask": np.zeros(3, bool)}), ValueError, "at least one"),
        (lambda v: v.step(np.zeros((2, 30), np.float32)), ValueError, r"shape \(3, 30\)"),
    ],
)
def test_bad_vector_calls_are_named(call, error, match, kwargs_for):
    venv = ArchSearchVectorEnv("nb201", num_envs=3, **kwargs_for("NB201-cifar10-v0"))
    venv.reset(seed=0)
    with pytest.raises(error, match=match):
        call(venv)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"num_envs": 0}, ValueError, "num_envs must be >= 1"),
        ({"num_envs": "2"}, TypeError, "num_envs must be an int"),
        ({"autoreset_mode": "Disabled"}, ValueError, "autoreset_mode must be one of NextStep, SameStep"),
        ({"frameskip": 1}, TypeError, "unexpected keyword argument 'frameskip'"),
        ({"infos": "fast"}, ValueError, "infos must be one of 'gymnasium', 'minimal', got 'fast'"),
        ({"infos": None}, ValueError, "infos must be one of 'gymnasium', 'minimal', got None"),
    ],
)
def test_bad_vector_kwargs_are_named(kwargs, error, match, kwargs_for):
    with pytest.raises(error, match=match):
        ArchSearchVectorEnv("nb201", **{"num_envs": 2, **kwargs}, **kwargs_for("NB201-cifar10-v0"))


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("env_id", IDS)
def test_minimal_infos_hold_the_gymnasium_infos_numbers(env_id, mode, kwargs_for):
    """``infos="minimal"``: the same obs, rewards and flags, and every numeric info column of the
    Gymnasium-exact infos (zeros where a search reported nothing), without masks or strings."""
    kwargs = {**kwargs_for(env_id), "max_queries": 3}
    exact, minimal = (
        gym.make_vec(env_id, 4, vectorization_mode="vector_entry_point", autoreset_mode=mode, infos=i, **kwargs)
        for i in ("gymnasium", "minimal")
    )
    a, b = vector_script(exact, 4, repeat=True), vector_script(minimal, 4, repeat=True)
    steps = 0
    for x, y in zip(a, b, strict=True):
        assert same(x[:-1], y[:-1])  # obs (and rewards, flags)
        info, fast = x[-1], y[-1]
        if len(x) == 2:  # reset
            assert fast == {} and "protocol" in info
            continue
        numeric = {
            k for k, v in info.items() if not k.startswith("_") and isinstance(v, np.ndarray) and v.dtype != object
        }
        numeric -= {"final_obs"}
        assert numeric <= set(fast) and not any(k.startswith("_") or k in ("arch", "best_arch") for k in fast)
        ended = info.get("_final_info", np.zeros(4, bool))  # SAME_STEP: their last step is in the arrays
        for k in numeric:
            expected = np.where(_mask(info[k], info[f"_{k}"]), info[k], 0)
            if ended.any():
                expected[ended] = info["final_info"][k][ended]
            assert np.array_equal(expected, fast[k]), k
        if ended.any():
            assert np.array_equal(np.stack(info["final_obs"][ended]), fast["final_obs"][ended])
        steps += info.get("_unique_queries", np.zeros(4, bool)).sum()
    assert steps > 0


def _mask(column: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return mask.reshape(-1, *[1] * (column.ndim - 1))


# -- budgets ----------------------------------------------------------------------------------
@pytest.mark.parametrize("env_id", IDS)
def test_truncation_at_the_budget_in_steps_and_in_unique_architectures(env_id, kwargs_for):
    env = gym.make(env_id, **kwargs_for(env_id), max_queries=4)
    env.reset(seed=0)
    flags = [env.step(env.action_space.sample())[2:4] for _ in range(4)]
    assert flags == [(False, False)] * 3 + [(False, True)]
    assert env.unwrapped.step_cap == 4

    env = gym.make(env_id, **kwargs_for(env_id), max_queries=3, budget="unique", max_steps=6)
    env.reset(seed=0)
    env.action_space.seed(0)
    repeated = env.action_space.sample()
    steps = [env.step(repeated) for _ in range(6)]  # one architecture, asked again and again
    assert [s[3] for s in steps] == [False] * 5 + [True] and not any(s[2] for s in steps)
    assert steps[-1][4]["unique_queries"] == 1  # the step cap stopped a policy that never explores

    env.reset(seed=1)
    for t in range(1, 7):
        *_, terminated, truncated, info = env.step(env.action_space.sample())
        assert not terminated and truncated == (info["unique_queries"] == 3 or t == 6)
        if truncated:
            break
    assert info["unique_queries"] == 3


# -- bad input --------------------------------------------------------------------------------
_envs: dict[str, gym.Env] = {}


def reset_env(env_id: str, kwargs_for) -> gym.Env:
    """One env per id for the hypothesis examples (building one per example would dominate)."""
    if env_id not in _envs:
        _envs[env_id] = ArchSearchEnv(**gym.spec(env_id).kwargs, **kwargs_for(env_id, f"bad-{env_id}"))
    env = _envs[env_id]
    env.reset(seed=0)
    return env


def bad_actions(space: gym.Space) -> st.SearchStrategy:
    """Actions every env must refuse with a ValueError: wrong shape, non-numeric, NaN/inf, out of range."""
    dim = space.shape[0]
    common = [
        arrays(np.float64, st.integers(0, 2 * dim).filter(lambda k: k != dim)),
        arrays(np.float32, st.tuples(st.integers(1, 3), st.just(dim))),
        st.just(np.array(["a"] * dim)),
        st.just(np.ones(dim, dtype=bool)),
        st.just(np.ones(dim, dtype=complex)),
        st.just(np.array([None] * dim)),
    ]
    poison = st.sampled_from([np.nan, np.inf, -np.inf])
    if isinstance(space, gym.spaces.MultiDiscrete):
        nvec = space.nvec

        def out_of_range(i: int, low: bool) -> np.ndarray:
            a = np.zeros(dim, np.int64)
            a[i] = -1 if low else nvec[i]
            return a

        def half(i: int) -> np.ndarray:
            a = np.zeros(dim, np.float64)
            a[i] = 0.5
            return a

        idx = st.integers(0, dim - 1)
        specific = [
            st.builds(out_of_range, idx, st.booleans()),
            st.builds(half, idx),
            st.builds(lambda i, v: np.where(np.arange(dim) == i, v, 0.0), idx, poison),
        ]
    else:
        specific = [
            st.builds(
                lambda a, i, v: np.where(np.arange(dim) == i, v, a).astype(a.dtype),
                arrays(st.sampled_from([np.float32, np.float64]), dim, elements=st.floats(-1, 1, width=32)),
                st.integers(0, dim - 1),
                poison,
            )
        ]
    return st.one_of(*common, *specific)


@pytest.mark.parametrize("env_id", IDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bad_actions_raise_a_value_error_naming_the_action(env_id, kwargs_for, data):
    env = reset_env(env_id, kwargs_for)
    action = data.draw(bad_actions(env.action_space))
    with pytest.raises(ValueError, match="action"):
        env.step(action)


NAN, INF = math.nan, math.inf
BAD_KWARGS = [
    ({"max_queries": 0}, ValueError, "max_queries must be >= 1"),
    ({"max_queries": -5}, ValueError, "max_queries must be >= 1"),
    ({"max_queries": 2.5}, TypeError, "max_queries must be an int"),
    ({"max_queries": "10"}, TypeError, "max_queries must be an int"),
    ({"max_queries": True}, TypeError, "max_queries must be an int"),
    ({"top_k": 0}, ValueError, "top_k must be >= 1"),
    ({"top_k": None}, TypeError, "top_k must be an int"),
    ({"budget": "unique", "max_steps": 0}, ValueError, "max_steps must be >= 1"),
    ({"delta_step": NAN}, ValueError, "delta_step must be finite"),
    ({"delta_step": INF}, ValueError, "delta_step must be finite"),
    ({"delta_step": 0.0}, ValueError, "delta_step must be > 0"),
    ({"delta_step": "big"}, TypeError, "delta_step must be a number"),
    ({"acc_env": NAN}, ValueError, "acc_env must be finite"),
    ({"acc_env": -0.5}, ValueError, "acc_env must be > 0"),
    ({"latency_limit_ms": 0.0}, ValueError, "latency_limit_ms must be > 0"),
    ({"latency_limit_ms": -INF}, ValueError, "latency_limit_ms must be finite"),
    ({"latency_weight": NAN}, ValueError, "latency_weight must be finite"),
    ({"latency_weight": -1.0}, ValueError, "latency_weight must be >= 0"),
    ({"budget": 3}, TypeError, "budget must be a string"),
    ({"budget": "queries"}, ValueError, "budget='queries' is not supported"),
    ({"reward": None}, TypeError, "reward must be a string"),
    ({"action_type": "binary"}, ValueError, "action_type='binary' is not supported"),
    ({"frameskip": 1}, TypeError, "unexpected keyword argument 'frameskip'"),
    ({"sigal": "val12", "zz": 1}, TypeError, r"unexpected keyword argument 'sigal' \(all unknown: \['sigal', 'zz'\]\)"),
]


@pytest.mark.parametrize("env_id", IDS)
def test_bad_kwargs_raise_errors_naming_the_kwarg(env_id, kwargs_for):
    for bad, error, match in BAD_KWARGS:
        with pytest.raises(error, match=match):
            gym.make(env_id, **kwargs_for(env_id), **bad)
    with pytest.raises(TypeError, match="unexpected keyword argument 'frameskip'"):
        gym.make_vec(env_id, 2, vectorization_mode="vector_entry_point", frameskip=1, **kwargs_for(env_id))


def test_a_ragged_action_is_named(nb201_cache):
    env = gym.make("NB201-cifar10-v0", cache=nb201_cache).unwrapped
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"rectangular array of shape \(30,\)"):
        env.step([[0.0] * 30, [0.0]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"report_test": "no"}, "report_test must be True or False"),
        ({"epochs": 1.5}, "training setting epochs must be int"),
        ({"nesterov": "yes"}, "training setting nesterov must be bool"),
        ({"cache": 5}, "cache must be a folder path"),
    ],
)
def test_mistyped_benchmark_kwargs_are_named(kwargs, message, tmp_path):

    with pytest.raises(TypeError, match=message):
        ArchSearchEnv(
            "nb201-trained", data=toy_images(), results_db=tmp_path / "r.sqlite", **{**TINY_TRAINING, **kwargs}
        )


def test_an_unknown_family_names_the_registered_ones():
    with pytest.raises(ValueError, match=r"unknown benchmark family 'nb999'; choose one of nb201, nb301, ofa"):
        ArchSearchEnv("nb999")
