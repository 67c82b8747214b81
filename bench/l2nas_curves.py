"""Learning curves of L2NAS presets beside baselines' checkpoints (issue 19: why a target is missed).

Each ``--trace LABEL=GLOB`` is a set of runs' ``queries.csv`` files (one per seed, from a study's
``cells/`` folder): its mean best-so-far reported accuracy per query with a 95% bootstrap band over
the seeds. Each ``--points`` results.csv adds the named ``--agents`` at their checkpoints (mean with
a 95% bootstrap CI), for the env, signal and budget kind given. The x axis counts what the budget
counts: env steps, or unique architectures under ``budget=unique``. Writes a PNG and a CSV of every
plotted value.

    python bench/l2nas_curves.py --env DARTS-cifar10-v0 --signal val_acc --budget-kind steps \\
        --trace 'l2nas v4=results/l2nas-v4/cells/default/DARTS-cifar10-v0/l2nas/seed-*/queries.csv' \\
        --points docs/results/darts/results.csv --agents bananas tpe rea \\
        --out docs/results/l2nas-v3/curves/darts
"""

from __future__ import annotations

import argparse
import glob
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def bootstrap_band(values: np.ndarray, rng: np.random.Generator, reps: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """95% percentile bootstrap band of the mean over axis 0 (seeds) of ``values`` ``(seeds, points)``."""
    picks = rng.integers(0, len(values), (reps, len(values)))
    means = values[picks].mean(axis=1)
    return np.percentile(means, 2.5, axis=0), np.percentile(means, 97.5, axis=0)


def trace(pattern: str, x_column: str, horizon: int) -> np.ndarray:
    """Best-so-far reported accuracy ``(seeds, horizon)`` at x = 1..horizon of every run matching ``pattern``."""
    paths = sorted(glob.glob(pattern))
    if not paths:
        raise SystemExit(f"no queries.csv matches {pattern!r}")
    curves = []
    for path in paths:
        runs = pd.read_csv(path, usecols=[x_column, "best_report_acc"])
        best = runs.groupby(x_column).best_report_acc.max().reindex(range(1, horizon + 1)).ffill()
        curves.append(best.to_numpy())
    return np.array(curves)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", required=True)
    parser.add_argument("--signal", required=True)
    parser.add_argument("--budget-kind", choices=("steps", "unique"), required=True)
    parser.add_argument("--trace", action="append", default=[], help="LABEL=GLOB of queries.csv files")
    parser.add_argument("--points", nargs="*", default=[], help="results.csv files of the baselines")
    parser.add_argument("--agents", nargs="*", default=[])
    parser.add_argument("--horizon", type=int, default=1000)
    parser.add_argument("--from", dest="start", type=int, default=1, help="first x plotted (skip the warm-up)")
    parser.add_argument("--out", type=Path, required=True, help="path without suffix: writes .png and .csv")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x_column = "unique" if args.budget_kind == "unique" else "step"
    rows, (fig, ax) = [], plt.subplots(figsize=(7, 4.2))
    xs = np.arange(1, args.horizon + 1)
    for spec in args.trace:
        label, _, pattern = spec.partition("=")
        curves = trace(pattern, x_column, args.horizon)
        complete = ~np.isnan(curves).any(axis=0)
        low, high = bootstrap_band(curves[:, complete], rng)
        mean = curves[:, complete].mean(axis=0)
        shown = xs[complete] >= args.start
        (line,) = ax.plot(xs[complete][shown], mean[shown], label=f"{label} ({len(curves)} seeds)")
        ax.fill_between(xs[complete][shown], low[shown], high[shown], color=line.get_color(), alpha=0.2)
        rows += [{"label": label, "x": int(x), "mean": m, "ci_low": lo, "ci_high": hi, "seeds": len(curves)}
                 for x, m, lo, hi in zip(xs[complete], mean, low, high, strict=True)]  # fmt: skip
    if args.points:
        frame = pd.concat([pd.read_csv(p) for p in args.points], ignore_index=True)
        frame = frame[(frame.env == args.env) & (frame.signal == args.signal) & (frame.budget_kind == args.budget_kind)]
        for agent in args.agents:
            mine = frame[(frame.agent == agent) & (frame.budget <= args.horizon)]
            stats = []
            for budget, group in mine.groupby("budget"):
                values = group.best_report_acc.to_numpy()[:, None]
                low, high = bootstrap_band(values, rng)
                stats.append((int(budget), values.mean(), low[0], high[0], len(values)))
            if not stats:
                continue
            b, m, lo, hi, n = map(np.array, zip(*stats, strict=True))
            ax.errorbar(b, m, yerr=[m - lo, hi - m], fmt="o--", capsize=3, label=f"{agent} (checkpoints, {n[0]} seeds)")
            rows += [{"label": agent, "x": int(x), "mean": mm, "ci_low": ll, "ci_high": hh, "seeds": int(nn)}
                     for x, mm, ll, hh, nn in zip(b, m, lo, hi, n, strict=True)]  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("unique architectures queried" if x_column == "unique" else "queries (env steps)")
    ax.set_ylabel("best reported accuracy so far (%)")
    ax.set_title(f"{args.env}: search signal {args.signal}, mean and 95% bootstrap CI over seeds 0-9", fontsize=9)
    lows = [r["ci_low"] for r in rows if r["x"] >= max(args.start, 10)]
    if lows:
        ax.set_ylim(bottom=min(lows) - 0.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(args.out.with_suffix(".png"), dpi=120)
    pd.DataFrame(rows).to_csv(args.out.with_suffix(".csv"), index=False)
    print(f"wrote {args.out.with_suffix('.png')} and .csv")


if __name__ == "__main__":
    main()
