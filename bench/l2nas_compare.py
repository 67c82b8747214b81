"""L2NAS (any preset plus overrides) beside classic baselines, per seed, at several budgets.

For tuning (seeds 100-109) and evaluation (seeds 0-9) of the improved preset and its ablation.
Each run is one search at the largest budget; smaller budgets are read off its best-so-far curve
(in steps or unique architectures per ``--budget-kind``). The reported value is the report
metric (test200 on NB201) of the best-by-signal architecture. Appends one JSON line per
(label, env) with every seed's values to ``--out`` (for probability-of-improvement tables).

Usage: ``python bench/l2nas_compare.py --label v2 --preset improved --hyperparams '{"actor_lr": 1e-4}'
--baselines rea rs --envs NB201-cifar10-v0 --seeds 100-109 --signal test200 --budget-kind unique
--budgets 50 100 200 500 --out /tmp/cmp.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import gymnasium as gym
import numpy as np
import torch as th
from stable_baselines3.common.callbacks import StopTrainingOnMaxEpisodes

import nas_gym  # noqa: F401 (registers the env ids)
from bench.l2nas_table1 import seed_list
from bench.search_quality import best_at
from nas_gym.agents.l2nas import L2NAS
from nas_gym.agents.registry import run_agent
from nas_gym.envs.api import search_env
from nas_gym.search_log import SearchRecorder


def search(agent: str, env: gym.Env, env_id: str, seed: int, preset: str, overrides: dict) -> None:
    """One search episode of ``agent`` (``"l2nas"`` with ``preset`` and ``overrides``, or a baseline)."""
    if agent != "l2nas":
        run_agent(agent, env, env_id, seed)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = L2NAS("MlpPolicy", env, preset=preset, seed=seed, **overrides)
    model.learn(search_env(env).step_cap, callback=StopTrainingOnMaxEpisodes(max_episodes=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--label", default=None, help="name of the L2NAS variant (default: the preset)")
    parser.add_argument("--preset", default="improved")
    parser.add_argument("--hyperparams", default="{}", help="JSON overrides of L2NASConfig fields")
    parser.add_argument("--baselines", nargs="*", default=[], help="e.g. rea rs ls")
    parser.add_argument("--no-l2nas", action="store_true", help="run only the baselines")
    parser.add_argument("--envs", nargs="+", default=["NB201-cifar10-v0"])
    parser.add_argument("--seeds", default="100-109")
    parser.add_argument("--signal", default="test200")
    parser.add_argument("--budget-kind", choices=("steps", "unique"), default="unique")
    parser.add_argument("--budgets", type=int, nargs="+", default=[50, 100, 200, 500])
    parser.add_argument("--env-kwargs", default="{}", help="JSON env kwargs (e.g. top_k)")
    parser.add_argument("--cache", default=None)
    parser.add_argument("--out", default=None, help="JSON-lines file to append results to")
    args = parser.parse_args()
    th.set_num_threads(1)
    overrides = json.loads(args.hyperparams)
    by_unique = args.budget_kind == "unique"
    env_kwargs = {"max_queries": max(args.budgets), "budget": args.budget_kind, **json.loads(args.env_kwargs)}
    if args.signal:
        env_kwargs["signal"] = args.signal
    agents = ([] if args.no_l2nas else ["l2nas"]) + list(args.baselines)
    for env_id in args.envs:
        for agent in agents:
            label = (args.label or args.preset) if agent == "l2nas" else agent
            start, uniques, steps = time.perf_counter(), [], []
            values: dict[int, list[float]] = {b: [] for b in args.budgets}
            for seed in seed_list(args.seeds):
                env = SearchRecorder(gym.make(env_id, cache=args.cache, **env_kwargs))
                search(agent, env, env_id, seed, args.preset, overrides)
                for b in args.budgets:
                    values[b].append(best_at(env.records, b, by_unique))
                uniques.append(env.records[-1].unique)
                steps.append(env.records[-1].step)
            wall = (time.perf_counter() - start) / len(uniques)
            cells = " ".join(f"{b}: {np.mean(v):.2f} ± {np.std(v):.2f}" for b, v in values.items())
            print(
                f"{label:24s} {env_id:24s} {args.signal} {args.budget_kind}: {cells}  "
                f"(unique {np.mean(uniques):.0f}, steps {np.mean(steps):.0f}, {wall:.1f} s/run)",
                flush=True,
            )
            if args.out:
                row = {
                    "label": label, "agent": agent, "preset": args.preset if agent == "l2nas" else None,
                    "overrides": overrides if agent == "l2nas" else {}, "env": env_id, "signal": args.signal,
                    "budget_kind": args.budget_kind, "seeds": seed_list(args.seeds), "env_kwargs": env_kwargs,
                    "values": {str(b): v for b, v in values.items()}, "unique": uniques, "steps": steps,
                    "wall_s_per_run": wall,
                }  # fmt: skip
                with open(args.out, "a") as f:
                    f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
