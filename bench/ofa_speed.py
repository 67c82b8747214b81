"""OFA benchmark and env speed: batched metric throughput, single- and vector-env steps/s, cold start.

Prints, per metric, architectures/s of one batched ``query`` (batch 1 and 4096); ``OFA-MBv3-v0``
steps/s for the raw env, through ``gym.make``'s wrappers and as a vector env (N = 64); and the
time to build the benchmark in a fresh process (npz load + HELP latency fits).

    python bench/ofa_speed.py [--cache DIR] [--seconds 1.0]
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
from nas_gym.benchmarks.ofa import OFABenchmark

COLD_START = """
import json, time
t0 = time.perf_counter()
from nas_gym.benchmarks.ofa import OFABenchmark
t1 = time.perf_counter()
bench = OFABenchmark(cache={cache!r})
t2 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "build_s": t2 - t1}}))
"""


def rate(fn, items_per_call: int, seconds: float) -> float:
    """Items/s of ``fn`` called repeatedly for about ``seconds``."""
    fn()
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        calls += 1
    return calls * items_per_call / elapsed


def env_rate(env, actions: np.ndarray, per_step: int, seconds: float) -> float:
    env.reset(seed=0)
    i = 0

    def step():
        nonlocal i
        env.step(actions[i % len(actions)])
        i += 1

    return rate(step, per_step, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default=None)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    cache_kw = {"cache": args.cache} if args.cache else {}

    bench = OFABenchmark(**cache_kw)
    rng = np.random.default_rng(0)
    for batch in (1, 4096):
        codes = bench.search_space.sample(batch, rng)
        for metric in ("predicted_acc", "latency/note10", "macs", "latency/v100_64"):
            r = rate(lambda m=metric, c=codes: bench.query(c, m), batch, args.seconds)
            print(f"query {metric:<16} batch {batch:>4}: {r:>12,.0f} archs/s")
        r = rate(lambda c=codes: bench.query_many(c, bench.metrics), batch, args.seconds)
        print(f"query all {len(bench.metrics)} metrics  batch {batch:>4}: {r:>12,.0f} archs/s")

    raw = gym.make("OFA-MBv3-v0", **cache_kw).unwrapped
    actions = rng.uniform(-1, 1, size=(1024, raw.action_space.shape[0])).astype(np.float32)
    print(f"OFA-MBv3-v0 raw env:         {env_rate(raw, actions, 1, args.seconds):>10,.0f} steps/s")
    wrapped = gym.make("OFA-MBv3-v0", **cache_kw)
    print(f"OFA-MBv3-v0 gym.make:        {env_rate(wrapped, actions, 1, args.seconds):>10,.0f} steps/s")
    vec = gym.make_vec("OFA-MBv3-v0", num_envs=64, vectorization_mode="vector_entry_point", **cache_kw)
    batched = rng.uniform(-1, 1, size=(16, 64, raw.action_space.shape[0])).astype(np.float32)
    print(f"OFA-MBv3-v0 vector (N=64):   {env_rate(vec, batched, 64, args.seconds):>10,.0f} env steps/s")

    out = subprocess.run(
        [sys.executable, "-c", COLD_START.format(cache=args.cache)], capture_output=True, text=True, check=True
    )
    cold = json.loads(out.stdout)
    print(f"cold start: import {cold['import_s']:.2f} s, build benchmark {cold['build_s']:.2f} s")


if __name__ == "__main__":
    main()
