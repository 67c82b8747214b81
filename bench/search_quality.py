"""Mean best-by-signal report accuracy of each agent over seeds, at several budgets.

One run per (agent, env, seed) at the largest budget; smaller budgets are read off its
best-so-far curve (same search, earlier stop), counted in steps or unique architectures per
``--budget-kind``. Prints one line per (agent, env, budget): mean ± std over seeds.

Usage: ``python bench/search_quality.py --agents rs rea l2nas --envs NB201-cifar10-v0
--seeds 10 --budgets 100 500 --signal test200 --budget-kind steps [--cache DIR]``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import gymnasium as gym
import numpy as np
import torch as th

import nas_gym  # noqa: F401 (registers the env ids)
from nas_gym.agents.registry import run_agent
from nas_gym.search_log import SearchRecorder


def best_at(records, budget: int, by_unique: bool) -> float:
    """Report accuracy of the best-by-signal architecture once ``budget`` queries were spent."""
    used = [r for r in records if (r.unique if by_unique else r.step) <= budget]
    return used[-1].best_report_acc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", nargs="+", required=True)
    parser.add_argument("--envs", nargs="+", default=["NB201-cifar10-v0"])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budgets", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--signal", default=None, help="search signal (default: the benchmark's honest one)")
    parser.add_argument("--budget-kind", choices=("steps", "unique"), default="steps")
    parser.add_argument("--hyperparams", default="{}", help="JSON overrides for the agents")
    parser.add_argument("--cache", default=None)
    args = parser.parse_args()
    th.set_num_threads(1)
    by_unique = args.budget_kind == "unique"
    kwargs = {"max_queries": max(args.budgets), "budget": args.budget_kind}
    if args.signal:
        kwargs["signal"] = args.signal
    for env_id in args.envs:
        for agent in args.agents:
            start = time.perf_counter()
            results = {b: [] for b in args.budgets}
            uniques = []
            for seed in range(args.seeds):
                env = SearchRecorder(gym.make(env_id, cache=args.cache, **kwargs))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    run_agent(agent, env, env_id, seed, json.loads(args.hyperparams))
                for b in args.budgets:
                    results[b].append(best_at(env.records, b, by_unique))
                uniques.append(env.records[-1].unique)
            per_run = (time.perf_counter() - start) / args.seeds
            signal = env.unwrapped.signal
            for b in args.budgets:
                r = np.array(results[b])
                print(
                    f"{agent:12s} {env_id:26s} signal={signal:8s} budget={b:5d} {args.budget_kind:6s} "
                    f"test200 {r.mean():.2f} ± {r.std():.2f} (n={len(r)}, unique at end {np.mean(uniques):.0f}, "
                    f"{per_run:.1f} s/run) {args.hyperparams if args.hyperparams != '{}' else ''}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
