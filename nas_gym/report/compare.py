"""Head-to-head tables of one protocol: P(agent beats the best baseline) and unfinished cells.

The *best baseline* of a (dataset, budget) is the agent with the highest mean report accuracy
among the baselines, i.e. every agent that is not an L2NAS agent (the method under study).
rliable's probability of improvement P(X > Y) says how often one seed of X ends above one seed
of Y (0.5 = no difference); its 95% CI comes from a seeded two-sample stratified bootstrap.
"""

from __future__ import annotations

import pandas as pd

from nas_gym.report.stats import poi_with_ci

METHOD_AGENTS = ("l2nas", "l2nas-paper")
"""Agent names (``agent_name``) of the method under study; every other agent is a baseline."""


def best_baseline(group: pd.DataFrame) -> str | None:
    """Label of the baseline with the highest mean ``best_report_acc`` in ``group`` (one cell)."""
    baselines = group[~group.agent_name.isin(METHOD_AGENTS)]
    if baselines.empty:
        return None
    means = baselines.groupby("agent", sort=False).best_report_acc.mean()
    return str(means.idxmax())


def poi_table(frame: pd.DataFrame, reps: int = 2000) -> str:
    """P(agent > best baseline) [95% CI] at every dataset and budget of one protocol's rows."""
    datasets = list(dict.fromkeys(frame.dataset))
    agents = list(dict.fromkeys(frame.agent))
    budgets = sorted(frame.budget.unique())
    header = ["agent", "budget", *datasets]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    cells: dict[tuple[str, int, str], str] = {}
    for budget in budgets:
        for dataset in datasets:
            group = frame[(frame.dataset == dataset) & (frame.budget == budget)]
            best = best_baseline(group)
            if best is None:
                continue
            ref = group.loc[group.agent == best, "best_report_acc"].to_numpy()[:, None]
            for agent, g in group.groupby("agent", sort=False):
                if agent == best:
                    cells[(agent, budget, dataset)] = "*(best baseline)*"
                    continue
                p, low, high = poi_with_ci(g.best_report_acc.to_numpy()[:, None], ref, reps=reps)
                cells[(agent, budget, dataset)] = f"{p:.2f} [{low:.2f}, {high:.2f}]"
    caps = frame.groupby("agent").agent_budget.max()
    for agent in agents:
        for budget in budgets:
            if budget > caps[agent]:  # the agent's study entry capped its cells below this checkpoint
                lines.append("| " + " | ".join([agent, str(budget), *["cut"] * len(datasets)]) + " |")
                continue
            row = [agent, str(budget)] + [cells.get((agent, budget, d), "–") for d in datasets]
            lines.append("| " + " | ".join(row) + " |")
    caption = (
        "*Probability of improvement P(agent > best baseline) (rliable; 0.5 = no difference), with a 95% "
        f"two-sample stratified bootstrap CI ({reps} resamples), on the reported metric of the best-by-signal "
        "architecture. The best baseline of each (dataset, budget) is the non-L2NAS agent with the highest mean "
        "among those that ran that budget (`cut`: the agent's study entry capped it below).*"
    )
    return "\n".join([caption, "", *lines])


def unfinished_lines(missing_by_agent: dict[tuple[str, str, str], int], total: dict[tuple[str, str, str], int]) -> str:
    """Markdown list of (protocol, env, agent) groups with unfinished seeds."""
    lines = []
    for key in sorted(missing_by_agent):
        protocol, env, agent = key
        done = total[key] - missing_by_agent[key]
        lines.append(f"- `{protocol}` / `{env}` / `{agent}`: {done}/{total[key]} seeds finished")
    return "\n".join(lines)
