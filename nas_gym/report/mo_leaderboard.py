"""The multi-objective part of the leaderboard: agents ranked by hypervolume ratio in every MO cell.

A cell is one (env, latency device, checkpoint) of an MO study's ``results.csv``
(:mod:`nas_gym.report.mo_report`); agents are ranked there by the mean over seeds of
``hv_ratio`` (rank 1 = best), and are *best or tied-best* when their 95 % bootstrap CI of the
mean overlaps the best agent's. The ranking table itself is the scalar leaderboard's
(:func:`nas_gym.report.leaderboard.leaderboard`), so both parts read the same way.

Run ``python -m nas_gym.report.mo_leaderboard docs/results/mo-*/results.csv --out docs/results/mo-leaderboard.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from nas_gym.report.leaderboard import leaderboard
from nas_gym.report.stats import mean_with_ci

CELL = ["env", "device", "budget"]


def cell_stats(frame: pd.DataFrame, metric: str = "hv_ratio", reps: int = 2000) -> pd.DataFrame:
    """One row per (cell, agent): seeds, mean of ``metric`` and its CI, rank, best-or-tied flag."""
    rows = []
    for key, group in frame.groupby(CELL, sort=True):
        stats = {a: (len(g), *mean_with_ci(g[metric].to_numpy(), reps=reps)) for a, g in group.groupby("agent")}
        means = pd.Series({agent: s[1] for agent, s in stats.items()})
        ranks, best = means.rank(ascending=False, method="average"), means.idxmax()
        most = max(s[0] for s in stats.values())
        for agent, (n, mean, low, high) in stats.items():
            rows.append(
                {
                    **dict(zip(CELL, key, strict=True)),
                    "agent": agent,
                    "seeds": n,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "rank": float(ranks[agent]),
                    "best_or_tied": bool(high >= stats[best][2]),
                    "fewer_seeds": n < most,
                }
            )
    return pd.DataFrame(rows)


def mo_leaderboard_markdown(frame: pd.DataFrame, reps: int = 2000) -> str:
    stats = cell_stats(frame, reps=reps)
    board = leaderboard(stats)
    top = stats[stats.budget == stats.budget.max()].groupby("agent")["mean"].mean()
    caption = (
        f"*Multi-objective leaderboard over {stats.groupby(CELL).ngroups} cells (env x latency device x checkpoint). "
        "In each cell agents are ranked by the mean over seeds of the hypervolume ratio (HV of the found front / HV "
        "of the exact NB201 front, or of OFA's best-known front), in the objectives that drove the search; rank 1 is "
        f"best. 'Best or tied-best': the agent's 95% bootstrap CI of the mean ({reps} resamples) overlaps the best "
        "agent's. 'Fewer seeds': ranked cells where the agent has fewer finished seeds than the cell's most.*"
    )
    lines = [
        caption,
        "",
        "| agent | mean rank | cells ranked | best or tied-best | fewer seeds | mean hv_ratio, largest checkpoint |",
        "|---|---|---|---|---|---|",
    ]
    for row in board.itertuples():
        lines.append(
            f"| {row.agent} | {row.mean_rank:.2f} | {row.cells} | {row.best_or_tied} | {row.fewer_seeds} | "
            f"{top.get(row.agent, float('nan')):.4f} |"
        )
    return "\n".join(lines)


def write_mo_leaderboard(results: list[str | Path], out: str | Path, reps: int = 2000) -> Path:
    """Rank the agents of the MO ``results.csv`` files ``results`` and write the markdown to ``out``."""
    missing = [str(p) for p in results if not Path(p).is_file()]
    if missing or not results:
        raise FileNotFoundError(f"no such MO results.csv: {missing or '(none given)'}; run the MO report first")
    frame = pd.concat([pd.read_csv(p) for p in results], ignore_index=True)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# Multi-objective leaderboard\n\n" + mo_leaderboard_markdown(frame, reps=reps) + "\n")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="multi-objective leaderboard of MO studies' results.csv")
    parser.add_argument("results", nargs="+", help="results.csv files written by the MO report")
    parser.add_argument("--out", required=True, help="markdown file to write")
    parser.add_argument("--reps", type=int, default=2000, help="bootstrap resamples of the CIs")
    args = parser.parse_args(argv)
    print(f"wrote {write_mo_leaderboard(args.results, args.out, args.reps)}")


if __name__ == "__main__":
    main()
