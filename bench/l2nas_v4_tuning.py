"""Tuning and diagnosis of L2NAS variants on the tuning seeds (>= 100 only), issue 19's design step.

Each variant is the ``l2nas`` agent (or another registry L2NAS agent) plus ``L2NASConfig``
overrides, run exactly as a study cell runs it (``agents.registry.run_agent`` on the harness's
env), so a variant's numbers are those a study would produce. Per run it records the best
reported accuracy at each checkpoint, its CPU seconds and, with ``--diagnose``, where the queried
cells came from: the fraction of screened picks that were actor samples (vs mutations of the best
cells or uniform exploration), and the mean Hamming distance (in op codes) of each query to the
incumbent. Writes a CSV (one row per variant, seed and checkpoint) and prints mean +- std per
variant and checkpoint.

    python bench/l2nas_v4_tuning.py --env DARTS-cifar10-v0 --seeds 100-104 --budgets 500 \\
        --variant v3= --variant 'thompson={"n_critics": 5, "screen_acquisition": "thompson"}' \\
        --out runs/tuning-darts.csv [--diagnose]

Seeds below 100 are refused: they are the reported seeds.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
import warnings
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from rich.progress import Progress

import nas_gym  # noqa: F401 (registers the env ids)
from nas_gym.agents.l2nas.acting import Proposer
from nas_gym.agents.registry import run_agent
from nas_gym.harness.cell import make_env


def seeds_of(text: str) -> list[int]:
    """``"100-104"`` or ``"100,103"`` as a list of seeds; any seed below 100 is refused."""
    seeds: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        seeds += list(range(int(lo), int(hi or lo) + 1))
    if min(seeds) < 100:
        raise SystemExit(f"tuning seeds must be >= 100 (0-99 are the reported seeds), got {text!r}")
    return seeds


def variant_of(text: str) -> tuple[str, str, dict[str, Any]]:
    """``label=JSON`` or ``label@agent=JSON`` as (label, agent, overrides)."""
    head, _, body = text.partition("=")
    label, _, agent = head.partition("@")
    return label, agent or "l2nas", json.loads(body) if body.strip() else {}


class Trace(gym.Wrapper):
    """Best reported accuracy after each query (env steps, or unique architectures under
    ``budget=unique``) and the Hamming distance of each query's op codes to the incumbent's before it."""

    def __init__(self, env: gym.Env, unique: bool):
        super().__init__(env)
        self.unique, self.steps = unique, 0
        self.best: dict[int, float] = {}
        self.hamming: list[int] = []
        self._incumbent: np.ndarray | None = None

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        if self._incumbent is not None:
            self.hamming.append(int((np.asarray(info["codes"]) != self._incumbent).sum()))
        if np.isfinite(info["best_report_acc"]):
            self._incumbent = np.asarray(info["best_codes"])
        self.steps += 1
        self.best[int(info["unique_queries"]) if self.unique else self.steps] = float(info["best_report_acc"])
        return obs, reward, terminated, truncated, info


def count_picks(proposer: Proposer, tally: dict[str, int]) -> None:
    """Wrap ``proposer``'s screening so each pick is tallied as an actor sample, a mutation or a fallback."""
    actor_part, mutation_part, screen = proposer._actor_candidates, proposer._mutation_candidates, proposer._screen
    last: dict[str, np.ndarray] = {}

    def actor(mu):
        last["actor"] = actor_part(mu)
        return last["actor"]

    def mutations(mu, i):
        last["mutation"] = mutation_part(mu, i)
        return last["mutation"]

    def screened(mu, i):
        pick = screen(mu, i)
        for source in ("actor", "mutation"):
            if len(last.get(source, ())) and np.isclose(last[source], pick).all(axis=1).any():
                tally[source] += 1
                return pick
        tally["fallback"] += 1
        return pick

    proposer._actor_candidates, proposer._mutation_candidates = actor, mutations  # type: ignore[method-assign]
    proposer._screen = screened  # type: ignore[method-assign]


def run(env_id: str, env_kwargs: dict, agent: str, overrides: dict, seed: int, budget: int, diagnose: bool) -> dict:
    env = Trace(make_env(env_id, {**env_kwargs, "max_queries": budget}, None), env_kwargs.get("budget") == "unique")
    tally = {"actor": 0, "mutation": 0, "fallback": 0}
    if diagnose:  # the proposer exists once the model does: patch it on construction
        from nas_gym.agents.l2nas import l2nas as module

        original = module.L2NAS._new_proposer

        def patched(self):
            original(self)
            count_picks(self.proposer, tally)

        module.L2NAS._new_proposer = patched  # type: ignore[method-assign]
    start = time.process_time()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_agent(agent, env, env_id, seed, dict(overrides))
    finally:
        if diagnose:
            module.L2NAS._new_proposer = original  # type: ignore[method-assign]
    screened = sum(tally.values())
    return {
        "best": env.best,
        "actor_share": tally["actor"] / screened if screened else float("nan"),
        "hamming": float(np.mean(env.hamming)) if env.hamming else float("nan"),
        "cpu_s": time.process_time() - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", required=True)
    parser.add_argument("--env-kwargs", default="{}", help='JSON, e.g. {"budget": "unique"}')
    parser.add_argument("--seeds", default="100-104")
    parser.add_argument("--budgets", type=int, nargs="+", required=True)
    parser.add_argument("--variant", action="append", required=True, help="label[@agent]=JSON overrides")
    parser.add_argument("--diagnose", action="store_true")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    seeds, variants = seeds_of(args.seeds), [variant_of(v) for v in args.variant]
    rows = []
    with Progress() as progress:
        task = progress.add_task(args.env, total=len(seeds) * len(variants))
        for label, agent, overrides in variants:
            for seed in seeds:
                env_kwargs = json.loads(args.env_kwargs)
                got = run(args.env, env_kwargs, agent, overrides, seed, max(args.budgets), args.diagnose)
                for budget in args.budgets:
                    best = max((v for q, v in got["best"].items() if q <= budget), default=float("nan"))
                    stats = {key: value for key, value in got.items() if key != "best"}
                    rows.append({"variant": label, "seed": seed, "budget": budget, "best": best, **stats})
                progress.advance(task)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{args.env} {args.env_kwargs}, seeds {args.seeds}: mean +- std of the best reported accuracy")
    for label, _, overrides in variants:
        cells = []
        for budget in args.budgets:
            vals = np.array([r["best"] for r in rows if r["variant"] == label and r["budget"] == budget])
            cells.append(f"{budget}: {vals.mean():.2f} +- {vals.std():.2f}")
        mine = [r for r in rows if r["variant"] == label and r["budget"] == args.budgets[-1]]
        extra = f" | {np.mean([r['cpu_s'] for r in mine]):.0f} s CPU"
        if args.diagnose:
            share = np.mean([r["actor_share"] for r in mine])
            extra += f" | actor picks {share:.2f}, hamming {np.mean([r['hamming'] for r in mine]):.2f}"
        print(f"  {label:24s} {' | '.join(cells)}{extra}  {json.dumps(overrides)}")


if __name__ == "__main__":
    main()
