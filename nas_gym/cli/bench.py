"""``nas-gym bench`` (run a study), ``nas-gym report`` (tables and plots), ``nas-gym transfer``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from nas_gym.cli.errors import user_errors

console = Console()


def bench(
    study: str = typer.Argument(..., help="study YAML file, or a bundled study: smoke, nb201-reduced, nb201-paper"),
    out: Path = typer.Option(..., "--out", help="results folder (one sub-folder per cell)"),
    backend: str = typer.Option("local", "--backend", help="local (process pool) or ray"),
    workers: int | None = typer.Option(None, "--workers", help="parallel cells (default: the CPU cores)"),
    resume: bool = typer.Option(False, "--resume", help="continue OUT: skip finished cells, redo the rest"),
    address: str | None = typer.Option(None, "--address", help="Ray cluster to join (default: start a local Ray)"),
    cache: Path | None = typer.Option(None, "--cache", help="data cache folder (default: $NAS_GYM_DATA or user cache)"),
) -> None:
    """Run every (agent, env, protocol, seed) cell of STUDY into OUT; resumable with --resume."""
    from nas_gym.harness import check_envs, load_study, run_study
    from nas_gym.harness.backends import BACKENDS
    from nas_gym.harness.runner import StudyOutputError
    from nas_gym.harness.study import resolve_study_path

    if backend not in BACKENDS:
        raise typer.BadParameter(
            f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}", param_hint="--backend"
        )
    if workers is not None and workers < 1:
        raise typer.BadParameter(f"--workers must be >= 1, got {workers}", param_hint="--workers")
    if backend == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise typer.BadParameter(
                "the ray backend needs Ray: pip install 'nas-gym[ray]'", param_hint="--backend"
            ) from None
    with user_errors(StudyOutputError):
        spec = load_study(resolve_study_path(study))
        check_envs(spec, str(cache) if cache else None)
        try:
            run = run_study(spec, out, backend, workers, resume, address, str(cache) if cache else None, console)
        except KeyboardInterrupt:
            console.print(f"[yellow]interrupted; finished cells are kept. Continue with --resume --out {out}[/yellow]")
            raise typer.Exit(130) from None
    console.print(
        f"{len(run.completed)} cells run, {run.skipped} already finished, {len(run.failed)} failed -> {out}",
        soft_wrap=True,
    )
    if run.failed:
        raise typer.Exit(1)


def report(
    results: Path = typer.Argument(..., help="results folder written by nas-gym bench"),
    out: Path | None = typer.Option(None, "--out", help="where report.md, results.csv and plots go (default: RESULTS)"),
    reps: int = typer.Option(2000, "--reps", help="bootstrap resamples of the 95% CIs"),
) -> None:
    """Tidy results.csv, markdown tables (mean ± std, IQM [95% CI], copied published numbers) and plots."""
    from nas_gym.report import write_report

    try:
        files = write_report(results, out or results, reps=reps)
    except (FileNotFoundError, ValueError) as err:
        console.print(f"[red]{err}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    for path in files:
        console.print(f"wrote {path}", soft_wrap=True)


def transfer(
    source: str = typer.Option("NB201-cifar10-v0", "--source", help="env id to pretrain on"),
    targets: list[str] = typer.Option(
        ["NB201-cifar100-v0", "NB201-ImageNet16-120-v0"], "--target", help="env id(s) to fine-tune on"
    ),
    preset: str = typer.Option("paper", "--preset", help="L2NAS preset: paper or improved"),
    pretrain_steps: int = typer.Option(1000, "--pretrain-steps", help="steps of the pretraining search on SOURCE"),
    steps: int = typer.Option(1000, "--steps", help="steps of each fine-tune / from-scratch search on a target"),
    seeds: int = typer.Option(10, "--seeds", help="fine-tune and scratch seeds per target"),
    signal: str = typer.Option("test200", "--signal", help="search signal (the paper: test200; honest: val12)"),
    warmup: int = typer.Option(500, "--warmup", help="uniform random steps before the policy acts (the paper's W)"),
    out: Path = typer.Option(..., "--out", help="folder for the pretrained model, the runs, transfer.md and plots"),
    workers: int | None = typer.Option(None, "--workers", help="parallel runs (default: the CPU cores)"),
    cache: Path | None = typer.Option(None, "--cache", help="data cache folder"),
) -> None:
    """Pretrain L2NAS on SOURCE with the transfer reward (Eq. 7), fine-tune it on each TARGET, compare with scratch."""
    from nas_gym.harness.transfer import TransferConfig, run_transfer

    try:
        config = TransferConfig(source, tuple(targets), preset, pretrain_steps, steps, seeds, signal, warmup)
        files = run_transfer(config, out, workers, str(cache) if cache else None, console)
    except ValueError as err:
        console.print(f"[red]{err}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    for path in files:
        console.print(f"wrote {path}", soft_wrap=True)
