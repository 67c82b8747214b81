"""Step results pinned to the code before the fast step path (issue 11 item 11).

The digests below were produced by the batched step of main at 857dd03, before any step
optimisation; a faster step must reproduce them bit for bit: every observation's bytes and
dtype, every reward, every ``info`` key, value *and type* (a Python ``int`` must not become
``np.int64``). The digest covers long trajectories; the spelled-out values of the first steps
make a failure readable. Regenerate only for a deliberate change of semantics:
``python tests/test_step_pinned.py --cache DIR`` prints the digests. OFA is pinned to 4 decimals (``PIN_DECIMALS``).
"""

from __future__ import annotations

import hashlib
import re
import sys
from typing import Any

import numpy as np
import pytest
from gymnasium import spaces as gym_spaces
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nas_gym.benchmarks.nb201 import NB201Benchmark
from nas_gym.envs import ArchSearchEnv
from nas_gym.envs.config import SearchConfig
from nas_gym.envs.core import SearchCore

SINGLE = {
    "default": {"max_queries": 50},
    "discrete-unique": {"action_type": "discrete", "budget": "unique", "max_queries": 20, "top_k": 5},
    "delta": {"action_mode": "delta", "top_k": 4, "max_queries": 40},
    "latency-limit": {
        "latency_device": "pixel2",
        "latency_limit_ms": 20,
        "reward": "transfer",
        "acc_env": 0.9,
        "top_k": 8,
        "max_queries": 30,
    },
    "latency-weight": {"latency_device": "pixel2", "latency_weight": 0.1, "reward": "acc", "signal": "test12"},
    "cifar100": {"dataset": "cifar100", "top_k": 3, "budget": "unique", "max_queries": 25, "max_steps": 60},
}
"""Single-env configurations: every branch of the step (budgets, action kinds, latency, rewards)."""

SINGLE_DIGESTS = {
    "default": "745284fe7935629bcdaac59c01d646c7da5f1f21de7f4e58e11f449ef3b9297a",
    "discrete-unique": "c93b979f00f5829c68b6afa34dcfeb945144dc9c8753f5dd2b1b64d062429c99",
    "delta": "2cd1eb666913fece4913f3c95e5f3462be1b4071f3f82715e7479e1a03773d70",
    "latency-limit": "3e2bad1f94056eb932ef6c657a4a145b8b856205e56f73bb689f031c366837b1",
    "latency-weight": "25a02c19520b3139b59e314ff547821a62075400e8d53d1dc0b07a4fcc14405c",
    "cifar100": "ce925194bfa3c8b5e7be7f9623c14bacb5438bd1ea8d2ab3d6b5eaa71b1165c5",
}

OTHER_FAMILIES = {
    "nb301": ({"top_k": 4, "max_queries": 12}, "386622e440cdbb5d1da531d48ac0e0d90dd223d8f95529595217e83c3786f174"),
    "ofa": (
        {"top_k": 4, "max_queries": 12, "latency_device": "note10", "latency_limit_ms": 25},
        "47d67b3f6451d1e3de71375e72b9489e21ba31c9048b5614098355bcf4ecb8fc",
    ),
}
"""The surrogate (nb301) and predictor (ofa) families, 30 steps each: the step is generic (kwargs, digest)."""

PIN_DECIMALS = {"ofa": 4}
"""Families pinned on floats rounded to this many decimals rather than bit for bit. The OFA predictor is a
numpy MLP whose matmuls run the OpenBLAS kernel chosen for the CPU: AVX-512 and AVX2 kernels differ in the
last bits (the bit-exact digest held on an Intel AVX-512 machine and failed on an AMD one, or under
``OPENBLAS_CORETYPE=Zen``). Same machine, same seed, same bits is tested in tests/test_env_contract.py."""


CORE = {
    "continuous": {"max_queries": 9, "top_k": 3},
    "discrete-unique": {"action_type": "discrete", "budget": "unique", "max_queries": 6, "top_k": 2},
    "delta-latency": {"action_mode": "delta", "latency_device": "pixel2", "latency_limit_ms": 20, "max_queries": 7},
}
"""Batched-core configurations (N = 5) with partial resets of the truncated searches."""

CORE_DIGESTS = {
    "continuous": "b09519b6dbd5bf040ed1ecbb953e866e1af49bc233365f0dc987fffa1d32078e",
    "discrete-unique": "680ef381c0fa2407babe3fcf4519eceb2fa96aa2605df0b71278bd9230ea9501",
    "delta-latency": "44614c9868d629e36053ca042058c04fa3110ec289e3aacf6502460d699f6022",
}

FIRST_STEPS = [
    # (reward, info["index"], info["is_new"], info["unique_queries"]) of "default", seed 0
    (26.63912771808769, 4390, True, 1),
    (21.801179940339132, 14755, True, 2),
    (21.801179940339132, 14755, False, 2),
    (1.5640117087016367, 4891, True, 3),
    (21.801179940339132, 14755, False, 3),
    (37.535309381684065, 2360, True, 4),
]
FIRST_ARCH = "|skip_connect~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|"


def actions(space, steps: int, seed: int, batch: int | None = None) -> list[np.ndarray]:
    """Random actions of ``space``, a third of them repeats of an earlier one (so ``is_new`` flips)."""
    rng = np.random.default_rng(seed)
    shape = space.shape if batch is None else (batch, *space.shape)
    out: list[np.ndarray] = []
    for _ in range(steps):
        if out and rng.random() < 1 / 3:
            out.append(out[int(rng.integers(len(out)))])
        elif isinstance(space, gym_spaces.MultiDiscrete):
            out.append(rng.integers(0, space.nvec, size=shape))
        else:
            out.append(rng.uniform(-1.0, 1.0, shape).astype(np.float32))
    return out


def canonical(value: Any) -> bytes:
    """Bytes that change with any value, dtype, shape or Python type of ``value``."""
    if isinstance(value, dict):
        return b"{" + b",".join(k.encode() + b":" + canonical(value[k]) for k in sorted(value)) + b"}"
    if isinstance(value, list | tuple):
        return type(value).__name__.encode() + b"[" + b",".join(canonical(v) for v in value) + b"]"
    if isinstance(value, np.ndarray):
        return f"nd{value.dtype.str}{value.shape}".encode() + np.ascontiguousarray(value).tobytes()
    return f"{type(value).__name__}:{value!r}".encode()


def single_trajectory(
    cache, kwargs: dict, seed: int = 0, steps: int = 150, family: str = "nb201", scalar: bool = True
) -> list:
    """A single env's trajectory; ``scalar=False`` runs a table's search through the batched core instead."""
    env = ArchSearchEnv(family, cache=cache, **kwargs)
    if not scalar:
        env._scalar = None
    out = [env.reset(seed=seed)]
    for a in actions(env.action_space, steps, seed + 1):
        obs, reward, terminated, truncated, info = env.step(a)
        out.append((obs, reward, terminated, truncated, info))
        if truncated:
            out.append(env.reset())
    return out


def core_trajectory(cache, kwargs: dict, seed: int = 0, steps: int = 40, num_envs: int = 5) -> list:
    core = SearchCore(NB201Benchmark("cifar10", cache=cache), SearchConfig(**kwargs), num_envs=num_envs)
    rng = np.random.default_rng(seed)
    out: list = [core.reset(None, rng)]
    for a in actions(core.single_action_space, steps, seed + 1, batch=num_envs):
        obs, reward, truncated, info = core.step(a)
        out.append((obs, reward, truncated, info))
        if truncated.any():
            out.append(core.reset(truncated, rng))
    return out


def rounded(value: Any, decimals: int) -> Any:
    """``value`` with every float (Python, numpy scalar or float array) rounded to ``decimals``, types kept."""
    if isinstance(value, dict):
        return {k: rounded(v, decimals) for k, v in value.items()}
    if isinstance(value, list | tuple) and not hasattr(value, "_fields"):
        return type(value)(rounded(v, decimals) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return np.round(value.astype(np.float64), decimals).astype(value.dtype)
    if isinstance(value, float | np.floating):
        return type(value)(round(float(value), decimals))
    return value


def digest(trajectory: list, decimals: int | None = None) -> str:
    if decimals is not None:
        trajectory = rounded(trajectory, decimals)
    return hashlib.sha256(canonical(trajectory)).hexdigest()


def family_digest(cache, family: str) -> str:
    trajectory = single_trajectory(cache, OTHER_FAMILIES[family][0], steps=30, family=family)
    return digest(trajectory, PIN_DECIMALS.get(family))


@pytest.mark.parametrize("name", sorted(SINGLE))
def test_single_env_steps_are_pinned(name, nb201_cache):
    assert digest(single_trajectory(nb201_cache, SINGLE[name])) == SINGLE_DIGESTS[name]


@pytest.mark.parametrize("name", sorted(SINGLE))
def test_the_batched_core_gives_the_single_env_the_same_pinned_steps(name, nb201_cache):
    """One set of digests holds both single-env paths: NB201's scalar step and the batched core at N = 1."""
    env = ArchSearchEnv(cache=nb201_cache, **SINGLE[name])
    assert (env._scalar is not None) == (SINGLE[name].get("action_mode") != "delta")  # delta: the core only
    assert digest(single_trajectory(nb201_cache, SINGLE[name], scalar=False)) == SINGLE_DIGESTS[name]


@pytest.mark.realdata
@pytest.mark.parametrize("family", sorted(OTHER_FAMILIES))
def test_other_families_steps_are_pinned(family, real_data):
    assert family_digest(real_data.require(family), family) == OTHER_FAMILIES[family][1]


@pytest.mark.parametrize("name", sorted(CORE))
def test_batched_core_steps_are_pinned(name, nb201_cache):
    assert digest(core_trajectory(nb201_cache, CORE[name])) == CORE_DIGESTS[name]


def test_first_steps_spelled_out(nb201_cache):
    steps = [s for s in single_trajectory(nb201_cache, SINGLE["default"], steps=6)[1:] if len(s) == 5]
    got = [(s[1], s[4]["index"], s[4]["is_new"], s[4]["unique_queries"]) for s in steps]
    assert got == FIRST_STEPS
    assert steps[0][4]["arch"] == steps[0][4]["best_arch"] == FIRST_ARCH


if __name__ == "__main__":
    cache = sys.argv[sys.argv.index("--cache") + 1]
    print({k: digest(single_trajectory(cache, v)) for k, v in SINGLE.items()})
    print({k: digest(core_trajectory(cache, v)) for k, v in CORE.items()})
    print({k: family_digest(cache, k) for k in OTHER_FAMILIES})
    steps = [s for s in single_trajectory(cache, SINGLE["default"], steps=6)[1:] if len(s) == 5]
    for s in steps:
        print((s[1], s[4]["index"], s[4]["is_new"], s[4]["unique_queries"]), s[4]["arch"])


def old_decode(core: SearchCore, a: np.ndarray) -> np.ndarray:
    """The continuous decode of main at 857dd03: the oracle of the in-range shortcut."""
    if not np.isfinite(a).all():
        raise ValueError("actions contain NaN or inf")
    alpha = (np.clip(a, -1.0, 1.0) + 1.0) / 2.0
    return core.space.discretize(alpha.reshape(core.num_envs, *core.space.alpha_shape))


entries = st.one_of(
    st.floats(-1.0, 1.0, width=32), st.floats(-3.0, 3.0, width=32), st.sampled_from([np.nan, np.inf, -np.inf, -0.0])
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), num_envs=st.sampled_from([1, 3]), dtype=st.sampled_from([np.float32, np.float64]))
def test_decode_matches_the_clipping_decode(nb201_cache, data, num_envs, dtype):
    core = SearchCore(NB201Benchmark("cifar10", cache=nb201_cache), SearchConfig(), num_envs=num_envs)
    a = data.draw(arrays(dtype, (num_envs, 30), elements=entries))
    try:
        expected = old_decode(core, a)
    except ValueError as err:
        with pytest.raises(ValueError, match=str(err)):
            core.decode(a)
        return
    assert np.array_equal(core.decode(a), expected)


def test_reported_arrays_are_read_only_and_never_change_in_an_info(nb201_cache):
    core = SearchCore(NB201Benchmark("cifar10", cache=nb201_cache), SearchConfig(max_queries=5), num_envs=2)
    core.reset(None, np.random.default_rng(0))
    _, _, _, info = core.step(np.zeros((2, 30), np.float32))
    kept = {k: v.copy() for k, v in info.items()}
    with pytest.raises(ValueError, match="read-only"):
        info["unique_queries"][0] = 7
    for a in actions(core.single_action_space, 6, 3, batch=2):
        core.step(a)
    core.reset(np.array([True, False]), np.random.default_rng(1))
    assert all(np.array_equal(info[k], v) for k, v in kept.items())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), dtype=st.sampled_from([np.float32, np.float64, np.float16, np.int64]))
def test_scalar_decode_matches_the_core_decode(nb201_cache, data, dtype):
    """Ties (equal entries, tiny values that round together once shifted), clipping and NaN/inf:
    NB201's scalar decode picks the core's architecture or raises the core's error."""
    env = ArchSearchEnv(cache=nb201_cache)
    tiny = st.sampled_from([0.0, 1e-9, -1e-9, 3e-8, 1.0, -1.0, 1.0000001, -0.99999994, 0.5])
    elements = st.one_of(entries, tiny) if dtype != np.int64 else st.integers(-2, 2)
    a = data.draw(arrays(dtype, (30,), elements=elements))
    core, scalar = env._core, env._scalar
    assert scalar is not None
    try:
        expected = core.space.key_of_valid(core.decode(a, single=True))[0]
    except ValueError as err:
        with pytest.raises(ValueError, match=re.escape(str(err))):
            scalar.decode(a)
        return
    assert scalar.decode(a) == expected
