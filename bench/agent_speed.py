"""Wall time of one 1000-step search on NB201-cifar10-v0: L2NAS (paper preset) beside random search.

Usage: ``python bench/agent_speed.py [--cache DIR] [--steps 1000]``. Torch runs on one thread
(the fastest setting for these small MLPs); the target is L2NAS under 60 s on a 2-core CPU.
Wall time depends on what else runs on the machine; CPU time of this process does not.
"""

from __future__ import annotations

import argparse
import time
import warnings

import gymnasium as gym
import numpy as np
import torch as th

import nas_gym  # noqa: F401 (registers the env ids)
from agents.baselines import RandomSearch, run_search
from agents.l2nas import L2NAS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", default=None, help="data cache folder")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--env", default="NB201-cifar10-v0")
    args = parser.parse_args()
    th.set_num_threads(1)

    env = gym.make(args.env, cache=args.cache, max_queries=args.steps)
    start = time.perf_counter()
    run_search(RandomSearch(env.unwrapped.search_space, np.random.default_rng(0)), env, seed=0)
    rs_s = time.perf_counter() - start

    for preset in ("paper", "improved"):
        env = gym.make(args.env, cache=args.cache, max_queries=args.steps)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = L2NAS("MlpPolicy", env, preset=preset, seed=0)
        start, cpu = time.perf_counter(), time.process_time()
        model.learn(args.steps)
        l2_s, l2_cpu = time.perf_counter() - start, time.process_time() - cpu
        print(
            f"{args.env}, {args.steps} steps: L2NAS {preset} {l2_s:.1f} s wall, {l2_cpu:.1f} s CPU "
            f"({model._n_updates} mini-batches); random search {rs_s:.3f} s wall"
        )


if __name__ == "__main__":
    main()
