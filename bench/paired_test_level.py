"""How often each paired test calls a difference where there is none (its real type-I error at 5%).

Null pairs come from the studies' own results: pick one (cell, agent) with varying seed results,
draw both "agents" of a pair from its seeds, so the two are the same algorithm by construction.
The leaderboard's exact sign-flip permutation test (:func:`nas_gym.report.stats.paired_test`)
is compared with a 95% percentile paired bootstrap of the mean difference (significant when its
CI excludes 0) and the paired t-test. Measured (nb201-paper results.csv, 400 pairs, seed 0):
bootstrap 12.8% (5 seeds) and 8.0% (10 seeds), exact test 0.0% and 2.5%, t-test 3.0% and 3.5%;
hence the exact test: the bootstrap overstates wins at the seed counts the studies run, and the
t-test's normal differences do not hold for results piled up on the optimum.

Usage: ``python bench/paired_test_level.py docs/results/nb201-paper/results.csv --pairs 400``.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from scipy.stats import ttest_rel

from nas_gym.report.stats import paired_difference_ci, paired_test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", help="a results.csv written by nas-gym report")
    parser.add_argument("--pairs", type=int, default=400, help="null pairs per seed count")
    parser.add_argument("--seeds", type=int, nargs="+", default=[5, 10], help="seeds per pair")
    parser.add_argument("--reps", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    frame = pd.read_csv(args.results)
    pools = [
        g.best_report_acc.to_numpy()
        for _, g in frame.groupby(["protocol", "dataset", "budget", "agent"])
        if g.best_report_acc.std() > 0
    ]
    rng = np.random.default_rng(args.seed)
    print("| seeds | paired bootstrap CI | exact permutation | paired t |")
    print("|---|---|---|---|")
    for n in args.seeds:
        called = np.zeros(3)
        for trial in range(args.pairs):
            pool = pools[rng.integers(len(pools))]
            x, y = rng.choice(pool, n), rng.choice(pool, n)
            if np.all(x == y):
                continue  # no test calls identical runs different
            _, low, high = paired_difference_ci(x, y, reps=args.reps, seed=trial)
            t_p = float(ttest_rel(x, y).pvalue)
            called += [low > 0 or high < 0, paired_test(x, y)[1] <= 0.05, t_p <= 0.05]
        rates = called / args.pairs
        print(f"| {n} | " + " | ".join(f"{rate:.1%}" for rate in rates) + " |")


if __name__ == "__main__":
    main()
