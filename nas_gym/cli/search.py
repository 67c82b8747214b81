"""``nas-gym search``: one architecture search by any agent, logged identically for every agent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from nas_gym.agents.registry import AGENTS
from nas_gym.cli.errors import user_errors
from nas_gym.search_log import QueryRecord

console = Console()


def _number_or(loaded: Any, text: str) -> Any:
    """YAML 1.1 reads ``1e-4`` (no dot) as a string; on a command line it is the number."""
    if isinstance(loaded, str):
        try:
            return float(text)
        except ValueError:
            pass
    return loaded


def parse_kwargs(pairs: list[str] | None, what: str) -> dict[str, Any]:
    """``["signal=test200", "top_k=32", "actor_lr=1e-4"]`` -> ``{"signal": "test200", "top_k": 32, "actor_lr": 0.0001}``
    (values parsed as YAML, numbers in exponent form too)."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{what} must look like key=value, got {pair!r}")
        try:
            out[key] = _number_or(yaml.safe_load(value), value)
        except yaml.YAMLError as err:
            raise typer.BadParameter(f"{what} {pair!r}: the value is not valid YAML ({err.problem})") from None
    return out


def search(
    agent: str = typer.Option(..., "--agent", help=f"one of {', '.join(AGENTS)} (agents/registry.py)"),
    env_id: str = typer.Option("NB201-cifar10-v0", "--env", help="any registered nas-gym env id"),
    budget: int = typer.Option(500, "--budget", help="queries (max_queries of the env; steps or unique per budget=)"),
    seed: int = typer.Option(0, "--seed"),
    out: Path = typer.Option(..., "--out", help="run folder for queries.csv, summary.json, best_so_far.png"),
    env_kwargs: list[str] | None = typer.Option(None, "--env-kwargs", help="env kwargs, e.g. signal=test200"),
    more_env_kwargs: list[str] | None = typer.Argument(
        None, help="more key=value env kwargs, so that `--env-kwargs signal=test200 budget=unique` works"
    ),
    hyperparams: list[str] | None = typer.Option(
        None, "--hyperparams", help="agent overrides, one key=value per flag, e.g. --hyperparams actor_lr=1e-4"
    ),
    cache: Path | None = typer.Option(None, "--cache", help="data cache folder (default: $NAS_GYM_DATA or user cache)"),
    force: bool = typer.Option(
        False, "--force", help="replace a previous run in OUT, or write beside other files (never deletes them)"
    ),
) -> None:
    """Run one search and write its per-query log, summary and best-so-far plot to OUT."""
    import nas_gym
    from nas_gym.harness.cell import run_cell
    from nas_gym.harness.run_dir import check_run_dir

    if agent not in AGENTS:
        raise typer.BadParameter(f"unknown agent {agent!r}; choose one of {', '.join(AGENTS)}", param_hint="--agent")
    if env_id not in nas_gym.ENV_IDS:
        raise typer.BadParameter(
            f"unknown env {env_id!r} (not a nas-gym search env); choose one of {', '.join(nas_gym.ENV_IDS)}",
            param_hint="--env",
        )
    if budget < 1:
        raise typer.BadParameter(f"the budget must be >= 1 query, got {budget}", param_hint="--budget")
    kwargs = parse_kwargs([*(env_kwargs or []), *(more_env_kwargs or [])], "--env-kwargs")
    for key, flag in (("max_queries", "--budget"), ("cache", "--cache")):
        if key in kwargs:
            raise typer.BadParameter(f"set {key} with {flag}, not as an env kwarg", param_hint="--env-kwargs")
    overrides = parse_kwargs(hyperparams, "--hyperparams")
    by_unique = kwargs.get("budget") == "unique"
    progress = Progress(
        TextColumn("[bold]{task.fields[agent]}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[best]}"),
        TimeElapsedColumn(),
        console=console,
    )
    task = progress.add_task("search", total=budget, agent=agent, best="")

    def advance(r: QueryRecord) -> None:
        # The bar starts with the first query: every refusal (agent/env pair, env kwargs,
        # hyperparameters, data) happens before it, so a refused run prints only its one line.
        if not progress.live.is_started:
            progress.start()
        best = f"best: signal {r.best_signal_acc:.2f} | reported {r.best_report_acc:.2f}"
        progress.update(task, completed=r.unique if by_unique else r.step, best=best)

    if AGENTS[agent].uses_torch:
        import torch

        # The agents' MLPs are tiny: one thread beats several (and does not fight other jobs for cores).
        torch.set_num_threads(1)
    with user_errors():
        check_run_dir(out, force)
    try:
        with user_errors():
            summary = run_cell(
                agent, env_id, budget, seed, out, kwargs, overrides, cache, on_query=advance, overwrite=force
            )  # fmt: skip
    finally:
        progress.stop()
    result = json.loads((out / "summary.json").read_text())
    signal, report = summary["protocol"]["signal"], summary["protocol"]["report"]
    note = " [yellow](interrupted: partial run saved)[/yellow]" if summary["interrupted"] else ""
    if not result["feasible_found"]:
        console.print(f"no architecture met the env's constraints in {result['steps']} queries{note}", soft_wrap=True)
    else:
        reported = "not measured" if result["best_report_acc"] is None else f"{result['best_report_acc']:.2f}"
        shown = "" if report == signal else f"{report}={reported} "  # one metric: said once
        console.print(
            f"best by {signal}: {result['best_arch']}\n{signal}={result['best_signal_acc']:.2f} "
            f"{shown}after {result['steps']} queries "
            f"({result['unique_queries']} unique){note}",
            soft_wrap=True,
        )
    console.print(f"wrote {out}/queries.csv, summary.json, best_so_far.png", soft_wrap=True)
    if summary["interrupted"]:
        raise typer.Exit(130)
