"""Probability of improvement of one L2NAS variant over each baseline, per cell, with a 95% CI.

Reads the JSON lines of ``bench/l2nas_compare.py``. A cell is (env, signal, budget). PoI is
rliable's ``probability_of_improvement`` (P(X > Y) + P(X = Y) / 2 over runs, i.e. the
Mann-Whitney statistic) of the L2NAS runs X against a baseline's runs Y; its CI is a percentile
bootstrap (each side resampled on its own, seeded). "better" when the CI lies above 0.5,
"worse" when below. Prints a markdown table of means and PoI.

Usage: ``python bench/l2nas_poi.py /tmp/eval.jsonl --label improved``.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

import numpy as np


def poi(x: np.ndarray, y: np.ndarray) -> float:
    """P(X > Y) + P(X = Y) / 2 (rliable's definition, for one task)."""
    from rliable.metrics import probability_of_improvement

    return float(probability_of_improvement(x[:, None], y[:, None]))


def poi_ci(x: np.ndarray, y: np.ndarray, reps: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    rng = np.random.default_rng(seed)
    boot = [poi(rng.choice(x, len(x)), rng.choice(y, len(y))) for _ in range(reps)]
    return poi(x, y), float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results")
    parser.add_argument("--label", default="improved")
    args = parser.parse_args()
    with open(args.results) as f:
        rows = [json.loads(line) for line in f]
    cells: dict[tuple, dict[str, np.ndarray]] = defaultdict(dict)
    for r in rows:
        for budget, values in r["values"].items():
            cells[(r["env"], r["signal"], int(budget))][r["label"]] = np.asarray(values, dtype=float)
    baselines = sorted({r["label"] for r in rows} - {args.label})
    print(f"| env | signal | budget | {args.label} | " + " | ".join(f"{b} (PoI [95% CI])" for b in baselines) + " |")
    print("|---" * (4 + len(baselines)) + "|")
    tally: defaultdict[str, int] = defaultdict(int)
    for (env, signal, budget), by_label in sorted(cells.items()):
        if args.label not in by_label:
            continue
        x = by_label[args.label]
        parts = []
        for b in baselines:
            if b not in by_label:
                parts.append("–")
                continue
            p, lo, hi = poi_ci(x, by_label[b])
            verdict = "better" if lo > 0.5 else "worse" if hi < 0.5 else "level"
            tally[verdict] += 1
            parts.append(f"{by_label[b].mean():.2f} ({p:.2f} [{lo:.2f}, {hi:.2f}] {verdict})")
        name = env.replace("NB201-", "").replace("-v0", "")
        print(f"| {name} | {signal} | {budget} | {x.mean():.2f} ± {x.std():.2f} | " + " | ".join(parts) + " |")
    print(f"\ncomparisons: {dict(tally)}")


if __name__ == "__main__":
    main()
