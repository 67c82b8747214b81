"""The cross-space leaderboard: agents ranked on a common set of cells, with paired tests.

A *cell* is one (space, dataset, signal, budget kind, checkpoint); the studies' ``results.csv``
files give one row per seed. A *part* is a cell without its checkpoint, and a study's agents are
expected in every part of that study with every seed of the study. An agent counts in a cell only
with every seed; otherwise it is marked there, never ranked: *fewer seeds*, *unfinished* (it ran
other checkpoints of the part), *cut* (the checkpoint is above its study ``budget`` cap,
``agent_budget`` of ``results.csv``) or *not run* (no finished cell of the whole part).

Every table is a *league*: a set of agents and the cells where each of them has every seed. So a
mean rank column never mixes agents ranked on different cell sets. In each cell of a league the
agents are ranked by the mean over seeds of the reported accuracy of their best-by-signal
architecture (rank 1 = best; equal means share the average rank), and every pair of them is
compared by an exact paired permutation test (:func:`nas_gym.report.stats.paired_test`; seeds pair
up: same seed = same env seed). A league's wins, losses and no-significant-differences count the
comparisons with Benjamini-Hochberg adjusted p <= 0.05 over all comparisons of that table.
The overall section shows the league of the agents that ran every protocol (space, signal, budget
kind) and the league of the agents with every seed in every cell; each protocol gets the same.
The statistics work on any per-seed score column (``metric``), not only the reported accuracy.

Run ``nas-gym leaderboard docs/results/*/results.csv --out docs/results/leaderboard.md``; it also
writes the per-(cell, agent) statistics and every test as ``leaderboard-cells.csv`` and
``leaderboard-pairs.csv`` beside the markdown.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nas_gym.report.stats import bh_adjust, paired_difference_ci, paired_test, smallest_p

CELL = ["space", "dataset", "signal", "budget_kind", "budget"]
PART = CELL[:-1]  # a cell without its checkpoint: the agents of a part are expected in all its cells
PROTOCOL = ["space", "signal", "budget_kind"]  # the parts of one table of the leaderboard
ALPHA = 0.05
METRIC = "best_report_acc"  # the per-seed score ranked: reported accuracy of the best-by-signal architecture
FULL = "full"
NOT_RANKED = ("fewer seeds", "unfinished", "cut", "not run")

Cell = tuple[str, str, str, str, int]


def load_frames(paths: list[str | Path]) -> pd.DataFrame:
    """The tidy rows of every ``results.csv`` in ``paths``, with ``space`` and ``study`` columns.

    A results.csv without a ``study`` column is named by its folder. The same (cell, agent, seed)
    twice, e.g. from two studies of one protocol, is an error: it would pair one seed with itself.
    """
    if not paths:
        raise ValueError("no results.csv given; pass the results.csv files of the studies to rank")
    frames = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such results.csv; run `nas-gym report RESULTS` first")
        part = pd.read_csv(path)
        if "study" not in part:
            part["study"] = path.parent.name
        frames.append(part)
    frame = pd.concat(frames, ignore_index=True)
    frame["space"] = frame.benchmark.str.split("-").str[0]
    if "agent_budget" not in frame:  # results.csv written before agent budget caps: no agent was capped
        frame["agent_budget"] = float("inf")
    frame["agent_budget"] = frame.agent_budget.fillna(float("inf"))
    twice = frame[frame.duplicated([*CELL, "agent", "seed"], keep=False)]
    if not twice.empty:
        row = twice.iloc[0]
        studies = ", ".join(sorted(set(twice.study.astype(str))))
        raise ValueError(
            f"agent {row.agent} seed {row.seed} appears twice in cell {tuple(row[CELL])} (studies {studies}); "
            "pass each study's results.csv once and not two studies of the same protocol (e.g. nb201-reduced "
            "with nb201-paper)"
        )
    return frame


def coverage(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (cell, agent of the cell's study): its seeds, the study's seed count and a status:
    ``full`` (every seed: ranked) or one of :data:`NOT_RANKED`."""
    rows = []
    for study, rows_of_study in frame.groupby("study", sort=True):
        n_seeds = rows_of_study.seed.nunique()
        caps = rows_of_study.groupby("agent").agent_budget.max()
        seeds = rows_of_study.groupby([*CELL, "agent"]).seed.nunique()
        ran = set(rows_of_study[[*PART, "agent"]].itertuples(index=False, name=None))
        for cell in sorted(set(rows_of_study[CELL].itertuples(index=False, name=None))):
            for agent in caps.index:
                n = int(seeds.get((*cell, agent), 0))
                if n == n_seeds:
                    status = FULL
                elif n > 0:
                    status = "fewer seeds"
                elif cell[-1] > caps[agent]:
                    status = "cut"
                elif (*cell[:-1], agent) in ran:
                    status = "unfinished"
                else:
                    status = "not run"
                rows.append({**dict(zip(CELL, cell, strict=True)), "study": study, "agent": agent, "seeds": n,
                             "of": n_seeds, "status": status})  # fmt: skip
    return pd.DataFrame(rows, columns=[*CELL, "study", "agent", "seeds", "of", "status"])


def absent(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (cell, agent) of the cell's study that is not ranked there, with its ``mark``."""
    status = coverage(frame)
    return status[status.status != FULL].rename(columns={"status": "mark"})[[*CELL, "agent", "mark"]]


def cell_stats(frame: pd.DataFrame, status: pd.DataFrame | None = None, metric: str = METRIC) -> pd.DataFrame:
    """One row per (cell, agent) with results: seeds, mean and std of ``metric``, status (of
    :func:`coverage`, computed when not given), and rank among the cell's agents with every seed
    (``agents_in_cell`` of them; NaN when not ranked there)."""
    status = coverage(frame) if status is None else status
    stats = frame.groupby([*CELL, "agent"], sort=True)[metric].agg(seeds="size", mean="mean", std="std")
    stats = stats.reset_index().fillna({"std": 0.0})
    stats = stats.merge(status[[*CELL, "agent", "status"]], on=[*CELL, "agent"], how="left")
    full = stats.status == FULL
    stats["rank"] = stats[full]["mean"].round(9).groupby([stats[c] for c in CELL]).rank(ascending=False)
    stats["agents_in_cell"] = stats.groupby(CELL).status.transform(lambda s: int((s == FULL).sum()))
    return stats


def pair_tests(frame: pd.DataFrame, status: pd.DataFrame, metric: str = METRIC) -> pd.DataFrame:
    """The paired test of every pair of agents with every seed in every cell: ``diff`` = mean of
    ``agent_a - agent_b`` (``metric``) over the seeds (``agent_a`` < ``agent_b`` by name), its two-sided ``p`` and
    the smallest p those seeds allow (``min_p``, :func:`nas_gym.report.stats.smallest_p`)."""
    full = status[status.status == FULL].groupby(CELL).agent.apply(sorted)
    by_cell = dict(iter(frame.groupby(CELL, sort=True)))
    rows = []
    for cell, agents in full.items():
        values = by_cell[cell].pivot(index="seed", columns="agent", values=metric)
        for a, b in itertools.combinations(agents, 2):
            pair = values[[a, b]].dropna()  # the seeds both ran (all of them, unless from two studies)
            x, y = pair[a].to_numpy(), pair[b].to_numpy()
            diff, p = paired_test(x, y)
            rows.append({**dict(zip(CELL, cell, strict=True)), "agent_a": a, "agent_b": b, "diff": diff, "p": p,
                         "min_p": smallest_p(x, y)})  # fmt: skip
    return pd.DataFrame(rows, columns=[*CELL, "agent_a", "agent_b", "diff", "p", "min_p"])


@dataclass(frozen=True)
class League:
    """A table of the leaderboard: ``agents`` ranked on ``cells``, where each has every seed."""

    title: str
    agents: tuple[str, ...]
    cells: tuple[Cell, ...]


def full_cells(status: pd.DataFrame) -> dict[str, set[Cell]]:
    """The cells each agent has every seed in."""
    full = status[status.status == FULL]
    return {agent: set(g[CELL].itertuples(index=False, name=None)) for agent, g in full.groupby("agent")}


def select_league(title: str, status: pd.DataFrame, candidates: list[str]) -> League | None:
    """The ``candidates`` on the cells (of ``status``) where each has every seed; while those cells are
    none, the candidate with the fewest such cells is dropped. None when fewer than two agents remain."""
    cells_of = full_cells(status)
    agents = sorted(candidates)
    while len(agents) >= 2:
        common = set.intersection(*(cells_of.get(agent, set()) for agent in agents))
        if common:
            return League(title, tuple(agents), tuple(sorted(common)))
        agents.remove(min(agents, key=lambda agent: (len(cells_of.get(agent, ())), agent)))
    return None


def leagues_of(status: pd.DataFrame, scope: str) -> list[League]:
    """The leagues of ``status`` (one scope: all cells, or one protocol's): the agents that ran every
    protocol there, on the cells where each has every seed, and, when that differs, the agents with
    every seed in every cell. (By protocol, not by study: a study that reruns one agent on the same
    protocols takes no one out of the first league.)"""
    protocols = status.groupby(PROTOCOL).agent.apply(set)
    everywhere = sorted(set.intersection(*protocols))
    n_cells = status[CELL].drop_duplicates().shape[0]
    who = "agents of every protocol" if len(protocols) > 1 else "its agents"
    title = f"{scope}: {who}, on the cells where each has every seed"
    first = select_league(title, status, everywhere)
    complete = sorted(agent for agent, cells in full_cells(status).items() if len(cells) == n_cells)
    second = select_league(f"{scope}: agents with every seed in every cell", status, complete)
    if first is not None and second is not None and second.agents == first.agents:
        second = None
    return [league for league in (first, second) if league is not None]


def league_tests(pairs: pd.DataFrame, league: League) -> pd.DataFrame:
    """The league's comparisons with ``testable`` (its seeds allow p <= :data:`ALPHA`), ``p_adjusted``
    (Benjamini-Hochberg over the testable ones; NaN for the others, which cannot be significant) and
    ``verdict``: ``a`` (agent_a better), ``b`` or ``nsd`` (no significant difference)."""
    cells = pd.MultiIndex.from_tuples(league.cells, names=CELL)
    inside = pairs.set_index(CELL).index.isin(cells) & pairs.agent_a.isin(league.agents)
    family = pairs[inside & pairs.agent_b.isin(league.agents)].copy()
    family["testable"] = family.min_p <= ALPHA
    family["p_adjusted"] = np.nan
    family.loc[family.testable, "p_adjusted"] = bh_adjust(family.p[family.testable].to_numpy())
    significant = family.p_adjusted <= ALPHA
    family["verdict"] = np.where(~significant, "nsd", np.where(family["diff"] > 0, "a", "b"))
    return family


def leaderboard(stats: pd.DataFrame, tests: pd.DataFrame, league: League) -> pd.DataFrame:
    """Per agent of ``league``: mean rank among the league's agents over its cells, wins, losses and
    no-significant-differences of the paired ``tests`` (:func:`league_tests`), and the cells where no
    league agent is significantly better (*unbeaten*); sorted by mean rank (all share the cells)."""
    cells = pd.MultiIndex.from_tuples(league.cells, names=CELL)
    inside = stats[stats.set_index(CELL).index.isin(cells) & stats.agent.isin(league.agents)].copy()
    inside["league_rank"] = inside["mean"].round(9).groupby([inside[c] for c in CELL]).rank(ascending=False)
    table = inside.groupby("agent").agg(mean_rank=("league_rank", "mean"), cells=("league_rank", "size"))
    for column, a_side, b_side in (("wins", "a", "b"), ("losses", "b", "a")):
        won = pd.concat([tests[tests.verdict == a_side].agent_a, tests[tests.verdict == b_side].agent_b])
        table[column] = won.value_counts().reindex(table.index, fill_value=0).astype(int)
    nsd = tests[tests.verdict == "nsd"]
    table["nsd"] = pd.concat([nsd.agent_a, nsd.agent_b]).value_counts().reindex(table.index, fill_value=0)
    beaten = pd.concat([
        tests[tests.verdict == "b"][[*CELL, "agent_a"]].rename(columns={"agent_a": "agent"}),
        tests[tests.verdict == "a"][[*CELL, "agent_b"]].rename(columns={"agent_b": "agent"}),
    ]).drop_duplicates()  # fmt: skip
    table["unbeaten"] = table.cells - beaten.agent.value_counts().reindex(table.index, fill_value=0)
    table = table.astype({"nsd": int, "unbeaten": int}).rename_axis("agent").reset_index()
    return table.sort_values(["mean_rank", "agent"]).set_index("agent")


def status_summary(status: pd.DataFrame) -> str:
    """``k/M`` cells with every seed, then the marks of the others (e.g. ``not run: 3 (mbv3-w1.2)``)."""
    n_full = int((status.status == FULL).sum())
    notes = []
    not_run = status[status.status == "not run"]
    if not not_run.empty:
        notes.append(f"not run: {len(not_run)} ({', '.join(sorted(set(not_run.dataset)))})")
    for mark in ("unfinished", "cut"):
        if (status.status == mark).any():
            notes.append(f"{mark}: {int((status.status == mark).sum())}")
    fewer = status[status.status == "fewer seeds"]
    for seeds, cells in fewer.groupby(["seeds", "of"]).size().items():
        notes.append(f"{seeds[0]}/{seeds[1]} seeds: {cells}")
    return f"{n_full}/{len(status)}" + (f" ({'; '.join(notes)})" if notes else "")


def league_markdown(stats: pd.DataFrame, pairs: pd.DataFrame, status: pd.DataFrame, league: League) -> list[str]:
    """One league's table: heading, the cells it ranks on, the agents left out and why."""
    tests = league_tests(pairs, league)
    board = leaderboard(stats, tests, league)
    per_part = pd.DataFrame(league.cells, columns=CELL).groupby(["space", "dataset"]).size()
    parts = ", ".join(f"{space} {dataset} {n}" for (space, dataset), n in per_part.items())
    uncorrected = int((tests.p <= ALPHA).sum())
    n_scope = status[CELL].drop_duplicates().shape[0]
    cells_of = full_cells(status)
    short = [agent for agent in league.agents if len(cells_of[agent]) < n_scope]
    n_out = n_scope - len(league.cells)
    cells_word = "cell" if n_out == 1 else "cells"
    dropped = f"; left out: {n_out} {cells_word} not finished with every seed by {', '.join(short)}" if short else ""
    lines = [
        f"### {league.title}",
        "",
        f"{len(league.agents)} agents on {len(league.cells)} cells ({parts}{dropped}); {len(tests)} paired "
        f"comparisons, {int(tests.testable.sum())} of them testable, {int((tests.verdict != 'nsd').sum())} "
        f"significant after Benjamini-Hochberg ({uncorrected} at an uncorrected 5%).",
        "",
        "| agent | mean rank | wins | losses | no sig. difference | unbeaten cells |",
        "|---|---|---|---|---|---|",
    ]
    for row in board.itertuples():
        lines.append(f"| {row.Index} | {row.mean_rank:.2f} | {row.wins} | {row.losses} | {row.nsd} | "
                     f"{row.unbeaten}/{row.cells} |")  # fmt: skip
    left_out = sorted(set(status.agent) - set(league.agents))
    if left_out:
        all_protocols = set(status[PROTOCOL].itertuples(index=False, name=None))
        notes = []
        for agent, rows in status[status.agent.isin(left_out)].groupby("agent"):
            ran = set(rows[PROTOCOL].itertuples(index=False, name=None))
            only = "" if ran == all_protocols else f" (in {len(ran)} of {len(all_protocols)} protocols)"
            notes.append(f"{agent} {status_summary(rows)}{only}")
        heading = "Not in this table (cells with every seed / cells of its studies here): "
        lines += ["", heading + "; ".join(notes) + "."]
    return [*lines, ""]


def protocol_label(protocol: tuple[str, str, str]) -> str:
    """``space `signal` `budget kind```, as the tables name a protocol."""
    space, signal, kind = protocol
    return f"{space} `{signal}` `{kind}`"


def coverage_markdown(status: pd.DataFrame) -> list[str]:
    """Per agent and protocol: cells with every seed out of the protocol's cells, and the marks of the rest."""
    protocols = sorted(set(status[PROTOCOL].itertuples(index=False, name=None)))
    header = ["agent", *map(protocol_label, protocols)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for agent, rows in status.groupby("agent", sort=True):
        by_protocol = dict(iter(rows.groupby(PROTOCOL)))
        entries = [status_summary(by_protocol[p]) if p in by_protocol else "–" for p in protocols]
        lines.append("| " + " | ".join([str(agent), *entries]) + " |")
    return lines


def best_per_cell(
    stats: pd.DataFrame, status: pd.DataFrame, frame: pd.DataFrame, reps: int = 2000, metric: str = METRIC
) -> list[str]:
    """Markdown table of each cell: agents ranked, the best (mean ± std), its paired difference to the
    runner-up (bootstrap CI, uncorrected p) and the agents not ranked there with their mark."""
    lines = [
        "| space | dataset | signal | budget kind | checkpoint | agents ranked | best agent | mean ± std | seeds "
        "| best − 2nd [95% CI], p | not ranked |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    by_cell = dict(iter(frame.groupby(CELL, sort=True)))
    marks = dict(iter(status[status.status != FULL].groupby(CELL, sort=True)))
    for key, group in stats.groupby(CELL, sort=True):
        ranked = group[group.status == FULL].sort_values(["rank", "agent"])
        others = marks.get(key, status.iloc[:0])
        missing = ", ".join(
            f"{r.agent} ({r.seeds}/{r.of} seeds)" if r.status == "fewer seeds" else f"{r.agent} ({r.status})"
            for r in others.itertuples()
        )  # fmt: skip
        missing = missing or "–"
        if ranked.empty:
            lines.append("| " + " | ".join([*map(str, key), "0", "–", "–", "–", "–", missing]) + " |")
            continue
        top = ranked.iloc[0]
        gap = "–"
        if len(ranked) > 1:
            second = ranked.iloc[1].agent
            pair = by_cell[key].pivot(index="seed", columns="agent", values=metric)[[top.agent, second]]
            pair = pair.dropna().to_numpy().T
            diff, low, high = paired_difference_ci(pair[0], pair[1], reps=reps)
            _, p = paired_test(pair[0], pair[1])
            gap = f"{diff:.2f} [{low:.2f}, {high:.2f}] vs {second}, p={p:.3g}"
        cells = [*map(str, key), str(len(ranked)), top.agent, f"{top['mean']:.2f} ± {top['std']:.2f}",
                 str(top.seeds), gap, missing]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return lines


@dataclass(frozen=True)
class Board:
    """Everything the leaderboard shows, computed once: the rows, :func:`coverage`, :func:`cell_stats`
    and :func:`pair_tests` of the per-seed score column ``metric``."""

    frame: pd.DataFrame
    status: pd.DataFrame
    stats: pd.DataFrame
    pairs: pd.DataFrame
    metric: str = METRIC

    @classmethod
    def of(cls, frame: pd.DataFrame, metric: str = METRIC) -> Board:
        status = coverage(frame)
        return cls(frame, status, cell_stats(frame, status, metric), pair_tests(frame, status, metric), metric)


def leaderboard_markdown(frame: pd.DataFrame, reps: int = 2000, board: Board | None = None) -> str:
    """The leaderboard: protocol caption, overall and per-protocol leagues, coverage, best of each cell
    (``reps``: bootstrap resamples of its descriptive CIs; ``board``: :meth:`Board.of` ``frame``)."""
    board = Board.of(frame) if board is None else board
    status, stats, pairs = board.status, board.stats, board.pairs
    n_cells = status[CELL].drop_duplicates().shape[0]
    seeds = status.groupby("study")["of"].first()
    few = [f"{study} ({n} seeds)" for study, n in seeds.items() if 2 / 2**n > ALPHA]
    few_note = (
        f"So the cells of {', '.join(few)} cannot show a significant difference (2/2^n > 0.05 up to 5 seeds). "
        if few
        else ""
    )
    caption = (
        f"*{n_cells} cells (space x dataset x search signal x budget kind x checkpoint) of the studies "
        f"{', '.join(f'{study} ({n} seeds)' for study, n in seeds.items())}. Reported metric: NB201 test200; "
        "DARTS, OFA: the surrogate/predictor accuracy, which is also the signal; always of the best-by-signal "
        "architecture. Signals marked test200 search on a test-set metric (the paper's protocol). An agent counts "
        "in a cell only with every seed of its study; otherwise the cell is marked for it (fewer seeds, "
        "unfinished, cut: above its study budget cap, not run: no finished cell in that dataset's part) and "
        "it is not ranked there. Each table ranks one set of agents on the cells where every one of them has every "
        "seed, so its mean ranks share the cells: rank 1 is best, by the mean over seeds, among that table's "
        "agents. Wins, losses and 'no sig. difference' count, per agent, its comparisons with each other agent "
        "of the table in each cell: an exact paired permutation test (seeds pair up: same seed = same env seed; "
        "two-sided, sign flips of the per-seed differences of the mean), called significant when its "
        "Benjamini-Hochberg adjusted p over the table's testable comparisons is <= 0.05 (at most 5% of the "
        "counted wins and losses expected false). A comparison is testable when its seeds allow p <= 0.05: "
        "2/2^k <= 0.05 for the k seeds where the two agents differ, so k >= 6; the others (e.g. both agents on "
        "the optimum on most seeds) cannot be significant and are left out of the correction (Tarone 1990, "
        f"Gilbert 2005). {few_note}'Unbeaten cells': cells where no agent of the table "
        "is significantly better. Per-(cell, agent) statistics and every test: leaderboard-cells.csv, "
        "leaderboard-pairs.csv.*"
    )
    lines = [caption, "", "## Overall", ""]
    for league in leagues_of(status, "All cells"):
        lines += league_markdown(stats, pairs, status, league)
    lines += ["## Per protocol", ""]
    for protocol, rows in status.groupby(PROTOCOL, sort=True):
        space, signal, kind = protocol
        for league in leagues_of(rows, f"{space}, signal `{signal}`, budget `{kind}`"):
            lines += league_markdown(stats, pairs, rows, league)
    lines += ["## Coverage", "", "Cells with every seed / cells of the agent's studies, per protocol "
              "(– : not in that protocol's study), and the marks of the other cells:", "",
              *coverage_markdown(status), ""]  # fmt: skip
    lines += [
        "## Best agent of each cell",
        "",
        "Ranked agents have every seed; the best is the highest mean (± std over seeds). 'best − 2nd': the mean "
        f"paired difference to the runner-up with a 95% percentile bootstrap CI over seeds ({reps} resamples, "
        "seeded; descriptive) and the exact paired test's p, uncorrected.",
        "",
        *best_per_cell(stats, status, board.frame, reps=reps, metric=board.metric),
    ]
    return "\n".join(lines)


def write_leaderboard(results: list[str | Path], out: str | Path, reps: int = 2000) -> Path:
    """Rank the agents of the ``results.csv`` files ``results``; write the markdown to ``out`` and the
    statistics and tests beside it (``<out stem>-cells.csv``, ``<out stem>-pairs.csv``)."""
    frame = load_frames(results)
    board = Board.of(frame)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# Cross-space leaderboard\n\n" + leaderboard_markdown(frame, reps, board) + "\n")
    cells = board.status.merge(board.stats.drop(columns=["seeds", "status"]), how="left", on=[*CELL, "agent"])
    cells.to_csv(out.with_name(f"{out.stem}-cells.csv"), index=False, float_format="%.6g")
    board.pairs.to_csv(out.with_name(f"{out.stem}-pairs.csv"), index=False, float_format="%.6g")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="cross-space leaderboard of several studies' results.csv")
    parser.add_argument("results", nargs="+", help="results.csv files written by nas-gym report")
    parser.add_argument("--out", required=True, help="markdown file to write")
    parser.add_argument("--reps", type=int, default=2000, help="bootstrap resamples of the descriptive CIs")
    args = parser.parse_args(argv)
    print(f"wrote {write_leaderboard(args.results, args.out, args.reps)}")


if __name__ == "__main__":
    main()
