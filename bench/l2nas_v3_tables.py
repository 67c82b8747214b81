"""The L2NAS v3 tables of docs/results/l2nas-v3.md from studies' ``results.csv`` files.

* ``ablation``: each ablation row against the full preset, per (env, signal, budget kind,
  checkpoint): means, P(full > row) with its 95% CI and the exact paired permutation p (seeds pair
  up: same seed = same env seed), from :mod:`nas_gym.report.stats`. *full better* when the PoI
  CI lies above 0.5, *row better* when below, else *level*.
* ``versus``: one agent against named agents (e.g. ``l2nas`` vs ``tpe`` ``bananas``
  ``ofa-evolution`` ``l2nas-v2``) in every cell both ran with the same seeds, same statistics.
* ``only``: the rows of some agents as a new results.csv (e.g. the ``l2nas`` rows of a study that
  also holds ablation rows, for ``nas-gym leaderboard``). Given several results.csv files it folds
  them into one: a cell (env, signal, budget kind, checkpoint) of an agent that several studies ran
  (e.g. the 500 / 1000 checkpoints of a 1000- and a 5000-query study) is taken whole from the file
  with the most seeds there, the later file on a tie, so every (cell, agent, seed) appears once and
  a cell never mixes two studies' seeds (the leaderboard ranks an agent per study and cell).
  ``--same-settings NEW=OLD`` first moves OLD's rows to NEW on every env where the two agents'
  settings on that env's search space are equal (e.g. preset v5 is v4 on NB201 and OFA, so
  v4's runs there are v5's; the moved rows' study is renamed ``<study>-as-NEW``); OLD keeps the rows
  where it differs, so no run is ranked twice.

Rows are matched by (env, signal, budget kind, checkpoint, seed); the reported value is
``best_report_acc`` (the report metric of the best-by-signal architecture), rounded to 4 decimals:
``nas-gym report`` writes 6 significant digits (94.3733) and a fresh tidy frame full precision
(94.373333), and unrounded the same architecture would "beat" itself.

Usage: ``python bench/l2nas_v3_tables.py ablation A/results.csv B/results.csv --full l2nas
--rows constant-actor random-proposals``; ``... versus A.csv B.csv --agent l2nas --against tpe``;
``... only A.csv --agents l2nas --out C/results.csv``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from nas_gym.report.stats import paired_test, poi_with_ci

CELL = ["env", "signal", "budget_kind", "budget"]


def load(paths: list[str | Path]) -> pd.DataFrame:
    """The rows of every results.csv, one frame."""
    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)


def compare(frame: pd.DataFrame, agent: str, other: str, reps: int = 2000) -> pd.DataFrame:
    """Per cell that both ``agent`` and ``other`` ran with the same seeds: means, P(agent > other)
    [95% CI], the paired permutation p and a verdict."""
    rows = []
    frame = frame.assign(best_report_acc=frame.best_report_acc.round(4))
    for cell, group in frame[frame.agent.isin([agent, other])].groupby(CELL, sort=True):
        wide = group.pivot_table(index="seed", columns="agent", values="best_report_acc", aggfunc="first")
        if agent not in wide or other not in wide:
            continue
        wide = wide[[agent, other]].dropna()
        if len(wide) < 2:
            continue
        x, y = wide[agent].to_numpy(), wide[other].to_numpy()
        poi, low, high = poi_with_ci(x[:, None], y[:, None], reps=reps)
        _, p = paired_test(x, y)
        verdict = f"{agent} better" if low > 0.5 else f"{other} better" if high < 0.5 else "level"
        rows.append(
            {
                **dict(zip(CELL, cell, strict=True)),
                "seeds": len(wide),
                agent: x.mean(),
                other: y.mean(),
                "poi": poi,
                "poi_low": low,
                "poi_high": high,
                "paired_p": p,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def same_preset_values(new: str, old: str, env_id: str) -> bool:
    """Whether L2NAS agents ``new`` and ``old`` run ``env_id`` with the same ``L2NASConfig``
    (``L2NASAgent.config_for``: a cell's spec holds every family of a preset, so specs differ even where
    the env's own family agrees)."""
    from nas_gym.agents.registry import L2NASAgent, agent_entry

    agents = [agent_entry(new), agent_entry(old)]
    if not all(isinstance(agent, L2NASAgent) for agent in agents):
        raise ValueError(f"--same-settings compares L2NAS agents; {new!r} or {old!r} is not one")
    return agents[0].config_for(env_id, {}) == agents[1].config_for(env_id, {})


def same_settings(frame: pd.DataFrame, new: str, old: str) -> pd.DataFrame:
    """``frame`` with agent ``old``'s rows relabelled ``new`` on every env where both agents' settings
    are equal (:func:`same_preset_values`), so the rows are runs of ``new`` too."""
    envs = frame.loc[frame.agent == old, "env"].unique()
    equal = [env for env in envs if same_preset_values(new, old, env)]
    moved = (frame.agent == old) & frame.env.isin(equal)
    # the moved rows get a study of their own: the leaderboard expects an agent in every part of each of
    # its studies, and OLD's study keeps the envs where OLD differs
    return frame.assign(
        agent=frame.agent.where(~moved, new),
        agent_name=frame.agent_name.where(~moved, new),
        study=frame.study.where(~moved, frame.study + f"-as-{new}"),
    )


def fold(paths: list[str | Path], agents: list[str], same: list[tuple[str, str]] = ()) -> pd.DataFrame:
    """The rows of ``agents`` in ``paths``, each (cell, agent) from one file: the one with the most seeds
    there, the later one on a tie. ``same`` holds (new, old) pairs for :func:`same_settings`."""
    frames = [pd.read_csv(p).assign(_file=i) for i, p in enumerate(paths)]
    frame = pd.concat(frames, ignore_index=True)
    for new, old in same:
        frame = same_settings(frame, new, old)
    frame = frame[frame.agent.isin(agents)]
    seeds = frame.groupby([*CELL, "agent", "_file"]).seed.nunique().rename("_seeds").reset_index()
    best = seeds.sort_values(["_seeds", "_file"]).groupby([*CELL, "agent"]).tail(1)
    kept = frame.merge(best[[*CELL, "agent", "_file"]], on=[*CELL, "agent", "_file"])
    return kept.drop(columns="_file").sort_values([*CELL, "agent", "seed"], kind="stable")


def markdown(table: pd.DataFrame, agent: str, other: str) -> str:
    """One comparison as a markdown table."""
    head = f"| env | signal | budget | seeds | {agent} | {other} | P({agent} > {other}) [95% CI] | paired p | verdict |"
    lines = [head, "|---" * 9 + "|"]
    for r in table.to_dict("records"):  # records: agent labels with a dash are not attribute names
        lines.append(
            f"| {r['env']} | {r['signal']} | {r['budget_kind']} {r['budget']} | {r['seeds']} | {r[agent]:.2f} "
            f"| {r[other]:.2f} | {r['poi']:.2f} [{r['poi_low']:.2f}, {r['poi_high']:.2f}] | {r['paired_p']:.3f} "
            f"| {r['verdict']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("ablation", "versus", "only"))
    parser.add_argument("results", nargs="+", help="results.csv files")
    parser.add_argument("--full", default="l2nas", help="ablation: the full preset's agent label")
    parser.add_argument("--rows", nargs="*", default=[], help="ablation: the ablation rows' labels")
    parser.add_argument("--agent", default="l2nas", help="versus: the agent under study")
    parser.add_argument("--against", nargs="*", default=[], help="versus: the agents it is compared with")
    parser.add_argument("--agents", nargs="*", default=[], help="only: the agent labels to keep")
    parser.add_argument("--out", default=None, help="only: the results.csv to write")
    parser.add_argument(
        "--same-settings",
        nargs="*",
        default=[],
        metavar="NEW=OLD",
        help="only: OLD's rows become NEW's on the envs where both agents' settings are equal",
    )
    parser.add_argument("--reps", type=int, default=2000)
    args = parser.parse_args(argv)
    frame = load(args.results)
    if args.mode == "only":
        if args.out is None or not args.agents:
            parser.error("only needs --agents and --out")
        same = [tuple(pair.split("=", 1)) for pair in args.same_settings]
        if any(len(pair) != 2 for pair in same):
            parser.error("--same-settings takes NEW=OLD pairs, e.g. l2nas=l2nas-v4")
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        fold(args.results, args.agents, same).to_csv(args.out, index=False)
        print(f"wrote {args.out}")
        return
    pairs = [(args.full, row) for row in args.rows] if args.mode == "ablation" else [
        (args.agent, other) for other in args.against
    ]  # fmt: skip
    for agent, other in pairs:
        table = compare(frame, agent, other, reps=args.reps)
        print(f"\n### {agent} vs {other}\n")
        print(markdown(table, agent, other) if not table.empty else "(no common cells)")
        if not table.empty:
            counts = table.verdict.value_counts().to_dict()
            print(f"\n{len(table)} cells: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
