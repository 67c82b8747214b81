"""Baseline results of a study's cells as ``bench/l2nas_compare.py`` JSON lines (for ``l2nas_poi.py``).

The studies log every query of every (protocol, env, agent, seed) cell to
``<root>/<signal>-<budget_kind>/<env>/<agent>/seed-<k>/queries.csv``. Re-running the baselines
beside each L2NAS variant would cost the shared machine what those cells already hold, so this
reads them instead: the value at budget ``b`` is ``best_report_acc`` of the last query with
``unique`` (or ``step``) ``<= b``, the same rule as :func:`bench.search_quality.best_at`.

Usage: ``python bench/l2nas_cells.py /work/runs/results/nb201-paper/cells --out /tmp/eval.jsonl
--seeds 0-9 --budgets 50 100 200 500``.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from bench.l2nas_table1 import seed_list


def best_report_at(queries: Path, budgets: list[int], column: str) -> dict[int, float]:
    """``best_report_acc`` once ``budget`` queries (counted by ``column``) were spent, per budget."""
    with open(queries) as f:
        rows = [(int(r[column]), float(r["best_report_acc"])) for r in csv.DictReader(f)]
    if not rows or rows[-1][0] < max(budgets):
        raise ValueError(f"{queries} stops at {rows[-1][0] if rows else 0} {column}, short of {max(budgets)}")
    out = {}
    for b in budgets:
        out[b] = [acc for used, acc in rows if used <= b][-1]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path, help="the study's cells folder (holds <signal>-<budget_kind>/)")
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--budgets", type=int, nargs="+", default=[50, 100, 200, 500])
    parser.add_argument("--out", required=True, help="JSON-lines file to append to")
    args = parser.parse_args()
    seeds = seed_list(args.seeds)
    for protocol in sorted(p for p in args.root.iterdir() if p.is_dir()):
        signal, budget_kind = protocol.name.rsplit("-", 1)
        column = "unique" if budget_kind == "unique" else "step"
        for env_dir in sorted(p for p in protocol.iterdir() if p.is_dir()):
            for agent_dir in sorted(p for p in env_dir.iterdir() if p.is_dir()):
                paths = [agent_dir / f"seed-{s}" / "queries.csv" for s in seeds]
                if not all(p.is_file() for p in paths):
                    print(f"skip {agent_dir}: not every seed of {args.seeds} has finished")
                    continue
                per_seed = [best_report_at(p, args.budgets, column) for p in paths]
                values = {str(b): [v[b] for v in per_seed] for b in args.budgets}
                row = {
                    "label": agent_dir.name, "agent": agent_dir.name, "preset": None, "overrides": {},
                    "env": env_dir.name, "signal": signal, "budget_kind": budget_kind, "seeds": seeds,
                    "values": values, "source": str(agent_dir),
                }  # fmt: skip
                with open(args.out, "a") as f:
                    f.write(json.dumps(row) + "\n")
                cells = " ".join(f"{b}: {np.mean(v):.2f}" for b, v in values.items())
                print(f"{agent_dir.name:10s} {env_dir.name:24s} {signal} {budget_kind}: {cells}")


if __name__ == "__main__":
    main()
