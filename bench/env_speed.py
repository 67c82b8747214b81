"""NB201 env speed, measured in one run beside CartPole-v1 so the ratio survives a noisy machine.

Prints: single-env ``step()`` throughput (raw env and through ``gym.make``'s wrappers) with the
same figures for CartPole-v1, the two measured in alternating slices so they share the machine's
load (the ratio is the figure to compare across runs; target >= 0.5x, floor 0.25x); vector-env
env-steps/s for N = 1, 64, 1024 with Gymnasium-exact infos and with ``infos="minimal"`` over
whole episodes of fresh actions, beside CartPole in the same run, and a cProfile of one such
episode at N = 1024 (with ``--before COMMIT``, that commit's too, each measured in turns with this
code in fresh processes, with the ratio of their rates);
batched query throughput; cold-start table load time and peak RSS (in a fresh subprocess); the
cost of one more ``gym.make``. Writes its rows into docs/performance.md unless ``--no-doc``.

    python bench/env_speed.py [--cache DIR] [--seconds 1.0] [--no-doc] [--before COMMIT]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
from perf_doc import Figure, load_average, record

import nas_gym  # noqa: F401  (registers the ids)
from nas_gym.benchmarks.nb201 import NB201Benchmark

SINGLE_TARGET, SINGLE_FLOOR = 0.5, 0.25
VECTOR_TARGETS = {"gymnasium": 1.5e6, "minimal": 3e6}

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


def stepper(env: gym.Env, seed: int = 0):
    """A function running ``env`` for about ``seconds`` on pre-sampled actions (sampling is not
    part of the env's cost) and returning its steps/s."""
    env.reset(seed=seed)
    env.action_space.seed(seed)
    actions = [env.action_space.sample() for _ in range(1000)]

    def run(seconds: float) -> float:
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for a in actions:
                _, _, terminated, truncated, _ = env.step(a)
                if terminated or truncated:
                    env.reset()
            n += len(actions)
        return n / (time.perf_counter() - start)

    return run


def interleaved(envs: dict[str, gym.Env], seconds: float, rounds: int = 7) -> dict[str, list[float]]:
    """Steps/s of each env in ``rounds`` alternating slices of ``seconds / rounds``: on a shared,
    noisy machine both envs then see the same load, so their ratio round by round is fair."""
    runs = {name: stepper(env) for name, env in envs.items()}
    rates: dict[str, list[float]] = {name: [] for name in envs}
    for _ in range(rounds):
        for name, run in runs.items():
            rates[name].append(run(seconds / rounds))
    return rates


def episode_actions(num_envs: int, steps: int) -> np.ndarray:
    """``steps`` batches of uniform actions, a fresh one per step of an episode: a search that
    repeats its actions queries nothing new after the first pass, and a step that adds no
    architecture skips the tracker's top-K update, which is most of an honest step's cost."""
    return np.random.default_rng(0).uniform(-1, 1, (steps, num_envs, 30)).astype(np.float32)


def vector_steps_per_second(
    num_envs: int, seconds: float, cache: str | None, infos: str = "gymnasium"
) -> tuple[float, float]:
    """Env-steps/s over whole episodes (``max_queries`` steps each, then the step that autoresets
    them), each step a fresh action batch: per wall second and per CPU second of this process
    (on a shared machine the steadier of the two)."""
    venv = gym.make_vec(
        "NB201-cifar10-v0", num_envs=num_envs, vectorization_mode="vector_entry_point", cache=cache, infos=infos
    )
    actions = episode_actions(num_envs, venv.unwrapped.search_config.max_queries + 1)
    venv.reset(seed=0)
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    while n == 0 or time.perf_counter() - start < seconds:
        for a in actions:
            venv.step(a)
        n += len(actions) * num_envs
    return n / (time.perf_counter() - start), n / (time.process_time() - cpu)


VECTOR_PARTS = (
    ("decode: validate, alpha", "envs/core.py", "decode"),
    ("  of which NB201 discretize (argmax over 5 ops)", "spaces/nb201.py", "discretize"),
    ("tracker: seen, top-K, best", "envs/tracker.py", "record"),
    ("table rows of the step (Evaluation.take)", "envs/evaluation.py", "take"),
    ("best strings (StepInfos.update_best)", "envs/infos.py", "update_best"),
    ("Gymnasium infos (StepInfos.batched)", "envs/infos.py", "batched"),
)


def vector_profile(cache: str | None, infos: str, num_envs: int = 1024) -> list[tuple[str, float]]:
    """Seconds per part of one whole episode of vector steps (and the autoreset step) under
    cProfile, the last row the total."""
    import cProfile
    import pstats

    venv = gym.make_vec(
        "NB201-cifar10-v0", num_envs=num_envs, vectorization_mode="vector_entry_point", cache=cache, infos=infos
    )
    actions = episode_actions(num_envs, venv.unwrapped.search_config.max_queries + 1)
    venv.reset(seed=0)
    for a in actions:  # a first episode warms the caches (one-hots by key, strings)
        venv.step(a)
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [venv.step(a) for a in actions])
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]  # pstats keeps its table untyped
    total = sum(tt for _, _, tt, _, _ in stats.values())
    rows = []
    for name, suffix, function in VECTOR_PARTS:
        seconds = 0.0
        for (file, _, fn), (_, _, _, cumulative, _) in stats.items():
            if fn == function and file.endswith(suffix):
                seconds += cumulative
        rows.append((name, seconds))
    top_level = sum(sec for name, sec in rows if not name.startswith("  "))
    rows += [("the rest (vector step, masks, arrays)", total - top_level), ("total", total)]
    return [(name, seconds / (len(actions) * num_envs)) for name, seconds in rows]  # per env-step


def profile_table(columns: dict[str, list[tuple[str, float]]], note: str) -> str:
    """The profile rows of each column (``"<infos>, <code>"``) as microseconds per env-step and share."""
    lines = [
        "## Where a vector step (N = 1024) spends its time",
        "",
        "`bench/env_speed.py`: cProfile of one whole episode of `NB201-cifar10-v0` (500 steps and the "
        "autoreset step, a fresh action batch each) with N = 1024, after a first episode: microseconds "
        "per env-step under cProfile (its overhead inflates the Python-heavy parts) and share of the "
        f"profiled time. {note}",
        "",
        "| part | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    names = [name for name, _ in next(iter(columns.values()))]
    for j, name in enumerate(names):
        cells = [f"{1e6 * rows[j][1]:.3f} us ({100 * rows[j][1] / rows[-1][1]:.0f} %)" for rows in columns.values()]
        label = "&nbsp;&nbsp;" + name.strip() if name.startswith("  ") else name
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


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
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--before", metavar="COMMIT", help="also measure the vector env of this commit, in turns")
    parser.add_argument("--vector-json", action="store_true", help=argparse.SUPPRESS)  # one side of --before
    args = parser.parse_args()
    if args.vector_json:
        print(json.dumps(vector_side(args.cache, args.seconds)))
        return

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

    print("\nsingle env step() throughput, steps/s (medians of 7 alternating slices, same actions-per-step protocol)")

    def make(env_id: str, raw: bool) -> gym.Env:
        env = gym.make(env_id, **({} if env_id.startswith("CartPole") else {"cache": args.cache}))
        return env.unwrapped if raw else env

    figures = []
    for kind, raw in (("raw", True), ("gym.make", False)):
        rates = interleaved({i: make(i, raw) for i in ("CartPole-v1", "NB201-cifar10-v0")}, 2 * args.seconds)
        cart, nb201 = rates["CartPole-v1"], rates["NB201-cifar10-v0"]
        print(f"  {'CartPole-v1 (' + kind + ')':30s} {statistics.median(cart):12,.0f}")
        print(f"  {'NB201-cifar10-v0 (' + kind + ')':30s} {statistics.median(nb201):12,.0f}")
        ratio = statistics.median(n / c for n, c in zip(nb201, cart, strict=True))
        print(
            f"  ratio NB201 / CartPole ({kind}) {ratio:.2f}  (median of the slices' ratios; target >= {SINGLE_TARGET})"
        )
        figures.append(
            Figure(
                f"single NB201-cifar10-v0 env vs CartPole-v1 ({kind}), steps/s",
                f"{statistics.median(nb201):,.0f}",
                f"{statistics.median(cart):,.0f}",
                f"{ratio:.2f}x",
                f">= {SINGLE_TARGET}x (floor {SINGLE_FLOOR}x)",
                ratio >= SINGLE_TARGET,
                load_average(),
            )
        )
    cart_rate = statistics.median(interleaved({"CartPole-v1": make("CartPole-v1", True)}, args.seconds)["CartPole-v1"])

    print("\nvector env (vector_entry_point), env-steps/s")
    for infos in ("gymnasium", "minimal"):
        for n in (1, 64, 1024):
            rate, _ = vector_steps_per_second(n, args.seconds, args.cache, infos)
            print(f"  N = {n:5d}  infos={infos:9s} {rate:14,.0f}")
        target = VECTOR_TARGETS[infos]
        figures.append(
            Figure(
                f"vector NB201-cifar10-v0, N = 1024, infos={infos!r}, env-steps/s (reference: raw CartPole-v1 steps/s)",
                f"{rate:,.0f}",
                f"{cart_rate:,.0f}",
                f"{rate / cart_rate:.1f}x",
                f">= {target / 1e6:.1f}M env-steps/s",
                rate >= target,
                load_average(),
            )
        )

    print("\nbatched query, 1e6 architectures, archs/s (target >= 10M)")
    for name, rate in query_throughput(args.cache).items():
        print(f"  {name:9s} {rate:16,.0f}")
    code = _commit()
    if args.before:
        sides = before_and_after(args.before, args.cache, args.seconds)
        load = load_average()
        for infos in INFO_MODES:
            rates = {side: statistics.median(r["rates"][infos] for r in runs) for side, runs in sides.items()}
            print(f"  N = 1024 infos={infos}: {code} {rates['after']:,.0f}, {args.before} {rates['before']:,.0f}")
            figures.append(
                Figure(
                    f"vector NB201-cifar10-v0, N = 1024, infos={infos!r}: this code vs {args.before} "
                    "(each run twice, in turns), env-steps per CPU second",
                    f"{rates['after']:,.0f}",
                    f"{rates['before']:,.0f}",
                    f"{rates['after'] / rates['before']:.2f}x",
                    load=load,
                )
            )
        columns = {}
        for infos in INFO_MODES:
            # of each code's two profiles, the least disturbed by the machine's other jobs: the lower total
            before, after = (min((r["parts"][infos] for r in sides[side]), key=lambda p: p[-1][1]) for side in sides)
            columns[f"infos={infos!r}, {args.before} (before)"], columns[f"infos={infos!r}, {code}"] = before, after
        note = (
            f"The two codes were profiled in turns, twice each, in one run at load {load}; each column is "
            "the profile with the lower total (the one the machine's other jobs disturbed least)."
        )
        table = profile_table(columns, note)
    else:
        load = load_average()
        parts = {infos: vector_profile(args.cache, infos) for infos in INFO_MODES}
        table = profile_table({f"infos={infos!r}, {code}": rows for infos, rows in parts.items()}, f"Load {load}.")
    print(table)
    if not args.no_doc:
        record("env_speed.py", figures, table)


INFO_MODES = ("gymnasium", "minimal")


def vector_side(cache: str | None, seconds: float) -> dict[str, dict]:
    """N = 1024 env-steps/s and profile of each info mode, of the nas_gym this process imports."""
    return {
        "rates": {infos: vector_steps_per_second(1024, seconds, cache, infos)[1] for infos in INFO_MODES},
        "parts": {infos: vector_profile(cache, infos) for infos in INFO_MODES},
    }


def before_and_after(commit: str, cache: str | None, seconds: float, rounds: int = 2) -> dict[str, list[dict]]:
    """:func:`vector_side` of ``commit`` (its ``nas_gym`` extracted by ``git archive``) and of this
    checkout, each in a fresh process, in turns, ``rounds`` times: both codes share the load."""
    import tarfile
    import tempfile

    repo = Path(__file__).resolve().parent.parent
    sides: dict[str, list[dict]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", commit, "nas_gym", "agents", "envs_registry"], cwd=repo, capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="tar")  # git's own archive of the repository's files
        command = [sys.executable, __file__, "--vector-json", "--seconds", str(seconds)]
        command += ["--cache", cache] if cache else []
        for _ in range(rounds):
            for side, path in (("before", tmp), ("after", str(repo))):
                env = {**os.environ, "PYTHONPATH": path}
                out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
                sides[side].append(json.loads(out.splitlines()[-1]))
    return sides


def _commit() -> str:
    """The short commit of the measured code, ``+changes`` when the worktree differs from it."""

    def git(*cmd: str) -> str:
        return subprocess.run(["git", *cmd], capture_output=True, text=True, cwd=Path(__file__).parent).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown commit"
    return head + (" +changes" if git("status", "--porcelain", "--untracked-files=no") else "")


if __name__ == "__main__":
    main()
