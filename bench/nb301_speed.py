"""NB301 surrogate speed (batched graph vs the source graph one row per call), DARTS env speed, random search.

Rows/s of the 2021 surrogate in one run, measured in alternating slices so both paths share the
machine's load: the derived dynamic-batch graph (whole batches, what ``query_many`` runs) and the
md5-pinned source graph one row per onnxruntime call (what every query ran before), with their
ratio (target >= 20x); then ``DARTS-cifar10-v0`` steps/s, single and vector (N searches answered
by one batched query), and the best predicted validation accuracy random search finds after
100 / 1,000 / 5,000 / 20,000 queries (random alpha through Algorithm 2, as L2NAS's warm-up does).
Writes its rows into docs/performance.md unless ``--no-doc``.

    python bench/nb301_speed.py [--cache DIR] [--seconds 1] [--queries 20000] [--seeds 3] [--no-doc]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import gymnasium as gym
import numpy as np
from perf_doc import Figure, record

import nas_gym  # noqa: F401 (registers the env ids)
from nas_gym.benchmarks.nb301 import NB301Benchmark
from nas_gym.spaces.darts import DARTSSearchSpace

TARGET = 20.0


def rows_per_second(run: Callable[[], int], seconds: float) -> float:
    """Rows/s of ``run`` (which returns the rows it did) repeated for about ``seconds``."""
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        n += run()
    return n / (time.perf_counter() - start)


def flops_per_row(cache: str | None) -> float:
    """2 x the multiply-adds of the graph's Gemms for one row: the work a batch cannot amortize."""
    import onnx

    from nas_gym.data.nb301 import MODEL_2021
    from nas_gym.data.store import verified_path

    graph = onnx.load(str(verified_path("nb301", MODEL_2021, cache))).graph
    weights = {t.name: t.dims for t in graph.initializer}
    return float(sum(2 * np.prod(weights[n.input[1]]) for n in graph.node if n.op_type == "Gemm"))


def surrogate_speed(cache: str | None, seconds: float, rounds: int = 5) -> dict[str, float]:
    """Median rows/s of each path over ``rounds`` alternating slices, and the median per-slice ratio."""
    bench = NB301Benchmark("2021", cache=cache)
    codes = DARTSSearchSpace().sample(4096, np.random.default_rng(0))
    paths: dict[str, Callable[[], int]] = {
        "batched": lambda: len(bench.run_surrogate(codes)),
        "one_row": lambda: len(bench.run_surrogate(codes[:512], one_row=True)),
    }
    for run in paths.values():
        run()  # warm up both sessions
    rates: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, run in paths.items():
            rates[name].append(rows_per_second(run, seconds / rounds))
    ratio = statistics.median(b / o for b, o in zip(rates["batched"], rates["one_row"], strict=True))
    return {**{name: statistics.median(r) for name, r in rates.items()}, "ratio": ratio}


def env_speed(cache: str | None, num_envs: int, seconds: float) -> float:
    """Env-steps/s of ``DARTS-cifar10-v0`` (single env for 1, the native vector env otherwise) on
    random actions; every step is a fresh genotype, so every step pays the surrogate."""
    if num_envs == 1:
        env = gym.make("DARTS-cifar10-v0", cache=cache, max_queries=10**9)
        env.reset(seed=0)
        env.action_space.seed(0)
        actions = [env.action_space.sample() for _ in range(200)]

        def run_single() -> int:
            for a in actions:
                env.step(a)
            return len(actions)

        return rows_per_second(run_single, seconds)
    venv = gym.make_vec(
        "DARTS-cifar10-v0", num_envs=num_envs, vectorization_mode="vector_entry_point", cache=cache, max_queries=10**9
    )
    venv.reset(seed=0)
    batch = np.random.default_rng(0).normal(size=(8, *venv.action_space.shape)).astype(np.float32)

    def run_vector() -> int:
        for a in batch:
            venv.step(a)
        return len(batch) * num_envs

    return rows_per_second(run_vector, seconds)


def random_search(cache: str | None, queries: int, seeds: int) -> None:
    marks = [m for m in (100, 1_000, 5_000, 20_000) if m <= queries]
    best = np.zeros((seeds, len(marks)))
    for seed in range(seeds):
        env = gym.make("DARTS-cifar10-v0", cache=cache, max_queries=queries)
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
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument("--queries", type=int, default=20_000, help="random search budget (0: skip)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()

    s = surrogate_speed(args.cache, 4 * args.seconds)
    print("NB301 2021 surrogate, rows/s (medians of 5 alternating slices)")
    print(f"  source graph, one row per call    {s['one_row']:10,.0f}")
    print(f"  derived graph, batches of 4096    {s['batched']:10,.0f}")
    print(f"  ratio batched / one row           {s['ratio']:10.1f}x  (target >= {TARGET:.0f}x)")
    gflops = s["batched"] * flops_per_row(args.cache) / 1e9
    print(f"  batched compute                   {gflops:10.1f} GFLOP/s (the Gemms; one thread)")
    single = env_speed(args.cache, 1, args.seconds)
    vector = env_speed(args.cache, 256, args.seconds)
    print(f"DARTS-cifar10-v0 env-steps/s: single {single:,.0f}, vector N=256 {vector:,.0f} ({vector / single:.1f}x)")
    if not args.no_doc:
        record(
            "nb301_speed.py",
            [
                Figure(
                    "NB301 2021 surrogate: batched graph vs source graph one row per call, rows/s",
                    f"{s['batched']:,.0f}",
                    f"{s['one_row']:,.0f}",
                    f"{s['ratio']:.1f}x",
                    f">= {TARGET:.0f}x",
                    s["ratio"] >= TARGET,
                ),
                Figure("NB301 2021 surrogate, batched: Gemm compute of one thread, GFLOP/s", f"{gflops:.1f}"),
                Figure(
                    "DARTS-cifar10-v0: vector env N=256 vs single env, env-steps/s",
                    f"{vector:,.0f}",
                    f"{single:,.0f}",
                    f"{vector / single:.1f}x",
                ),
            ],
        )
    if args.queries:
        random_search(args.cache, args.queries, args.seeds)


if __name__ == "__main__":
    main()
