"""Wall time of one L2NAS search beside random search on the same env, in the same run (as a ratio).

Usage: ``python bench/agent_speed.py [--env NB201-cifar10-v0] [--steps 1000] [--presets paper improved]
[--hyperparams JSON] [--cache DIR]``. Targets (issue 14, this 2-core machine): 1000 NB201 steps < 30 s, 20k DARTS steps
< 15 min. L2NAS sets torch to one thread inside ``learn`` (``torch_threads``). Wall time depends on
what else runs on the machine; CPU time of this process does not, so both are printed.
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
from nas_gym.agents.baselines import RandomSearch, run_search
from nas_gym.agents.l2nas import L2NAS
from nas_gym.envs.api import search_env


def timed(fn) -> tuple[float, float]:
    """(wall s, CPU s) of ``fn()``."""
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", default=None, help="data cache folder")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--env", default="NB201-cifar10-v0")
    parser.add_argument("--presets", nargs="+", default=["paper", "improved"])
    parser.add_argument("--hyperparams", default="{}", help="JSON L2NASConfig overrides applied to every preset")
    args = parser.parse_args()
    th.set_num_threads(1)
    overrides = json.loads(args.hyperparams)

    env = gym.make(args.env, cache=args.cache, max_queries=args.steps)
    space = search_env(env).search_space
    rs_wall, rs_cpu = timed(lambda: run_search(RandomSearch(space, np.random.default_rng(0)), env, seed=0))
    print(f"{args.env}, {args.steps} steps: random search {rs_wall:.2f} s wall, {rs_cpu:.2f} s CPU", flush=True)
    for preset in args.presets:
        env = gym.make(args.env, cache=args.cache, max_queries=args.steps)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = L2NAS("MlpPolicy", env, preset=preset, seed=0, **overrides)
        wall, cpu = timed(lambda m=model: m.learn(args.steps))
        print(
            f"{args.env}, {args.steps} steps: L2NAS {preset} {wall:.1f} s wall, {cpu:.1f} s CPU "
            f"({model._n_updates} mini-batches), {wall / rs_wall:.0f}x random search's wall time",
            flush=True,
        )


if __name__ == "__main__":
    main()
