"""Markdown tables of a study: per protocol, agent x budget rows and per-dataset columns.

Each dataset gets three columns: ours as mean ± std over seeds, ours as IQM [95% CI], and the
published number of the same agent under the same kind of protocol, copied from its paper and
marked with the source key (never a number we produced).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nas_gym.report.published import PUBLISHED_OPTIMUM, SOURCES, lookup
from nas_gym.report.stats import iqm_with_ci

BUDGET_KINDS = {
    "steps": "every query counts, repeated architectures included",
    "unique": "only architectures new to the search count",
}


def caption(frame: pd.DataFrame, reps: int) -> str:
    """The protocol of one table: signal, report metric, budget kind, seeds, statistics."""
    row = frame.iloc[0]
    signal = f"`{row.signal}`" + (
        " (a **test-set** metric: the paper's protocol, optimistic)"
        if row.signal_is_test_set
        else " (not a test metric)"
    )
    seeds = frame.groupby(["agent", "dataset", "budget"]).seed.nunique()
    n = f"{seeds.min()}" if seeds.min() == seeds.max() else f"{seeds.min()}-{seeds.max()}"
    return (
        f"Protocol `{row.protocol}`: search signal {signal}; reported metric `{row.report_metric}` of the "
        f"best-by-signal architecture; budget kind `{row.budget_kind}` ({BUDGET_KINDS.get(row.budget_kind, '')}); "
        f"{n} seeds per cell. Ours: mean ± std over seeds, and the IQM (rliable) with a 95% stratified "
        f"bootstrap CI ({reps} resamples). Columns marked *copied* hold published numbers from the papers "
        "(sources below the table), not re-run here."
    )


def protocol_table(
    frame: pd.DataFrame,
    reps: int = 2000,
    agents: list[str] | None = None,
    seeds: int | None = None,
    caps: dict[str, int] | None = None,
) -> str:
    """The markdown table (caption first, sources after) for one protocol's rows of the tidy frame.

    ``agents`` (the study's labels) adds a row for agents without any finished cell yet, and
    ``seeds`` (the study's seed count) marks a mean over fewer seeds with ``(n/seeds seeds)``:
    a half-finished study says so in the table instead of averaging fewer seeds silently.
    ``caps`` (label -> queries its cells ran) marks checkpoints above an agent's cap as
    ``cut (cap N)``, neither unfinished nor the value at the cap.
    """
    datasets = list(dict.fromkeys(frame.dataset))
    agents = list(dict.fromkeys([*(agents or []), *frame.agent]))
    budgets = sorted(frame.budget.unique())
    signal_is_test = bool(frame.signal_is_test_set.iloc[0])
    iqm: dict[tuple[str, int], dict[str, tuple[float, float, float]]] = {}
    for (dataset, budget), group in frame.groupby(["dataset", "budget"]):
        scores = {a: g.best_report_acc.to_numpy()[:, None] for a, g in group.groupby("agent")}
        iqm[(dataset, budget)] = iqm_with_ci(scores, reps=reps)

    header = ["agent", "budget"]
    for dataset in datasets:
        header += [f"{dataset} mean ± std", f"{dataset} IQM [95% CI]", f"{dataset} published (*copied*)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    used_sources: list[str] = []
    for agent in agents:
        if not (frame.agent == agent).any():
            lines.append("| " + " | ".join([agent, "all", *["unfinished", "–", "–"] * len(datasets)]) + " |")
            continue
        agent_name = frame.loc[frame.agent == agent, "agent_name"].iloc[0]
        for budget in budgets:
            cells = [agent, str(budget)]
            cap = (caps or {}).get(agent)
            if cap is not None and budget > cap:
                lines.append("| " + " | ".join([*cells, *[f"cut (cap {cap})", "–", "–"] * len(datasets)]) + " |")
                continue
            for dataset in datasets:
                values = frame.loc[
                    (frame.agent == agent) & (frame.dataset == dataset) & (frame.budget == budget), "best_report_acc"
                ].to_numpy()
                if len(values) == 0:
                    cells += ["unfinished" if seeds else "–", "–", "–"]
                    continue
                std = np.std(values, ddof=1) if len(values) > 1 else 0.0
                point, low, high = iqm[(dataset, budget)][agent]
                partial = f" ({len(values)}/{seeds} seeds)" if seeds and len(values) < seeds else ""
                cells += [f"{values.mean():.2f} ± {std:.2f}{partial}", f"{point:.2f} [{low:.2f}, {high:.2f}]"]
                published = lookup(agent_name, dataset, signal_is_test, int(budget))
                if published is None:
                    cells.append("–")
                else:
                    cells.append(f"{published.mean:.2f} ± {published.std:.2f} [{published.source}]")
                    if published.source not in used_sources:
                        used_sources.append(published.source)
            lines.append("| " + " | ".join(cells) + " |")
    optimum_cells = ["optimum (from the data)", "–"]
    for dataset in datasets:
        ours = float(frame.loc[frame.dataset == dataset, "report_optimum"].iloc[0])
        copied = PUBLISHED_OPTIMUM.get(dataset)
        shown = f"{ours:.2f}" if np.isfinite(ours) else "unknown (surrogate)"
        optimum_cells += [shown, "–", f"{copied:.2f} [L2NAS-T1]" if copied is not None else "–"]
    if any(d in PUBLISHED_OPTIMUM for d in datasets) and "L2NAS-T1" not in used_sources:
        used_sources.append("L2NAS-T1")
    lines.append("| " + " | ".join(optimum_cells) + " |")
    notes = [f"- [{key}] {SOURCES[key]}" for key in used_sources]
    return "\n".join([f"*{caption(frame, reps)}*", "", *lines, "", *notes])
