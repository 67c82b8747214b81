"""``nas-gym bench`` (run a study), ``report`` (tables and plots), ``leaderboard``, ``transfer``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from nas_gym.cli.errors import user_errors
from nas_gym.harness.study import bundled_studies

console = Console()

BackendOpt = typer.Option("local", "--backend", help="local (process pool) or ray")
WorkersOpt = typer.Option(None, "--workers", help="parallel cells (default: the CPU cores)")
# metavar "": typer's rich help would show a plain flag as `--resume <bool>`
ResumeOpt = typer.Option(False, "--resume", help="continue OUT: skip finished cells, redo the rest", metavar="")
AddressOpt = typer.Option(None, "--address", help="Ray cluster to join (default: start a local Ray)")


def bench(
    study: str = typer.Argument(..., help=f"study YAML file, or a bundled study: {', '.join(bundled_studies())}"),
    out: Path = typer.Option(..., "--out", help="results folder (one sub-folder per cell)"),
    backend: str = BackendOpt,
    workers: int | None = WorkersOpt,
    resume: bool = ResumeOpt,
    address: str | None = AddressOpt,
    cache: Path | None = typer.Option(None, "--cache", help="data cache folder (default: $NAS_GYM_DATA or user cache)"),
) -> None:
    """Run every (agent, env, protocol, seed) cell of STUDY into OUT; resumable with --resume."""
    from nas_gym.harness import load_study
    from nas_gym.harness.study import resolve_study_path

    check_backend(backend, workers)
    with user_errors():
        spec = load_study(resolve_study_path(study))
    run_checked(spec, out, backend, workers, resume, address, cache)


def check_backend(backend: str, workers: int | None) -> None:
    """Refuse an unknown backend, a Ray backend without Ray, or fewer than one worker."""
    from nas_gym.harness.backends import BACKENDS

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


def run_checked(
    spec, out: Path, backend: str, workers: int | None, resume: bool, address: str | None, cache: Path | None
) -> None:
    """Check the envs of study ``spec``, then run it into ``out`` (``bench`` and ``transfer``)."""
    from nas_gym.harness import check_envs, run_study

    with user_errors():  # a bad study, a foreign --out, a busy lock: one line each
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
    study: str | None = typer.Option(
        None,
        "--study",
        help="report by this study (YAML or bundled name) instead of RESULTS/study.yaml, "
        "e.g. when RESULTS was filled part by part with partial study files",
    ),
) -> None:
    """Tidy results.csv, markdown tables (mean ± std, IQM [95% CI], copied published numbers) and plots."""
    from nas_gym.harness.study import resolve_study_path
    from nas_gym.report import write_report

    if (results / "mo-study.json").exists():  # a multi-objective study (nas-gym mo-bench)
        from nas_gym.cli.mo import mo_report

        return mo_report(results, out or results)
    try:
        study_file = resolve_study_path(study) if study else None
        files = write_report(results, out or results, reps=reps, study_file=study_file)
    except (FileNotFoundError, ValueError) as err:
        console.print(f"[red]{err}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    for path in files:
        console.print(f"wrote {path}", soft_wrap=True)


def leaderboard(
    results: list[Path] = typer.Argument(..., help="results.csv files written by nas-gym report (one per study)"),
    out: Path = typer.Option(..., "--out", help="markdown file to write (e.g. docs/results/leaderboard.md)"),
    reps: int = typer.Option(2000, "--reps", help="bootstrap resamples of the descriptive 95% CIs"),
) -> None:
    """Cross-space leaderboard of several studies: mean ranks on cells every ranked agent finished with
    every seed, wins/losses of exact paired tests (Benjamini-Hochberg), and each agent's coverage
    (fewer seeds, unfinished, cut by its study budget cap, not run)."""
    from nas_gym.report.leaderboard import write_leaderboard

    if reps < 1:
        raise typer.BadParameter(f"--reps must be >= 1, got {reps}", param_hint="--reps")
    try:
        path = write_leaderboard(list(results), out, reps=reps)
    except (FileNotFoundError, ValueError, KeyError) as err:
        console.print(f"[red]{err}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(f"wrote {path}", soft_wrap=True)


def transfer(
    source: str = typer.Option("NB201-cifar10-v0", "--source", help="env id to pretrain on"),
    targets: list[str] = typer.Option(
        ["NB201-cifar100-v0", "NB201-ImageNet16-120-v0"], "--target", help="env id(s) to fine-tune on"
    ),
    preset: str = typer.Option("paper", "--preset", help="L2NAS preset of every arm (paper, improved, ...)"),
    pretrain_steps: int = typer.Option(1000, "--pretrain-steps", help="steps of the pretraining search on SOURCE"),
    pretrain_seed: int = typer.Option(0, "--pretrain-seed", help="seed of the pretraining search"),
    steps: int = typer.Option(1000, "--steps", help="steps of each fine-tune / from-scratch search on a target"),
    seeds: int = typer.Option(10, "--seeds", help="fine-tune and scratch seeds per target (seeds 0..N-1)"),
    signal: str = typer.Option("test200", "--signal", help="search signal (the paper: test200; honest: val12)"),
    warmup: int = typer.Option(500, "--warmup", help="uniform random steps before the policy acts (the paper's W)"),
    out: Path = typer.Option(..., "--out", help="results folder: the transfer study's cells, transfer.md and plots"),
    backend: str = BackendOpt,
    workers: int | None = WorkersOpt,
    resume: bool = ResumeOpt,
    address: str | None = AddressOpt,
    cache: Path | None = typer.Option(None, "--cache", help="data cache folder"),
) -> None:
    """Pretrain L2NAS on SOURCE with the transfer reward (Eq. 7), fine-tune it on each TARGET, compare with scratch.

    Runs the transfer study these flags describe (as `nas-gym bench` would run its YAML, saved in
    OUT/study.yaml), then writes its report. With --resume, changed flags redo exactly the cells
    they change."""
    from nas_gym.harness.transfer import parse_transfer_study, transfer_study_yaml
    from nas_gym.report import write_report

    settings = {
        "source": source,
        "targets": list(targets),
        "preset": preset,
        "signal": signal,
        "pretrain_steps": pretrain_steps,
        "pretrain_seed": pretrain_seed,
        "steps": steps,
        "warmup": warmup,
    }
    check_backend(backend, workers)
    text = transfer_study_yaml("transfer", seeds, "generated by nas-gym transfer", **settings)
    with user_errors():
        spec = parse_transfer_study(text, "<nas-gym transfer flags>")
    run_checked(spec, out, backend, workers, resume, address, cache)
    for path in write_report(out, out):
        console.print(f"wrote {path}", soft_wrap=True)
