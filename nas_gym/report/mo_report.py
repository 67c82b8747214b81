"""The report of a multi-objective study: hypervolume ratio and IGD per checkpoint, with CIs and plots.

For every cell (env x device x agent x seed) and checkpoint ``b`` the *found set* is the first
``b`` unique architectures the search queried; its front is taken on the values that drove the
search (signal accuracy %, -latency ms). Indicators, each against the space's front
(:mod:`nas_gym.report.mo_fronts`, exact for NB201, best-known for OFA) and its declared
reference point:

* ``hv_ratio``: HV(found front) / HV(true front), in the signal's objectives (1 = the whole front);
* ``igd``: IGD of the found front to the true front, objectives scaled to the true front's range;
* ``hv_ratio_report``: the architectures of the found front re-scored by the *reported* accuracy
  (NB201 test200) against the true test200 front: what the user gets, selected honestly.

Per checkpoint: mean and 95 % bootstrap CI per task, the IQM over tasks with a stratified
bootstrap CI, and the probability of improvement (PoI) of each agent over every other one
(:mod:`nas_gym.report.stats`). ``results.csv`` holds one row per cell and checkpoint.

Run ``python -m nas_gym.report.mo_report results/mo-nb201 --out docs/results/mo-nb201``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from nas_gym.pareto import front, hypervolume, igd, nondominated_mask
from nas_gym.report.mo_fronts import best_known_front, nb201_true_front, reference_point
from nas_gym.report.stats import iqm_with_ci, mean_with_ci, poi_with_ci

KEYS = ["env", "device", "agent", "seed"]


def _dataset(env_id: str) -> str:
    return env_id.removeprefix("mo-NB201-").removesuffix("-v0")


def load_cells(results: Path) -> tuple[dict, dict[tuple, pd.DataFrame]]:
    """The study (``mo-study.json``) and every finished cell's rows, by (env, device, agent, seed)."""
    marker = results / "mo-study.json"
    if not marker.exists():
        raise FileNotFoundError(f"{results} holds no MO study (no mo-study.json); run nas_gym.harness.mo_study first")
    study = json.loads(marker.read_text())
    cells = {}
    for path in sorted((results / "cells").glob("*/*/*/seed-*.csv")):
        env, device, agent = path.parts[-4:-1]
        cells[(env, device, agent, int(path.stem.removeprefix("seed-")))] = pd.read_csv(path)
    if not cells:
        raise FileNotFoundError(f"{results}/cells holds no finished cell yet")
    return study, cells


def _points(rows: pd.DataFrame, acc: str, budget: int) -> np.ndarray:
    new = rows[(rows.is_new == 1) & (rows.unique <= budget)]
    return np.stack([new[acc].to_numpy(float), -new.latency_ms.to_numpy(float)], axis=1)


def fronts_of(env: str, device: str, cells: dict[tuple, pd.DataFrame], extra: list[np.ndarray]) -> dict[str, tuple]:
    """{"signal"/"report": (front, reference point, label)} of one task."""
    if env.startswith("mo-NB201-"):
        out = {}
        for kind, metric in (("signal", "val12"), ("report", "test200")):
            f = nb201_true_front(_dataset(env), device, metric)
            out[kind] = (f, reference_point(f), "exact (all 15,625 cells)")
        return out
    # OFA: signal and report are both the predictor's accuracy
    runs = [_points(rows, "signal_acc", 10**9) for key, rows in cells.items() if key[:2] == (env, device)]
    f = best_known_front(runs + extra)
    label = f"best known (non-dominated union of {len(runs)} runs{' + long runs' if extra else ''})"
    return {"signal": (f, reference_point(f), label), "report": (f, reference_point(f), label)}


def indicators(rows: pd.DataFrame, budgets: list[int], fronts: dict[str, tuple]) -> list[dict]:
    """One row per checkpoint: ``hv_ratio``, ``igd``, ``hv_ratio_report``, ``front_size``."""
    true_front, ref, _ = fronts["signal"]
    report_front, report_ref, _ = fronts["report"]
    hv_true, hv_report = hypervolume(true_front, ref), hypervolume(report_front, report_ref)
    out = []
    for b in budgets:
        pts = _points(rows, "signal_acc", b)
        on_front = nondominated_mask(pts)
        reported = _points(rows, "report_acc", b)[on_front]
        out.append(
            {
                "budget": b,
                "queries": len(pts),
                "hv_ratio": hypervolume(pts[on_front], ref) / hv_true,
                "igd": igd(pts[on_front], true_front),
                "hv_ratio_report": hypervolume(reported, report_ref) / hv_report,
                "front_size": int(on_front.sum()),
            }
        )
    return out


def results_frame(results: Path, extra_front: Path | None = None) -> tuple[dict, pd.DataFrame, dict]:
    """The study, the tidy indicator rows and each task's fronts."""
    study, cells = load_cells(results)
    extra = [pd.read_csv(extra_front)[["accuracy", "neg_latency_ms"]].to_numpy(float)] if extra_front else []
    budgets = sorted(study["budgets"])
    tasks = sorted({key[:2] for key in cells})
    fronts = {(env, device): fronts_of(env, device, cells, extra) for env, device in tasks}
    rows = []
    for key, cell in cells.items():
        for r in indicators(cell, budgets, fronts[key[:2]]):
            rows.append({**dict(zip(KEYS, key, strict=True)), **r})
    frame = pd.DataFrame(rows).sort_values([*KEYS, "budget"]).reset_index(drop=True)
    return study, frame, fronts


def _matrix(frame: pd.DataFrame, metric: str) -> np.ndarray:
    """``(seeds, tasks)`` of ``metric`` for one agent at one checkpoint (tasks with every seed only)."""
    table = frame.pivot_table(index="seed", columns=["env", "device"], values=metric)
    return table.dropna(axis=1).to_numpy()


def complete_tasks(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the tasks (env x device) where every agent has every seed of the frame: the IQM and
    PoI need one ``(seeds, tasks)`` matrix per agent, and agents compared on different tasks or seeds
    would not be comparable."""
    seeds, agents = set(frame.seed), set(frame.agent)
    runs = frame.groupby(["env", "device", "agent"]).seed.apply(set)
    keep = [task for task, g in runs.groupby(level=[0, 1]) if len(g) == len(agents) and all(s == seeds for s in g)]
    index = frame.set_index(["env", "device"]).index
    return frame[index.isin(keep)]


def summary_tables(
    frame: pd.DataFrame, metric: str = "hv_ratio", reps: int = 1000
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(IQM over tasks with CI per agent x checkpoint, mean with CI per task x agent x checkpoint)."""
    agg, per_task = [], []
    complete = complete_tasks(frame)
    for budget, at in complete.groupby("budget"):
        seeds = at.groupby("agent").seed.nunique()
        scores = {agent: _matrix(at[at.agent == agent], metric) for agent in seeds.index}
        for agent, (point, low, high) in iqm_with_ci(scores, reps=reps).items():
            agg.append(
                {
                    "tasks": complete.groupby(["env", "device"]).ngroups,
                    "budget": budget,
                    "agent": agent,
                    "iqm": point,
                    "ci_low": low,
                    "ci_high": high,
                    "seeds": int(seeds[agent]),
                }
            )
    for budget, at in frame.groupby("budget"):
        for (env, device, agent), g in at.groupby(["env", "device", "agent"]):
            mean, low, high = mean_with_ci(g[metric].to_numpy(), reps=reps)
            per_task.append(
                {
                    "env": env,
                    "device": device,
                    "budget": budget,
                    "agent": agent,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "seeds": len(g),
                }
            )
    return pd.DataFrame(agg), pd.DataFrame(per_task)


def poi_table(frame: pd.DataFrame, agent: str, metric: str = "hv_ratio", reps: int = 1000) -> pd.DataFrame:
    """P(``agent`` > other) of ``metric`` per checkpoint and other agent, over tasks, with CI."""
    rows = []
    for budget, at in complete_tasks(frame).groupby("budget"):
        mine = at[at.agent == agent].pivot_table(index="seed", columns=["env", "device"], values=metric)
        for other in sorted(set(at.agent) - {agent}):
            theirs = at[at.agent == other].pivot_table(index="seed", columns=["env", "device"], values=metric)
            tasks = mine.columns.intersection(theirs.columns)
            if not len(tasks):
                continue
            x, y = mine[tasks].dropna().to_numpy(), theirs[tasks].dropna().to_numpy()
            point, low, high = poi_with_ci(x, y, reps=reps)
            rows.append(
                {
                    "budget": budget,
                    "agent": agent,
                    "other": other,
                    "poi": point,
                    "ci_low": low,
                    "ci_high": high,
                    "tasks": len(tasks),
                }
            )
    return pd.DataFrame(rows)


# -- figures -----------------------------------------------------------------------------------------
def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _grid(tasks: list[tuple[str, str]]):
    plt = _plt()
    envs, devices = sorted({t[0] for t in tasks}), sorted({t[1] for t in tasks})
    fig, axes = plt.subplots(len(envs), len(devices), figsize=(4.2 * len(devices), 3.4 * len(envs)), squeeze=False)
    return plt, fig, {(e, d): axes[i, j] for i, e in enumerate(envs) for j, d in enumerate(devices)}


def plot_hv_curves(frame: pd.DataFrame, path: Path, metric: str = "hv_ratio") -> None:
    """``metric`` vs checkpoint per agent (mean and 95 % CI over seeds), one panel per task."""
    tasks = sorted({(e, d) for e, d in zip(frame.env, frame.device, strict=True)})
    plt, fig, axes = _grid(tasks)
    for (env, device), ax in axes.items():
        task = frame[(frame.env == env) & (frame.device == device)]
        if task.empty:
            ax.axis("off")
            continue
        for agent, g in task.groupby("agent"):
            stats = [mean_with_ci(b.to_numpy(), reps=500) for _, b in g.groupby("budget")[metric]]
            budgets = sorted(g.budget.unique())
            ax.plot(budgets, [s[0] for s in stats], marker="o", label=agent)
            ax.fill_between(budgets, [s[1] for s in stats], [s[2] for s in stats], alpha=0.2)
        ax.set_xscale("log")
        checkpoints = sorted(task.budget.unique())
        ax.set_xticks(checkpoints, [str(b) for b in checkpoints])
        ax.minorticks_off()
        ax.set_title(f"{env} / {device}", fontsize=9)
        ax.set_xlabel("unique architectures queried")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    next(iter(axes.values())).legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _staircase(ax, points: np.ndarray, **style) -> None:
    """A maximised (accuracy, -latency) front drawn as its attainment staircase over latency (ms)."""
    f = points[np.argsort(-points[:, 1])]  # latency ascending
    ax.step(-f[:, 1], f[:, 0], where="post", **style)


def plot_fronts(results: Path, fronts: dict, budget: int, seed: int, path: Path) -> None:
    """The found fronts of every agent (``seed``, ``budget``) beside the true / best-known front, per task."""
    _, cells = load_cells(results)
    plt, fig, axes = _grid(list(fronts))
    colours = {agent: f"C{i}" for i, agent in enumerate(sorted({key[2] for key in cells}))}
    for task, ax in axes.items():
        if task not in fronts:  # no finished cell of this env x device yet
            ax.axis("off")
            continue
        true_front, ref, label = fronts[task]["signal"]
        _staircase(ax, true_front, color="black", lw=2.5, label=f"front: {label}")
        for (env, device, agent, s), rows in sorted(cells.items()):
            if (env, device) == task and s == seed:
                found = front(_points(rows, "signal_acc", budget))
                _staircase(ax, found, marker=".", color=colours[agent], label=agent, alpha=0.8)
        ax.set_title(f"{task[0]} / {task[1]}", fontsize=9)
        ax.set_xlabel(f"latency on {task[1]} (ms)")
        ax.set_ylabel("signal accuracy (%)")
        ax.set_ylim(bottom=ref[0])
        ax.grid(alpha=0.3)
    handles: dict[str, tuple] = {}
    for ax in axes.values():
        for handle, name in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(name if not name.startswith("front") else "front", (handle, name))
    fig.legend(*zip(*handles.values(), strict=True), loc="lower center", ncol=len(handles), fontsize=8)
    fig.suptitle(f"found fronts at {budget} unique queries, seed {seed}", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- markdown ----------------------------------------------------------------------------------------
def target_lines(frame: pd.DataFrame, poi: pd.DataFrame, champion: str) -> list[str]:
    """``champion`` against the best other agent (by IQM hv_ratio) at each checkpoint: PoI and verdict."""
    agg, _ = summary_tables(frame, "hv_ratio")
    lines = [
        f"## {champion} against the best other agent per checkpoint (hv_ratio)",
        "",
        "Verdict from the PoI's 95 % CI: *better* (low > 0.5), *worse* (high < 0.5), else *no significant difference*.",
        "",
        "| checkpoint | best other agent (IQM) | its IQM | " + champion + " IQM | PoI [95 % CI] | verdict |",
        "|---:|---|---|---|---|---|",
    ]
    for budget, at in agg.groupby("budget"):
        others = at[at.agent != champion]
        mine = at[at.agent == champion]
        if others.empty or mine.empty:
            continue
        best = others.loc[others.iqm.idxmax()]
        row = poi[(poi.budget == budget) & (poi.other == best.agent)]
        if row.empty:
            continue
        r = row.iloc[0]
        verdict = "better" if r.ci_low > 0.5 else "worse" if r.ci_high < 0.5 else "no significant difference"
        lines.append(
            f"| {budget} | {best.agent} | {best.iqm:.4f} | {mine.iqm.iloc[0]:.4f} | "
            f"{_fmt(r.poi, r.ci_low, r.ci_high)} | {verdict} |"
        )
    return lines


def _fmt(point: float, low: float, high: float) -> str:
    return f"{point:.4f} [{low:.4f}, {high:.4f}]"


def markdown(study: dict, frame: pd.DataFrame, fronts: dict, champion: str | None) -> str:
    """The report: protocol, fronts, IQM tables of every indicator, per-task means, PoI tables."""
    env_kwargs = study.get("env_kwargs", {})
    lines = [
        f"# {study['name']}: multi-objective report",
        "",
        study.get("description", ""),
        "",
        "**Protocol.** Objectives: accuracy (the search signal, "
        f"`{env_kwargs.get('signal', 'val12 on NB201 (the env default), predicted_acc on OFA')}`) vs latency (ms) on "
        f"the cell's device, both from the env's `info`. Queries counted as "
        f"{'unique architectures' if env_kwargs.get('budget') == 'unique' else 'env steps'} "
        f"(`budget={env_kwargs.get('budget', 'steps')}`); the found set at checkpoint b is the first b unique "
        "architectures. Agents are told only the reward vector. `hv_ratio` = HV(found front) / HV(front), "
        "`igd` in objectives scaled to the front's range, `hv_ratio_report` = the found front's architectures "
        "re-scored by the reported accuracy (NB201 test200) against the true test200 front. Reference point: "
        "nadir of the front minus 10 % of its range per objective. CIs: 95 % bootstrap (stratified over tasks "
        "for IQM and PoI), seeds " + ", ".join(str(s) for s in sorted(frame.seed.unique())) + ".",
        "",
        "## Fronts and reference points",
        "",
        "| env | device | front | points | reference (acc %, -latency ms) |",
        "|---|---|---|---:|---|",
    ]
    for (env, device), f in sorted(fronts.items()):
        pts, ref, label = f["signal"]
        lines.append(f"| {env} | {device} | {label} | {len(pts)} | ({ref[0]:.2f}, {ref[1]:.3f}) |")
    complete = complete_tasks(frame).groupby(["env", "device"]).seed.nunique()
    listed = ", ".join(f"{env.removeprefix('mo-').removesuffix('-v0')}/{device}" for env, device in complete.index)
    partial = sorted(set(zip(frame.env, frame.device, strict=True)) - set(complete.index))
    lines += [
        "",
        f"IQM and PoI tables: the {len(complete)} tasks where every agent has every seed "
        f"({', '.join(map(str, sorted(frame.seed.unique())))}): {listed or '(none yet)'}."
        + (f" Tasks with fewer seeds ({len(partial)}) appear in the per-task table only." if partial else ""),
    ]
    for metric in ("hv_ratio", "igd", "hv_ratio_report") if len(complete) else ():
        agg, _ = summary_tables(frame, metric)
        budgets = sorted(agg.budget.unique())
        lines += [
            "",
            f"## {metric}: IQM over tasks [95 % CI]",
            "",
            "| agent | " + " | ".join(map(str, budgets)) + " |",
            "|---|" + "---|" * len(budgets),
        ]
        for agent, g in agg.groupby("agent"):
            by = {r.budget: _fmt(r.iqm, r.ci_low, r.ci_high) for r in g.itertuples()}
            lines.append(f"| {agent} | " + " | ".join(by.get(b, "-") for b in budgets) + " |")
    _, per_task = summary_tables(frame, "hv_ratio")
    top = per_task.budget.max()
    lines += ["", f"## hv_ratio per task at {top} queries: mean [95 % CI] (seeds)", ""]
    table = per_task[per_task.budget == top]
    agents = sorted(table.agent.unique())
    lines += ["| env | device | " + " | ".join(agents) + " |", "|---|---|" + "---|" * len(agents)]
    for (env, device), g in table.groupby(["env", "device"]):
        by = {r.agent: f"{_fmt(r.mean, r.ci_low, r.ci_high)} ({r.seeds})" for r in g.itertuples()}
        lines.append(f"| {env} | {device} | " + " | ".join(by.get(a, "-") for a in agents) + " |")
    if champion is not None and champion in set(frame.agent) and len(complete):
        poi = poi_table(frame, champion)
        lines += ["", *target_lines(frame, poi, champion)]
        lines += [
            "",
            f"## PoI of {champion} over each agent (hv_ratio, over tasks) [95 % CI]",
            "",
            "| checkpoint | other | P(better) | tasks |",
            "|---:|---|---|---:|",
        ]
        for r in poi.itertuples():
            lines.append(f"| {r.budget} | {r.other} | {_fmt(r.poi, r.ci_low, r.ci_high)} | {r.tasks} |")
    lines += [
        "",
        "Figures: `hv_ratio.png` (HV ratio per checkpoint), `fronts.png` (found fronts, seed 0, largest "
        "budget, beside the front). Data: `results.csv` (one row per cell and checkpoint), `per_task.csv` "
        "(hv_ratio mean and CI per task, agent and checkpoint).",
        "",
    ]
    return "\n".join(lines)


def write_report(results: Path, out: Path, champion: str | None = "mo-l2nas", extra_front: Path | None = None) -> Path:
    """Write ``report.md``, ``results.csv``, ``hv_ratio.png`` and ``fronts.png`` into ``out``."""
    study, frame, fronts = results_frame(results, extra_front)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "results.csv", index=False, float_format="%.6g")
    summary_tables(frame)[1].to_csv(out / "per_task.csv", index=False, float_format="%.6g")
    plot_hv_curves(frame, out / "hv_ratio.png")
    plot_fronts(results, fronts, int(frame.budget.max()), int(frame.seed.min()), out / "fronts.png")
    path = out / "report.md"
    path.write_text(markdown(study, frame, fronts, champion))
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m nas_gym.report.mo_report", description=__doc__.splitlines()[0])
    parser.add_argument("results", help="the --out folder of a MO study")
    parser.add_argument("--out", required=True, help="report folder (report.md, results.csv, PNGs)")
    parser.add_argument("--champion", default="mo-l2nas", help="agent whose PoI over the others is tabled")
    parser.add_argument("--best-known", default=None, help="CSV (accuracy, neg_latency_ms) of long runs (OFA)")
    args = parser.parse_args(argv)
    best = Path(args.best_known) if args.best_known else None
    print(write_report(Path(args.results), Path(args.out), args.champion, best))


if __name__ == "__main__":
    main()
