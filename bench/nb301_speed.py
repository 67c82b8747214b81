"""NB301 surrogate speed and a random-search reference on ``DARTS-cifar10-v0``.

Prints surrogate queries per second (2021 model one row at a time, v2 batched, cache hits),
env steps per second, and the best predicted validation accuracy random search finds after
100 / 1,000 / 5,000 / 20,000 queries (random alpha through Algorithm 2, as L2NAS's warm-up does).

    python bench/nb301_speed.py [--cache DIR] [--queries 20000] [--seeds 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nas_gym.benchmarks.nb301 import NB301Benchmark
from nas_gym.envs import ArchSearchEnv
from nas_gym.spaces.darts import DARTSSearchSpace


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>10,.0f} /s  ({1e6 * seconds / n:7.1f} us each)"


def surrogate_speed(cache: str | None, n: int) -> None:
    codes = DARTSSearchSpace().sample(n, np.random.default_rng(0))
    for model in ("2021", "v2"):
        bench = NB301Benchmark(model, cache=cache)
        bench.run_surrogate(codes[:8])  # warm up the session
        t = time.perf_counter()
        for row in codes[: n // 4]:
            bench.run_surrogate(row[None])
        print(f"{model:>4} single-row queries   {rate(n // 4, time.perf_counter() - t)}")
        t = time.perf_counter()
        bench.run_surrogate(codes)
        kind = "batched" if bench.spec.batched else "looped"
        print(f"{model:>4} batch of {n} ({kind}) {rate(n, time.perf_counter() - t)}")
        bench.query(codes, "val_acc")
        t = time.perf_counter()
        bench.query(codes, "val_acc")
        print(f"{model:>4} cached batch of {n}  {rate(n, time.perf_counter() - t)}")


def env_speed(cache: str | None, steps: int) -> None:
    env = ArchSearchEnv("nb301", cache=cache)
    env.reset(seed=0)
    env.action_space.seed(0)
    actions = [env.action_space.sample() for _ in range(steps)]
    t = time.perf_counter()
    for a in actions:
        env.step(a)
    print(f"DARTS-cifar10-v0 env steps   {rate(steps, time.perf_counter() - t)}")


def random_search(cache: str | None, queries: int, seeds: int) -> None:
    marks = [m for m in (100, 1_000, 5_000, 20_000) if m <= queries]
    best = np.zeros((seeds, len(marks)))
    for seed in range(seeds):
        env = ArchSearchEnv("nb301", cache=cache, max_queries=queries)
        env.reset(seed=seed)
        env.action_space.seed(seed)
        for step in range(1, queries + 1):
            info = env.step(env.action_space.sample())[-1]
            if step in marks:
                best[seed, marks.index(step)] = info["best_signal_acc"]
    print(f"random search (random alpha), {seeds} seeds: best predicted val acc (%), mean +- std")
    for j, m in enumerate(marks):
        print(f"  after {m:>6,} queries: {best[:, j].mean():.2f} +- {best[:, j].std():.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default=None, help="data cache folder (default: $NAS_GYM_DATA or user cache)")
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    surrogate_speed(args.cache, args.batch)
    env_speed(args.cache, 2_000)
    random_search(args.cache, args.queries, args.seeds)


if __name__ == "__main__":
    main()
