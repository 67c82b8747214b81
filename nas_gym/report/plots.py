"""The figures of a report, one set per protocol, each saved as PNG and PDF.

* ``best_so_far``: report accuracy of the best-by-signal architecture vs queries, mean and 95%
  bootstrap band over seeds, one panel per dataset;
* ``regret``: optimum minus that accuracy, symlog axis (0 = optimum found, so a pure log axis
  would drop every seed that found it);
* ``final``: the distribution over seeds at the largest budget (agents capped below it are left out);
* ``p_optimum``: fraction of seeds whose best-by-signal architecture is the report optimum;
* ``profiles``: rliable performance profiles at the largest budget.

``regret`` and ``p_optimum`` need the report optimum; spaces without one (DARTS, OFA: a
surrogate or predictor with unknown maximum) get the other three figures only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
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
        out[run.dataset][run.study_cell.agent_label].append(run)
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


@dataclass
class _Panels:
    """What every figure of one protocol shares: curves per dataset and agent, axes labels."""

    curves: dict[str, dict[str, np.ndarray]]  # dataset -> agent -> (seeds, queries)
    optimum: dict[str, float]
    colors: dict[str, str]
    x: np.ndarray
    xlabel: str
    metric: str
    subtitle: str
    reps: int

    def figure(self, title: str):
        return _panels(len(self.curves), f"{title}; {self.subtitle}")


def _reached(curves: np.ndarray) -> int:
    """Queries up to which some seed of ``curves`` has a value: an agent capped by its study
    ``budget`` stops there, so its lines end at the cap instead of dropping to NaN or zero."""
    finite = np.isfinite(curves).any(axis=0)
    return int(finite.size - np.argmax(finite[::-1])) if finite.any() else 0


def _full_length(agents: dict[str, np.ndarray], length: int) -> dict[str, np.ndarray]:
    """The agents whose runs reached the largest budget (capped agents are left out of end-of-run plots)."""
    return {a: c for a, c in agents.items() if _reached(c) == length}


def _best_so_far(p: _Panels):
    fig, axes = p.figure(f"best-so-far {p.metric} (mean, 95% bootstrap CI over seeds)")
    for ax, (ds, agents) in zip(axes, p.curves.items(), strict=True):
        for agent, c in agents.items():
            n = _reached(c)
            mean, low, high = mean_band(c[:, :n], reps=p.reps)
            ax.plot(p.x[:n], mean, color=p.colors[agent], label=agent, lw=1.2)
            ax.fill_between(p.x[:n], low, high, color=p.colors[agent], alpha=0.2, lw=0)
        finals = [np.nanmean(c[:, _reached(c) - 1]) for c in agents.values()]
        top = max(finals) + 0.3
        if np.isfinite(p.optimum[ds]):
            ax.axhline(p.optimum[ds], color="k", ls=":", lw=0.8, label="optimum")
            top = p.optimum[ds] + 0.3
        ax.set_ylim(min(finals) - 1.5, top)
        ax.set(title=ds, xlabel=p.xlabel, ylabel=f"{p.metric} accuracy (%)", xscale="log")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="lower right")
    return fig


def _regret(p: _Panels):
    fig, axes = p.figure(f"regret = optimum - {p.metric} of best-by-signal (mean, 95% CI)")
    for ax, (ds, agents) in zip(axes, p.curves.items(), strict=True):
        for agent, c in agents.items():
            n = _reached(c)
            mean, low, high = mean_band(p.optimum[ds] - c[:, :n], reps=p.reps)
            ax.plot(p.x[:n], mean, color=p.colors[agent], label=agent, lw=1.2)
            ax.fill_between(p.x[:n], low, high, color=p.colors[agent], alpha=0.2, lw=0)
        ax.set(title=ds, xlabel=p.xlabel, ylabel="regret (accuracy points)", xscale="log")
        ax.set_yscale("symlog", linthresh=0.01)
        ax.set_ylim(bottom=0.0)  # regret is never negative; keep symlog's empty lower half off the plot
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    return fig


def _final(p: _Panels):
    fig, axes = p.figure(f"{p.metric} after {len(p.x)} queries, one dot per seed")
    for ax, (ds, every) in zip(axes, p.curves.items(), strict=True):
        agents = _full_length(every, len(p.x))
        names = list(agents)
        finals = [agents[a][:, -1] for a in names]
        ax.boxplot(finals, showfliers=False)
        ax.set_xticks(range(1, len(names) + 1), names, rotation=45, ha="right", fontsize=7)
        for i, (agent, values) in enumerate(zip(names, finals, strict=True), start=1):
            jitter = np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else np.zeros(1)
            ax.scatter(i + jitter, values, s=9, color=p.colors[agent], zorder=3)
        if np.isfinite(p.optimum[ds]):
            ax.axhline(p.optimum[ds], color="k", ls=":", lw=0.8)
        ax.set(title=ds, ylabel=f"{p.metric} accuracy (%)")
        ax.grid(alpha=0.3, axis="y")
    return fig


def _p_optimum(p: _Panels):
    fig, axes = p.figure(f"P(best-by-signal architecture is the {p.metric} optimum)")
    for ax, (ds, agents) in zip(axes, p.curves.items(), strict=True):
        for agent, c in agents.items():
            n = _reached(c)
            hits = (c[:, :n] >= p.optimum[ds] - OPTIMUM_ATOL).mean(axis=0)
            ax.plot(p.x[:n], hits, color=p.colors[agent], label=agent, lw=1.2)
        ax.set(title=ds, xlabel=p.xlabel, ylabel="fraction of seeds", xscale="log", ylim=(-0.03, 1.03))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="upper left")
    return fig


def _profiles(p: _Panels):
    fig, axes = p.figure(f"performance profiles of {p.metric} after {len(p.x)} queries (rliable)")
    for ax, (ds, agents) in zip(axes, p.curves.items(), strict=True):
        scores = {a: c[:, -1:] for a, c in _full_length(agents, len(p.x)).items()}
        everything = np.concatenate([s.ravel() for s in scores.values()])
        top = p.optimum[ds] if np.isfinite(p.optimum[ds]) else np.nanmax(everything)
        taus = np.linspace(np.nanmin(everything) - 0.05, top, 80)
        for agent, (profile, ci) in performance_profile(scores, taus, reps=p.reps).items():
            ax.plot(taus, profile, color=p.colors[agent], label=agent, lw=1.2)
            ax.fill_between(taus, ci[0], ci[1], color=p.colors[agent], alpha=0.2, lw=0)
        ax.set(title=ds, xlabel=f"{p.metric} accuracy τ (%)", ylabel="fraction of runs with score > τ")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="lower left")
    return fig


FIGURES = {
    "best_so_far": _best_so_far,
    "regret": _regret,
    "final": _final,
    "p_optimum": _p_optimum,
    "profiles": _profiles,
}
NEEDS_OPTIMUM = ("regret", "p_optimum")


def protocol_plots(runs: list[CellRun], folder: Path, stem: str, subtitle: str, reps: int = 1000) -> list[Path]:
    """Every figure of one protocol's runs into ``folder`` as ``<stem>_<plot>.{png,pdf}``."""
    folder.mkdir(parents=True, exist_ok=True)
    groups = _grouped(runs)
    length = max(run.study_cell.budget for run in runs)
    kind = runs[0].budget_kind
    panels = _Panels(
        curves={ds: {a: np.stack([r.curve(length) for r in rs]) for a, rs in ag.items()} for ds, ag in groups.items()},
        optimum={ds: next(iter(ag.values()))[0].optimum for ds, ag in groups.items()},
        colors={a: f"C{i}" for i, a in enumerate(dict.fromkeys(r.study_cell.agent_label for r in runs))},
        x=np.arange(1, length + 1),
        xlabel="queries (unique architectures)" if kind == "unique" else "queries (env steps)",
        metric=runs[0].summary["protocol"]["report"],
        subtitle=subtitle,
        reps=reps,
    )
    known_optimum = all(np.isfinite(v) for v in panels.optimum.values())
    written: list[Path] = []
    for name in PLOTS:
        if name in NEEDS_OPTIMUM and not known_optimum:
            continue
        fig = FIGURES[name](panels)
        fig.tight_layout()
        written += _save(fig, folder, f"{stem}_{name}")
    return written
