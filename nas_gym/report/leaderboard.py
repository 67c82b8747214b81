"""The cross-space leaderboard: every agent ranked in every comparable cell of several studies.

A *cell* is one (space, dataset, signal, budget kind, checkpoint); the studies' ``results.csv``
files give one row per seed. In each cell the agents are ranked by the mean reported accuracy of
their best-by-signal architecture (rank 1 = best; equal means share the average rank). An agent
is *best or tied-best* in a cell when its 95% bootstrap CI of the mean overlaps that of the
cell's best agent. Agents are only ranked where they ran, so the table also says in how many
cells each one was ranked: an agent with fewer cells has a mean rank over easier or harder
company and is not directly comparable. An agent missing from a cell of a part (space, dataset,
signal, budget kind) where it ran other checkpoints is marked, not ranked: *cut* when the cell's
checkpoint is above its study ``budget`` cap (``agent_budget`` of ``results.csv``), *unfinished*
otherwise; a ranked agent with fewer seeds than the cell's most has *fewer seeds*.

Run ``nas-gym leaderboard docs/results/*/results.csv --out docs/results/leaderboard.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from nas_gym.report.stats import mean_with_ci

CELL = ["space", "dataset", "signal", "budget_kind", "budget"]
PART = CELL[:-1]  # a cell without its checkpoint: the agents of a part are expected in all its cells


def load_frames(paths: list[str | Path]) -> pd.DataFrame:
    """The tidy rows of every ``results.csv`` in ``paths``, with a ``space`` column."""
    if not paths:
        raise ValueError("no results.csv given; pass the results.csv files of the studies to rank")
    frames = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such results.csv; run `nas-gym report RESULTS` first")
        frames.append(pd.read_csv(path))
    frame = pd.concat(frames, ignore_index=True)
    frame["space"] = frame.benchmark.str.split("-").str[0]
    if "agent_budget" not in frame:  # results.csv written before agent budget caps: no agent was capped
        frame["agent_budget"] = float("inf")
    frame["agent_budget"] = frame.agent_budget.fillna(float("inf"))
    return frame


def absent(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (cell, agent) where the agent ran its part but not that cell: ``cut`` or ``unfinished``."""
    rows = []
    for part, group in frame.groupby(PART, sort=True):
        caps = group.groupby("agent").agent_budget.max()
        for budget, cell in group.groupby("budget", sort=True):
            for agent in sorted(set(caps.index) - set(cell.agent)):
                mark = "cut" if budget > caps[agent] else "unfinished"
                rows.append({**dict(zip(PART, part, strict=True)), "budget": budget, "agent": agent, "mark": mark})
    return pd.DataFrame(rows, columns=[*CELL, "agent", "mark"])


def cell_stats(frame: pd.DataFrame, reps: int = 2000) -> pd.DataFrame:
    """One row per (cell, agent): seeds, mean and its 95% CI, rank, best-or-tied flag."""
    rows = []
    for key, group in frame.groupby(CELL, sort=True):
        stats = {
            agent: (len(g), *mean_with_ci(g.best_report_acc.to_numpy(), reps=reps))
            for agent, g in group.groupby("agent", sort=True)
        }
        most_seeds = max(s[0] for s in stats.values())
        means = pd.Series({agent: s[1] for agent, s in stats.items()})
        ranks = means.rank(ascending=False, method="average")
        best = means.idxmax()
        best_low = stats[best][2]
        stds = group.groupby("agent", sort=True).best_report_acc.std(ddof=1).fillna(0.0)
        for agent, (n, mean, low, high) in stats.items():
            rows.append(
                {
                    **dict(zip(CELL, key, strict=True)),
                    "agent": agent,
                    "seeds": n,
                    "mean": mean,
                    "std": float(stds[agent]),
                    "ci_low": low,
                    "ci_high": high,
                    "rank": float(ranks[agent]),
                    "agents_in_cell": len(stats),
                    "best_or_tied": bool(high >= best_low),
                    "fewer_seeds": n < most_seeds,
                }
            )
    return pd.DataFrame(rows)


def leaderboard(stats: pd.DataFrame, marks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per agent: mean rank, cells ranked in, cells best or tied-best, cells ranked with fewer seeds,
    and (from :func:`absent` ``marks``) cells left out as unfinished or cut; sorted by mean rank."""
    table = stats.groupby("agent").agg(
        mean_rank=("rank", "mean"),
        cells=("rank", "size"),
        best_or_tied=("best_or_tied", "sum"),
        fewer_seeds=("fewer_seeds", "sum"),
    )
    for mark in ("unfinished", "cut"):
        counts = marks[marks.mark == mark].groupby("agent").size() if marks is not None else pd.Series(dtype=int)
        table[mark] = counts.reindex(table.index, fill_value=0).astype(int)
    return table.sort_values(["mean_rank", "agent"]).reset_index()


def leaderboard_markdown(frame: pd.DataFrame, reps: int = 2000) -> str:
    """The leaderboard table and the list of cells it ranks over, with its protocol caption."""
    stats = cell_stats(frame, reps=reps)
    marks = absent(frame)
    board = leaderboard(stats, marks)
    n_cells = stats.groupby(CELL).ngroups
    spaces = ", ".join(sorted(stats.space.unique()))
    caption = (
        f"*Cross-space leaderboard over {n_cells} cells (space x dataset x search signal x budget kind x "
        f"checkpoint; spaces: {spaces}). In each cell agents are ranked by the mean over seeds of the reported "
        "metric (NB201: test200; DARTS, OFA: the surrogate/predictor accuracy, which is also the signal) of "
        "the best-by-signal architecture; rank 1 is best. 'Best or tied-best' counts the cells where the agent's "
        f"95% bootstrap CI of the mean ({reps} resamples) overlaps the best agent's. Signals marked test200 search on "
        "a test-set metric (the paper's protocol). 'Fewer seeds': ranked cells where the agent has fewer finished "
        "seeds than the cell's most; 'unfinished' and 'cut' cells are not ranked (cut: the checkpoint is above the "
        "agent's study budget cap).*"
    )
    lines = [
        "| agent | mean rank | cells ranked | best or tied-best | fewer seeds | unfinished | cut |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in board.itertuples():
        lines.append(
            f"| {row.agent} | {row.mean_rank:.2f} | {row.cells} | {row.best_or_tied} | {row.fewer_seeds} | "
            f"{row.unfinished} | {row.cut} |"
        )
    per_space = stats[CELL].drop_duplicates().groupby(["space", "signal", "budget_kind"]).size()
    cells = [
        f"- {space}, signal `{signal}`, budget `{kind}`: {n} cells" for (space, signal, kind), n in per_space.items()
    ]
    return "\n".join([caption, "", *lines, "", "Cells per part:", *cells, "", *best_per_cell(stats, marks)])


def best_per_cell(stats: pd.DataFrame, marks: pd.DataFrame | None = None) -> list[str]:
    """Markdown table of the best agent of every cell (mean ± std over its seeds) and who is not ranked there."""
    lines = [
        "Best agent of each cell (mean ± std over seeds; the seeds column says how many finished):",
        "",
        "| space | dataset | signal | budget kind | checkpoint | best agent | mean ± std | seeds | not ranked |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    left_out = {} if marks is None else {key: g for key, g in marks.groupby(CELL, sort=True)}
    for key, group in stats.groupby(CELL, sort=True):
        top = group.loc[group["mean"].idxmax()]
        out = left_out.get(key)
        missing = "–" if out is None else ", ".join(f"{r.agent} ({r.mark})" for r in out.itertuples())
        cells = [*map(str, key), top.agent, f"{top['mean']:.2f} ± {top['std']:.2f}", str(top.seeds), missing]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_leaderboard(results: list[str | Path], out: str | Path, reps: int = 2000) -> Path:
    """Rank the agents of the ``results.csv`` files ``results`` and write the markdown to ``out``."""
    frame = load_frames(results)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# Cross-space leaderboard\n\n" + leaderboard_markdown(frame, reps=reps) + "\n")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="cross-space leaderboard of several studies' results.csv")
    parser.add_argument("results", nargs="+", help="results.csv files written by nas-gym report")
    parser.add_argument("--out", required=True, help="markdown file to write")
    parser.add_argument("--reps", type=int, default=2000, help="bootstrap resamples of the CIs")
    args = parser.parse_args(argv)
    print(f"wrote {write_leaderboard(args.results, args.out, args.reps)}")


if __name__ == "__main__":
    main()
