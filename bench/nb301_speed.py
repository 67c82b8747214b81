"""NB301 surrogate speed (batched graph vs the source graph one row per call), DARTS env speed, random search.

Rows/s of the 2021 surrogate in one run, measured in alternating slices so both paths share the
machine's load: the derived dynamic-batch graph (whole batches, what ``query_many`` runs) and the
md5-pinned source graph one row per onnxruntime call (what every query ran before), with their
ratio (target >= 20x), per wall and per CPU second, under the same session options (one thread)
at three graph optimization levels; the FLOPs of a row per Gemm of the graph and onnxruntime's
one-thread Gemm peak on this CPU, which bound the ratio (the one-row cost over a row's FLOPs at
the peak); then ``DARTS-cifar10-v0`` steps/s, single and vector (N searches answered
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
from perf_doc import Figure, load_average, record

import nas_gym  # noqa: F401 (registers the env ids)
from nas_gym.benchmarks.nb301 import ROWS_PER_CALL
from nas_gym.spaces.darts import DARTSSearchSpace

TARGET = 20.0
LEVELS = ("ENABLE_ALL", "ENABLE_BASIC", "DISABLE_ALL")
"""onnxruntime graph optimization levels measured; ENABLE_ALL is the library's default and what queries run."""


def rows_per_second(run: Callable[[], int], seconds: float) -> tuple[float, float]:
    """Rows per wall second and per CPU second of this process, of ``run`` (which returns the rows
    it did) repeated for about ``seconds``. On a shared machine the CPU rate is the steadier one."""
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        n += run()
    return n / (time.perf_counter() - start), n / max(time.process_time() - cpu, 1e-9)


def gemm_flops(cache: str | None) -> list[tuple[str, float]]:
    """Each Gemm of the 2021 graph (``in x out``) and its FLOPs for one row (2 x multiply-adds):
    the work a batch cannot amortize. Besides them a row has 34 embedding gathers, 1,792 SELU
    outputs and a few adds; onnxruntime's profile (:func:`op_shares`) puts ~90 % of the kernel
    time in the Gemms with their fused SELUs."""
    import onnx

    from nas_gym.data.nb301 import MODEL_2021
    from nas_gym.data.store import verified_path

    graph = onnx.load(str(verified_path("nb301", MODEL_2021, cache))).graph
    weights = {t.name: t.dims for t in graph.initializer}
    gemms = [weights[n.input[1]] for n in graph.node if n.op_type == "Gemm"]  # transB: (out, in)
    return [(f"{w[1]} x {w[0]}", 2.0 * w[0] * w[1]) for w in gemms]


def first_layer_flops(gemms: list[tuple[str, float]]) -> float:
    """FLOPs of the Gemms that read the 337 input features (the embeddings and the epoch): being
    linear in per-column embedding lookups, they could be folded into lookup tables by an algebraic
    rewrite of the graph, the one saving of work per row the graph admits (not done: it changes the
    float32 summation order, so the equality to the source graph would no longer be exact)."""
    first_in = gemms[0][0].split(" x ")[0]
    return sum(f for shape, f in gemms if shape.split(" x ")[0] == first_in)


def session(path: str, level: str):
    """An onnxruntime session of one thread at optimization ``level`` (the library's default is "ALL")."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, f"ORT_{level}")
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def gemm_peak_gflops(seconds: float) -> float:
    """GFLOP/s per CPU second of onnxruntime's one-thread Gemm on a 1024 x 512 x 512 product (the
    graph's largest), the kernel and shape the batched surrogate runs: its ceiling on this CPU."""
    import tempfile

    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weight = numpy_helper.from_array(rng.normal(size=(512, 512)).astype(np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "w"], ["y"], transB=1)],
        "gemm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1024, 512])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1024, 512])],
        [weight],
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/gemm.onnx"
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
        run = session(path, "ENABLE_ALL")
    x = rng.normal(size=(1024, 512)).astype(np.float32)
    _, per_cpu = rows_per_second(lambda: len(run.run(["y"], {"x": x})[0]), seconds)
    return per_cpu * 2 * 512 * 512 / 1e9


def op_shares(cache: str | None, batches: int = 20) -> list[tuple[str, float]]:
    """Share of each op type in onnxruntime's kernel time of the batched graph (its own profiler,
    ``ENABLE_ALL``, one thread), over ``batches`` batches of fresh genotypes. ``FusedGemm`` is a
    Gemm with its SELU, fused by the optimizer."""
    import collections
    import json
    import os
    import tempfile

    import onnxruntime as ort

    from nas_gym.data.nb301 import MODEL_2021_BATCHED
    from nas_gym.data.store import verified_path
    from nas_gym.spaces.darts import codes_to_onnx

    x_cat = codes_to_onnx(DARTSSearchSpace().sample(batches * ROWS_PER_CALL, np.random.default_rng(1)))
    x_cont = np.full((len(x_cat), 1), 98, dtype=np.float32)
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.enable_profiling = True
    with tempfile.TemporaryDirectory() as tmp:
        options.profile_file_prefix = os.path.join(tmp, "nb301")
        run = ort.InferenceSession(
            str(verified_path("nb301", MODEL_2021_BATCHED, cache)), options, providers=["CPUExecutionProvider"]
        )
        for i in range(0, len(x_cat), ROWS_PER_CALL):
            run.run(["209"], {"x_cat": x_cat[i : i + ROWS_PER_CALL], "x_cont": x_cont[i : i + ROWS_PER_CALL]})
        with open(run.end_profiling()) as trace:
            events = json.load(trace)
    kernel: collections.Counter[str] = collections.Counter()
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            kernel[e["args"]["op_name"]] += e["dur"]
    total = sum(kernel.values())
    return [(op, t / total) for op, t in kernel.most_common()]


def surrogate_speed(cache: str | None, seconds: float, rounds: int = 5) -> dict[str, dict[str, float]]:
    """Rows/s (wall and CPU) of the batched and the one-row path over ``rounds`` alternating slices,
    at each onnxruntime graph optimization level, both paths under the same session options."""
    from nas_gym.data.nb301 import MODEL_2021, MODEL_2021_BATCHED
    from nas_gym.data.store import verified_path
    from nas_gym.spaces.darts import codes_to_onnx

    codes = DARTSSearchSpace().sample(4096, np.random.default_rng(0))
    x_cat = codes_to_onnx(codes)
    x_cont = np.full((len(x_cat), 1), 98, dtype=np.float32)
    source, batched = (str(verified_path("nb301", f, cache)) for f in (MODEL_2021, MODEL_2021_BATCHED))
    out = {}
    for level in LEVELS:
        one, many = session(source, level), session(batched, level)

        def one_row(one=one) -> int:
            for i in range(256):
                one.run(["209"], {"x_cat": x_cat[i : i + 1], "x_cont": x_cont[i : i + 1]})
            return 256

        def whole(many=many) -> int:
            for i in range(0, len(x_cat), ROWS_PER_CALL):
                many.run(["209"], {"x_cat": x_cat[i : i + ROWS_PER_CALL], "x_cont": x_cont[i : i + ROWS_PER_CALL]})
            return len(x_cat)

        one_row(), whole()  # warm up both sessions
        rates: dict[str, list[tuple[float, float]]] = {"batched": [], "one_row": []}
        for _ in range(rounds):
            rates["batched"].append(rows_per_second(whole, seconds / rounds / len(LEVELS)))
            rates["one_row"].append(rows_per_second(one_row, seconds / rounds / len(LEVELS)))
        b, o = rates["batched"], rates["one_row"]
        out[level] = {
            "batched": statistics.median(w for w, _ in b),
            "one_row": statistics.median(w for w, _ in o),
            "ratio": statistics.median(bw / ow for (bw, _), (ow, _) in zip(b, o, strict=True)),
            "batched_cpu": statistics.median(c for _, c in b),
            "one_row_cpu": statistics.median(c for _, c in o),
            "ratio_cpu": statistics.median(bc / oc for (_, bc), (_, oc) in zip(b, o, strict=True)),
        }
    return out


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

        return rows_per_second(run_single, seconds)[0]
    venv = gym.make_vec(
        "DARTS-cifar10-v0", num_envs=num_envs, vectorization_mode="vector_entry_point", cache=cache, max_queries=10**9
    )
    venv.reset(seed=0)
    batch = np.random.default_rng(0).normal(size=(8, *venv.action_space.shape)).astype(np.float32)

    def run_vector() -> int:
        for a in batch:
            venv.step(a)
        return len(batch) * num_envs

    return rows_per_second(run_vector, seconds)[0]


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


def surrogate_tables(
    speeds: dict[str, dict[str, float]], gemms: list[tuple[str, float]], first: float, ops: list[tuple[str, float]]
) -> str:
    per_row = sum(f for _, f in gemms)
    lines = [
        "## NB301 2021 surrogate: the work of a row and the session options",
        "",
        "`bench/nb301_speed.py`: the graph's Gemms (`in x out`) and their FLOPs for one row (2 x multiply-adds; "
        "besides them a row has 34 embedding gathers, 1,792 SELU outputs and a few adds). The first layers read the "
        "337 input features (34 embeddings and the epoch) and are linear in them.",
        "",
        "| Gemm | MFLOP per row | share |",
        "|---|---:|---:|",
        *(f"| {shape} | {f / 1e6:.4f} | {100 * f / per_row:.1f} % |" for shape, f in gemms),
        f"| total | {per_row / 1e6:.4f} | 100 % (first layers {100 * first / per_row:.0f} %) |",
        "",
        "Rows/s per CPU second of both paths under each onnxruntime graph optimization level (one intra-op and "
        "one inter-op thread, sequential execution, CPU memory arena on; `ENABLE_ALL` is onnxruntime's default and "
        f"what `NB301Benchmark` runs), batches of {ROWS_PER_CALL}:",
        "",
        "| graph optimization | one row per call | batched | ratio |",
        "|---|---:|---:|---:|",
        *(
            f"| {level} | {r['one_row_cpu']:,.0f} | {r['batched_cpu']:,.0f} | {r['ratio_cpu']:.1f}x |"
            for level, r in speeds.items()
        ),
        "",
        "Where the batched path's time goes: onnxruntime's profiler, share of kernel time per op type "
        "(`FusedGemm` is a Gemm fused with its SELU):",
        "",
        "| op | share |",
        "|---|---:|",
        *(f"| {op} | {100 * share:.1f} % |" for op, share in ops if share >= 0.001),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default=None, help="data cache folder (default: $NAS_GYM_DATA or user cache)")
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument("--queries", type=int, default=20_000, help="random search budget (0: skip)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()

    speeds = surrogate_speed(args.cache, 4 * args.seconds * len(LEVELS))
    load = load_average()
    print("NB301 2021 surrogate, rows/s per wall second (per CPU second), medians of 5 alternating slices;")
    print("both paths one onnxruntime thread, the same session options per row")
    for level, r in speeds.items():
        print(
            f"  {level:12s} one row per call {r['one_row']:8,.0f} ({r['one_row_cpu']:8,.0f})   batches of "
            f"{ROWS_PER_CALL} {r['batched']:8,.0f} ({r['batched_cpu']:8,.0f})   ratio {r['ratio']:5.1f}x "
            f"({r['ratio_cpu']:5.1f}x)"
        )
    s = speeds["ENABLE_ALL"]
    gemms = gemm_flops(args.cache)
    per_row, first = sum(f for _, f in gemms), first_layer_flops(gemms)
    peak = gemm_peak_gflops(args.seconds)
    ops = op_shares(args.cache)
    print("  batched kernel time by op: " + ", ".join(f"{op} {100 * share:.1f} %" for op, share in ops[:4]))
    achieved = s["batched_cpu"] * per_row / 1e9
    # the batched path at the Gemm peak with every FLOP of a row, then without the foldable first layers
    ceiling = peak * 1e9 / per_row / s["one_row_cpu"]
    folded = peak * 1e9 / (per_row - first) / s["one_row_cpu"]
    print(
        f"  FLOPs per row {per_row / 1e6:.3f} M (first layers {first / 1e6:.3f} M); batched runs {achieved:.1f} GFLOP/s"
    )
    print(f"  one-thread Gemm peak {peak:.1f} GFLOP/s: ratio ceiling {ceiling:.1f}x, folded {folded:.1f}x")
    print(f"  folded, at the batched path's {achieved / peak:.2f} of the peak: {folded * achieved / peak:.1f}x")
    single = env_speed(args.cache, 1, args.seconds)
    vector = env_speed(args.cache, 256, args.seconds)
    env_load = load_average()
    print(f"DARTS-cifar10-v0 env-steps/s: single {single:,.0f}, vector N=256 {vector:,.0f} ({vector / single:.1f}x)")
    if not args.no_doc:
        figures = [
            Figure(
                "NB301 2021 surrogate: batched graph vs source graph one row per call, rows/s (same session options)",
                f"{s['batched']:,.0f}",
                f"{s['one_row']:,.0f}",
                f"{s['ratio']:.1f}x",
                f">= {TARGET:.0f}x",
                s["ratio"] >= TARGET,
                load,
            ),
            Figure(
                "the same, rows per CPU second of the process",
                f"{s['batched_cpu']:,.0f}",
                f"{s['one_row_cpu']:,.0f}",
                f"{s['ratio_cpu']:.1f}x",
                f">= {TARGET:.0f}x",
                s["ratio_cpu"] >= TARGET,
                load,
            ),
            Figure(
                "NB301 batched: GFLOP/s of its Gemms vs onnxruntime's one-thread Gemm peak (per CPU second)",
                f"{achieved:.1f}",
                f"{peak:.1f}",
                f"{achieved / peak:.2f}x",
                load=load,
            ),
            Figure(
                f"NB301 ceiling of the ratio: one-row cost / ({per_row / 1e6:.2f} MFLOP per row at the Gemm peak)",
                f"{ceiling:.1f}x",
                target=f">= {TARGET:.0f}x",
                met=ceiling >= TARGET,
                load=load,
            ),
            Figure(
                f"bound if the first layers were free lookups ({(per_row - first) / 1e6:.2f} MFLOP a row at the peak)",
                f"{folded:.1f}x",
                load=load,
            ),
            Figure(
                f"the same at the batched path's Gemm efficiency ({achieved / peak:.2f} of the peak)",
                f"{folded * achieved / peak:.1f}x",
                target=f">= {TARGET:.0f}x",
                met=folded * achieved / peak >= TARGET,
                load=load,
            ),
            Figure(
                "DARTS-cifar10-v0: vector env N=256 vs single env, env-steps/s",
                f"{vector:,.0f}",
                f"{single:,.0f}",
                f"{vector / single:.1f}x",
                load=env_load,
            ),
        ]
        record("nb301_speed.py", figures, surrogate_tables(speeds, gemms, first, ops))
    if args.queries:
        random_search(args.cache, args.queries, args.seeds)


if __name__ == "__main__":
    main()
