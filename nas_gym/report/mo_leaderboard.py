"""The multi-objective part of the leaderboard: agents ranked by hypervolume ratio in every MO cell.

A cell is one (space, dataset @ latency device, signal, budget kind, checkpoint) of an MO study's
``results.csv`` (:mod:`nas_gym.report.mo_report`). The ranking, the leagues and the paired tests
are the scalar leaderboard's (:mod:`nas_gym.report.leaderboard`), run on the per-seed
``hv_ratio`` instead of the reported accuracy, so both parts read the same way.

Run ``nas-gym mo-leaderboard docs/results/mo-*/results.csv --out docs/results/mo-leaderboard.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from nas_gym.report.leaderboard import Board, best_per_cell, league_markdown, leagues_of

METRIC = "hv_ratio"
SIGNAL = {"nb201": "val12", "ofa": "predicted_acc"}


def leaderboard_frame(results: list[str | Path]) -> pd.DataFrame:
    """MO ``results.csv`` rows in the scalar leaderboard's schema (dataset = ``<dataset>@<device>``)."""
    missing = [str(p) for p in results if not Path(p).is_file()]
    if missing or not results:
        raise FileNotFoundError(f"no such MO results.csv: {missing or '(none given)'}; run the MO report first")
    frames = []
    for path in results:
        part = pd.read_csv(path)
        space = part.env.str.removeprefix("mo-").str.split("-").str[0].str.lower()
        dataset = part.env.str.removeprefix("mo-NB201-").str.removeprefix("mo-").str.removesuffix("-v0")
        frames.append(
            pd.DataFrame(
                {
                    "space": space,
                    "dataset": dataset + "@" + part.device,
                    "signal": space.map(SIGNAL),
                    "budget_kind": "unique",
                    "budget": part.budget,
                    "agent": part.agent,
                    "seed": part.seed,
                    "study": Path(path).parent.name,
                    "agent_budget": float("inf"),
                    METRIC: part[METRIC],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def mo_leaderboard_markdown(frame: pd.DataFrame, reps: int = 2000) -> str:
    board = Board.of(frame, metric=METRIC)
    seeds = board.status.groupby("study")["of"].first()
    caption = (
        f"*{board.status[['space', 'dataset', 'budget']].drop_duplicates().shape[0]} cells (space x dataset@latency "
        f"device x checkpoint) of {', '.join(f'{s} ({n} seeds)' for s, n in seeds.items())}. Score: the hypervolume "
        "ratio (HV of the found front / HV of the exact NB201 front, or of OFA's best-known front) in the objectives "
        "that drove the search (NB201 val12 vs latency; OFA predicted accuracy vs Note10 latency), queries counted as "
        "unique architectures. Ranks, leagues, and wins / losses by exact paired permutation tests with "
        "Benjamini-Hochberg correction, exactly as in the scalar leaderboard (docs/results/leaderboard.md).*"
    )
    lines = [caption, ""]
    for league in leagues_of(board.status, "All MO cells"):
        lines += league_markdown(board.stats, board.pairs, board.status, league)
    lines += ["## Best agent of each cell", "", *best_per_cell(board.stats, board.status, frame, reps, METRIC)]
    return "\n".join(lines)


def write_mo_leaderboard(results: list[str | Path], out: str | Path, reps: int = 2000) -> Path:
    """Rank the agents of the MO ``results.csv`` files ``results`` and write the markdown to ``out``."""
    frame = leaderboard_frame(results)
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
