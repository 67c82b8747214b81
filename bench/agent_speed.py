"""Wall time of L2NAS searches beside random search on the same env in the same run, and where an L2NAS step goes.

For each env: random search and L2NAS (each preset) over the same number of steps, wall and CPU
seconds (wall moves with the machine's load, this process's CPU time much less), the ratio to
random search, and the targets (1000 NB201 steps < 20 s, 20k DARTS steps < 15 min). Then a
cProfile of one L2NAS run per env split into its parts: the env's steps, the critic screening of
candidates, the mini-batch updates, acting (the actor's forward), and the rest (SB3's loop,
buffer, logger). Writes its rows and the profile table into docs/performance.md unless
``--no-doc``.

    python bench/agent_speed.py [--nb201-steps 1000] [--darts-steps 20000] [--profile-steps 2000]
                                [--presets paper] [--hyperparams JSON] [--cache DIR] [--no-doc]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
import warnings
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch as th
from perf_doc import Figure, LoadDuring, record

import nas_gym  # noqa: F401 (registers the env ids)
from nas_gym.agents.baselines import RandomSearch, run_search
from nas_gym.agents.l2nas import L2NAS
from nas_gym.envs.api import search_env

TARGETS_S = {"NB201-cifar10-v0": 20.0, "DARTS-cifar10-v0": 15 * 60.0}

PARTS = (
    ("env steps", "envs/search_env.py", "step"),
    ("critic screening of candidates", "l2nas/acting.py", "_screen"),
    ("mini-batch updates (critic + actor)", "l2nas/l2nas.py", "train"),
    ("acting: actor forward + proposal", "l2nas/l2nas.py", "_sample_action"),
)
"""Profile parts as (name, file suffix, function): inclusive time of that function. The screening
runs inside acting, so acting's share is printed without it."""


@dataclass
class Run:
    wall: float
    cpu: float
    updates: int = 0


def timed(fn) -> Run:
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return Run(time.perf_counter() - start, time.process_time() - cpu)


def make_l2nas(env_id: str, steps: int, preset: str, overrides: dict, cache: str | None) -> L2NAS:
    env = gym.make(env_id, cache=cache, max_queries=steps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return L2NAS("MlpPolicy", env, preset=preset, seed=0, **overrides)


def random_search(env_id: str, steps: int, cache: str | None) -> Run:
    env = gym.make(env_id, cache=cache, max_queries=steps)
    space = search_env(env).search_space
    return timed(lambda: run_search(RandomSearch(space, np.random.default_rng(0)), env, seed=0))


def l2nas_run(env_id: str, steps: int, preset: str, overrides: dict, cache: str | None) -> Run:
    model = make_l2nas(env_id, steps, preset, overrides, cache)
    run = timed(lambda: model.learn(steps))
    run.updates = model._n_updates
    return run


def profile(env_id: str, steps: int, preset: str, overrides: dict, cache: str | None) -> list[tuple[str, float]]:
    """Seconds of each part of one L2NAS run under cProfile (whose overhead inflates Python-heavy parts)."""
    model = make_l2nas(env_id, steps, preset, overrides, cache)
    profiler = cProfile.Profile()
    profiler.runcall(model.learn, steps)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]  # pstats keeps its table untyped
    total = sum(tt for _, _, tt, _, _ in stats.values())

    def inclusive(suffix: str, function: str) -> float:
        total = 0.0
        for (file, _, name), (_, _, _, cumulative, _) in stats.items():
            if name == function and file.endswith(suffix):
                total += cumulative
        return total

    parts = {name: inclusive(suffix, function) for name, suffix, function in PARTS}
    parts["acting: actor forward + proposal"] -= parts["critic screening of candidates"]
    rows = list(parts.items())
    rows.append(("the rest (SB3 loop, replay buffer, logger)", total - sum(parts.values())))
    return [*rows, ("total (under cProfile)", total)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default=None, help="data cache folder")
    parser.add_argument("--nb201-steps", type=int, default=1000)
    parser.add_argument("--darts-steps", type=int, default=20_000, help="0: skip the DARTS runs")
    parser.add_argument("--profile-steps", type=int, default=2000, help="steps of each profiled run (0: none)")
    parser.add_argument("--presets", nargs="+", default=["paper"])
    parser.add_argument("--hyperparams", default="{}", help="JSON L2NASConfig overrides applied to every preset")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    th.set_num_threads(1)
    overrides = json.loads(args.hyperparams)
    budgets = {"NB201-cifar10-v0": args.nb201_steps, "DARTS-cifar10-v0": args.darts_steps}

    for env_id, steps in budgets.items():
        if not steps:
            continue
        figures: list[Figure] = []
        profiles: list[tuple[str, list[tuple[str, float]]]] = []
        rs = random_search(env_id, steps, args.cache)
        print(f"{env_id}, {steps} steps: random search {rs.wall:.2f} s wall, {rs.cpu:.2f} s CPU", flush=True)
        for preset in args.presets:
            with LoadDuring() as load:
                run = l2nas_run(env_id, steps, preset, overrides, args.cache)
            target = TARGETS_S[env_id] * steps / (1000 if env_id.startswith("NB201") else 20_000)
            print(
                f"{env_id}, {steps} steps: L2NAS {preset} {run.wall:.1f} s wall, {run.cpu:.1f} s CPU "
                f"({run.updates} mini-batches), {run.wall / rs.wall:.1f}x random search's wall time "
                f"(target < {target:.0f} s), mean load {load.mean()}",
                flush=True,
            )
            figures.append(
                Figure(
                    f"{env_id}: L2NAS `{preset}` vs random search, {steps:,} steps, wall s (CPU s)",
                    f"{run.wall:.1f} ({run.cpu:.1f})",
                    f"{rs.wall:.1f} ({rs.cpu:.1f})",
                    f"{run.wall / rs.wall:.1f}x",
                    f"< {target:.0f} s",
                    run.wall < target,
                    load.mean(),
                )
            )
            if not args.no_doc:  # run by run: a long run's row lands even if a later run is cut
                record(f"agent_speed.py {env_id}", figures)
        if args.profile_steps:
            parts = profile(env_id, args.profile_steps, args.presets[0], overrides, args.cache)
            total = parts[-1][1]
            print(f"profile of L2NAS {args.presets[0]}, {args.profile_steps} steps of {env_id}:")
            for name, seconds in parts:
                print(f"  {name:45s} {seconds:8.2f} s {100 * seconds / total:5.1f} %")
            profiles.append((env_id, parts))
        if not args.no_doc:
            record(f"agent_speed.py {env_id}", figures, profile_table(profiles, args.profile_steps, args.presets[0]))


def profile_table(profiles: list[tuple[str, list[tuple[str, float]]]], steps: int, preset: str) -> str:
    if not profiles:
        return ""
    envs = [env_id for env_id, _ in profiles]
    lines = [
        f"## Where an L2NAS step spends its time ({', '.join(envs)})",
        "",
        f"`bench/agent_speed.py`: cProfile of one L2NAS `{preset}` run of {steps:,} steps per env, share of the "
        "profiled time (cProfile's overhead inflates the Python-heavy parts).",
        "",
        "| part | " + " | ".join(envs) + " |",
        "|---|" + "---:|" * len(envs),
    ]
    for j, (name, _) in enumerate(profiles[0][1]):
        shares = [f"{parts[j][1]:.2f} s ({100 * parts[j][1] / parts[-1][1]:.0f} %)" for _, parts in profiles]
        lines.append(f"| {name} | " + " | ".join(shares) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
