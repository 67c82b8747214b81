"""``nas-gym mo-bench`` (run a multi-objective study) and ``mo-leaderboard``; ``nas-gym report`` of an
MO results folder is :func:`mo_report` (the ``report`` command sends it here)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def _study_path(study: str) -> Path:
    path = Path(study)
    if path.exists():
        return path
    bundled = Path(__file__).resolve().parents[1] / "studies" / "mo" / f"{study}.yaml"
    if bundled.exists():
        return bundled
    raise typer.BadParameter(f"{study}: no such study file or bundled MO study (mo-nb201, mo-ofa)", param_hint="STUDY")


def mo_bench(
    study: str = typer.Argument(..., help="MO study YAML file, or a bundled one: mo-nb201, mo-ofa"),
    out: Path = typer.Option(..., "--out", help="results folder (one CSV per cell)"),
    resume: bool = typer.Option(False, "--resume", help="continue OUT: skip finished cells", metavar=""),
    cache: Path | None = typer.Option(None, "--cache", help="data cache folder (default: $NAS_GYM_DATA or user cache)"),
) -> None:
    """Run a multi-objective study (MO agents x MO envs x latency devices x seeds), resumable, one process."""
    from nas_gym.harness.mo_study import MOStudyError, load_study, run_study

    try:
        ran = run_study(load_study(_study_path(study)), out, resume, str(cache) if cache else None, console)
    except MOStudyError as err:
        console.print(f"[red]{err}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(f"ran {ran} cells into {out}; report: nas-gym report {out} --out REPORT")


def mo_report(results: Path, out: Path, best_known: Path | None = None) -> None:
    """HV ratio and IGD per checkpoint with CIs, fronts beside the true one (``nas-gym report`` of an MO folder)."""
    from nas_gym.report.mo_report import write_report

    try:
        path = write_report(results, out, extra_front=best_known)
    except (FileNotFoundError, ValueError) as err:
        console.print(f"[red]{err}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(f"wrote {path}", soft_wrap=True)


def mo_leaderboard(
    results: list[Path] = typer.Argument(..., help="results.csv files of MO reports"),
    out: Path = typer.Option(..., "--out", help="markdown file to write (e.g. docs/results/mo-leaderboard.md)"),
    reps: int = typer.Option(2000, "--reps", help="bootstrap resamples of the 95% CIs"),
) -> None:
    """The multi-objective part of the leaderboard: agents ranked by HV ratio per env x device x checkpoint."""
    from nas_gym.report.mo_leaderboard import write_mo_leaderboard

    try:
        console.print(f"wrote {write_mo_leaderboard(list(results), out, reps)}")
    except (FileNotFoundError, ValueError, KeyError) as err:
        console.print(f"[red]{err}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
