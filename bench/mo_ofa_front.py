"""OFA's best-known accuracy-vs-Note10-latency front from long MO runs (OFA has no table to compute
a true front from), written as the CSV the mo-ofa report compares every run with.

Runs each ``--agents`` for ``--queries`` unique architectures on ``mo-OFA-MBv3-note10-v0`` with
the given seeds (>= 1000 by default, apart from the reported seeds 0-9) and writes the
non-dominated union of all their queries (accuracy %, minus latency ms, architecture) to ``--out``.
Label the result "best known", never "true".

    nice -n 10 python bench/mo_ofa_front.py --agents mo-nsga2 mo-rs --queries 10000 --seeds 1000 1001 \
        --out docs/results/mo-ofa/best_known_front.csv
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", nargs="+", default=["mo-nsga2", "mo-rs"])
    parser.add_argument("--queries", type=int, default=10_000, help="unique architectures per run")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1000, 1001])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import mo_gymnasium
    import torch

    import nas_gym  # noqa: F401 (registers the MO ids)
    from nas_gym.agents.mo import MO_SEARCHERS, run_mo_search
    from nas_gym.envs.mo import mo_env
    from nas_gym.pareto import nondominated_mask

    torch.set_num_threads(1)
    points, archs = [], []
    for agent in args.agents:
        for seed in args.seeds:
            env = mo_gymnasium.make("mo-OFA-MBv3-note10-v0", budget="unique", max_queries=args.queries)
            searcher = MO_SEARCHERS[agent](mo_env(env).search_space, 2, np.random.default_rng(seed))
            start = time.process_time()

            def record(reward: np.ndarray, info: dict) -> None:
                if info["is_new"]:
                    points.append((info["signal_acc"], -info["latency_ms"]))
                    archs.append(info["arch"])

            run_mo_search(searcher, env, seed=seed, on_step=record)
            print(f"{agent} seed {seed}: {args.queries} queries, {time.process_time() - start:.0f} s CPU", flush=True)
    p = np.asarray(points)
    mask = nondominated_mask(p)
    order = np.argsort(-p[mask, 0])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["accuracy", "neg_latency_ms", "arch"])
        for i in np.flatnonzero(mask)[order]:
            writer.writerow([f"{p[i, 0]:.6f}", f"{p[i, 1]:.6f}", archs[i]])
    runs = f"{len(args.agents) * len(args.seeds)} runs of {args.queries} queries"
    print(f"best-known front: {int(mask.sum())} points from {len(p)} queries ({runs}) -> {args.out}")


if __name__ == "__main__":
    main()
