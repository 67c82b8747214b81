"""NB201 env speed, measured in one run beside CartPole-v1 so the ratio survives a noisy machine.

Prints: single-env ``step()`` throughput (raw env and through ``gym.make``'s wrappers) with the
same figures for CartPole-v1; vector-env steps/s for N = 1, 64, 1024; batched query throughput;
cold-start table load time and peak RSS (in a fresh subprocess); the cost of one more ``gym.make``.

    python bench/env_speed.py [--cache DIR] [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import gymnasium as gym
import numpy as np

import nas_gym  # noqa: F401  (registers the ids)
from nas_gym.benchmarks.nb201 import NB201Benchmark

COLD_START = """
import json, resource, time
t0 = time.perf_counter()
import nas_gym.benchmarks.nb201 as m
t1 = time.perf_counter()
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
bench = m.NB201Benchmark("cifar10", cache={cache!r})
bench.query(bench.indices([0]), "val12")
t2 = time.perf_counter()
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"import_s": t1 - t0, "load_s": t2 - t1, "rss_before_mb": rss0 / 1024, "rss_peak_mb": rss1 / 1024}}))
"""


def steps_per_second(env: gym.Env, seconds: float, seed: int = 0) -> float:
    """Steps/s of ``env`` on pre-sampled actions (sampling is not part of the env's cost)."""
    env.reset(seed=seed)
    env.action_space.seed(seed)
    actions = [env.action_space.sample() for _ in range(1000)]
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for a in actions:
            _, _, terminated, truncated, _ = env.step(a)
            if terminated or truncated:
                env.reset()
        n += len(actions)
    return n / (time.perf_counter() - start)


def vector_steps_per_second(num_envs: int, seconds: float, cache: str | None) -> float:
    venv = gym.make_vec("NB201-cifar10-v0", num_envs=num_envs, vectorization_mode="vector_entry_point", cache=cache)
    venv.reset(seed=0)
    actions = np.random.default_rng(0).uniform(-1, 1, (16, num_envs, 30)).astype(np.float32)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for a in actions:
            venv.step(a)
        n += len(actions) * num_envs
    return n / (time.perf_counter() - start)


def query_throughput(cache: str | None) -> dict[str, float]:
    bench = NB201Benchmark("cifar10", cache=cache)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 15625, 1_000_000)
    codes = bench.search_space.index_to_codes(idx)
    out = {}
    for name, archs in (("indices", idx), ("op codes", codes)):
        best = min(_timed(lambda a=archs: bench.query(a, "val12")) for _ in range(5))
        out[name] = len(idx) / best
    return out


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default=None, help="nas-gym data cache (default: $NAS_GYM_DATA / user cache)")
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = parser.parse_args()

    cold = json.loads(
        subprocess.run(
            [sys.executable, "-c", COLD_START.format(cache=args.cache)], capture_output=True, text=True, check=True
        ).stdout
    )
    print("NB201 table cold start (fresh process)")
    print(f"  import nas_gym         {cold['import_s'] * 1e3:8.1f} ms")
    print(f"  load table + 1st query {cold['load_s'] * 1e3:8.1f} ms   (target < 300 ms)")
    rss, before = cold["rss_peak_mb"], cold["rss_before_mb"]
    print(f"  peak RSS               {rss:8.1f} MB   (target < 150 MB; {before:.1f} MB before the table)")

    start = time.perf_counter()
    for _ in range(100):
        gym.make("NB201-cifar10-v0", cache=args.cache)
    print(f"  gym.make once loaded   {(time.perf_counter() - start) * 10:8.2f} ms per env (the table is shared)")

    print("\nsingle env step() throughput, steps/s (same process, same actions-per-step protocol)")
    rows = {
        "CartPole-v1 (raw)": steps_per_second(gym.make("CartPole-v1").unwrapped, args.seconds),
        "NB201-cifar10-v0 (raw)": steps_per_second(
            gym.make("NB201-cifar10-v0", cache=args.cache).unwrapped, args.seconds
        ),
        "CartPole-v1 (gym.make)": steps_per_second(gym.make("CartPole-v1"), args.seconds),
        "NB201-cifar10-v0 (gym.make)": steps_per_second(gym.make("NB201-cifar10-v0", cache=args.cache), args.seconds),
    }
    for name, sps in rows.items():
        print(f"  {name:30s} {sps:12,.0f}")
    for kind in ("raw", "gym.make"):
        ratio = rows[f"NB201-cifar10-v0 ({kind})"] / rows[f"CartPole-v1 ({kind})"]
        print(f"  ratio NB201 / CartPole ({kind}) {ratio:.2f}")
    print("  (target: single env >= 100,000 steps/s)")

    print("\nvector env (vector_entry_point), env-steps/s")
    for n in (1, 64, 1024):
        print(f"  N = {n:5d}  {vector_steps_per_second(n, args.seconds, args.cache):14,.0f}")

    print("\nbatched query, 1e6 architectures, archs/s (target >= 10M)")
    for name, rate in query_throughput(args.cache).items():
        print(f"  {name:9s} {rate:16,.0f}")


if __name__ == "__main__":
    main()
