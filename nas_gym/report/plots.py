"""The figures of a report, one set per protocol, each saved as PNG and PDF.

* ``best_so_far``: report accuracy of the best-by-signal architecture vs queries, mean and 95%
  bootstrap band over seeds, one panel per dataset;
* ``regret``: optimum minus that accuracy, symlog axis (0 = optimum found, so a pure log axis
  would drop every seed that found it);
* ``final``: the distribution over seeds at the largest budget;
* ``p_optimum``: fraction of seeds whose best-by-signal architecture is the report optimum;
* ``profiles``: rliable performance profiles at the largest budget.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from nas_gym.report.results import OPTIMUM_ATOL, CellRun
from nas_gym.report.stats import mean_band, performance_profile

PLOTS = ("best_so_far", "regret", "final", "p_optimum", "profiles")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _grouped(runs: list[CellRun]) -> dict[str, dict[str, list[CellRun]]]:
    """dataset -> agent label -> runs, in study order."""
    out: dict[str, dict[str, list[CellRun]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        out[run.dataset][run.cell.agent_label].append(run)
    return out


def _save(fig, folder: Path, stem: str) -> list[Path]:
    paths = [folder / f"{stem}.png", folder / f"{stem}.pdf"]
    fig.savefig(paths[0], dpi=80)
    fig.savefig(paths[1])
    _plt().close(fig)
    return paths


def _panels(n: int, title: str):
    plt = _plt()
    fig, axes = plt.subplots(1, n, figsize=(4.6 * n, 3.8), squeeze=False)
    fig.suptitle(title, fontsize=9)
    return fig, axes[0]


def protocol_plots(runs: list[CellRun], folder: Path, stem: str, subtitle: str, reps: int = 1000) -> list[Path]:
    """Every figure of one protocol's runs into ``folder`` as ``<stem>_<plot>.{png,pdf}``."""
    folder.mkdir(parents=True, exist_ok=True)
    groups = _grouped(runs)
    length = max(run.cell.budget for run in runs)
    kind = runs[0].budget_kind
    xlabel = "queries (unique architectures)" if kind == "unique" else "queries (env steps)"
    colors = {a: f"C{i}" for i, a in enumerate(dict.fromkeys(r.cell.agent_label for r in runs))}
    x = np.arange(1, length + 1)
    written: list[Path] = []

    curves = {
        ds: {a: np.stack([r.curve(length) for r in rs]) for a, rs in agents.items()} for ds, agents in groups.items()
    }
    optimum = {ds: next(iter(agents.values()))[0].optimum for ds, agents in groups.items()}
    metric = runs[0].summary["protocol"]["report"]

    fig, axes = _panels(len(groups), f"best-so-far {metric} (mean, 95% bootstrap CI over seeds); {subtitle}")
    for ax, (ds, agents) in zip(axes, curves.items(), strict=True):
        for agent, c in agents.items():
            mean, low, high = mean_band(c, reps=reps)
            ax.plot(x, mean, color=colors[agent], label=agent, lw=1.2)
            ax.fill_between(x, low, high, color=colors[agent], alpha=0.2, lw=0)
        ax.axhline(optimum[ds], color="k", ls=":", lw=0.8, label="optimum")
        finals = [np.nanmean(c[:, -1]) for c in agents.values()]
        ax.set_ylim(min(finals) - 1.5, optimum[ds] + 0.3)
        ax.set(title=ds, xlabel=xlabel, ylabel=f"{metric} accuracy (%)", xscale="log")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    written += _save(fig, folder, f"{stem}_best_so_far")

    fig, axes = _panels(len(groups), f"regret = optimum - {metric} of best-by-signal (mean, 95% CI); {subtitle}")
    for ax, (ds, agents) in zip(axes, curves.items(), strict=True):
        for agent, c in agents.items():
            mean, low, high = mean_band(optimum[ds] - c, reps=reps)
            ax.plot(x, mean, color=colors[agent], label=agent, lw=1.2)
            ax.fill_between(x, low, high, color=colors[agent], alpha=0.2, lw=0)
        ax.set(title=ds, xlabel=xlabel, ylabel="regret (accuracy points)", xscale="log")
        ax.set_yscale("symlog", linthresh=0.01)
        ax.set_ylim(bottom=0.0)  # regret is never negative; keep symlog's empty lower half off the plot
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    written += _save(fig, folder, f"{stem}_regret")

    fig, axes = _panels(len(groups), f"{metric} after {length} queries, one dot per seed; {subtitle}")
    for ax, (ds, agents) in zip(axes, curves.items(), strict=True):
        names = list(agents)
        finals = [agents[a][:, -1] for a in names]
        ax.boxplot(finals, showfliers=False)
        ax.set_xticks(range(1, len(names) + 1), names, rotation=45, ha="right", fontsize=7)
        for i, (agent, values) in enumerate(zip(names, finals, strict=True), start=1):
            jitter = np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else np.zeros(1)
            ax.scatter(i + jitter, values, s=9, color=colors[agent], zorder=3)
        ax.axhline(optimum[ds], color="k", ls=":", lw=0.8)
        ax.set(title=ds, ylabel=f"{metric} accuracy (%)")
        ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    written += _save(fig, folder, f"{stem}_final")

    fig, axes = _panels(len(groups), f"P(best-by-signal architecture is the {metric} optimum); {subtitle}")
    for ax, (ds, agents) in zip(axes, curves.items(), strict=True):
        for agent, c in agents.items():
            ax.plot(x, (c >= optimum[ds] - OPTIMUM_ATOL).mean(axis=0), color=colors[agent], label=agent, lw=1.2)
        ax.set(title=ds, xlabel=xlabel, ylabel="fraction of seeds", xscale="log", ylim=(-0.03, 1.03))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    written += _save(fig, folder, f"{stem}_p_optimum")

    fig, axes = _panels(len(groups), f"performance profiles of {metric} after {length} queries (rliable); {subtitle}")
    for ax, (ds, agents) in zip(axes, curves.items(), strict=True):
        scores = {a: c[:, -1:] for a, c in agents.items()}
        everything = np.concatenate([s.ravel() for s in scores.values()])
        taus = np.linspace(np.nanmin(everything) - 0.05, optimum[ds], 80)
        for agent, (profile, ci) in performance_profile(scores, taus, reps=reps).items():
            ax.plot(taus, profile, color=colors[agent], label=agent, lw=1.2)
            ax.fill_between(taus, ci[0], ci[1], color=colors[agent], alpha=0.2, lw=0)
        ax.set(title=ds, xlabel=f"{metric} accuracy τ (%)", ylabel="fraction of runs with score > τ")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    written += _save(fig, folder, f"{stem}_profiles")
    return written
