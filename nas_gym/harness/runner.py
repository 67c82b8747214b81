"""Run a study: decide which cells are left, run them on a backend, commit each as it lands."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from nas_gym.harness.backends import BACKENDS, default_workers, run_local, run_ray
from nas_gym.harness.spec import Cell, Study
from nas_gym.harness.store import ResultStore
from nas_gym.harness.transfer import TransferStudy
from nas_gym.harness.transfer_run import transfer_stages
from nas_gym.locks import exclusive


class StudyOutputError(ValueError):
    """``OUT`` cannot take the study (a file, or not writable); the message names the fix."""


class StudyOutputExists(StudyOutputError):
    """``OUT`` already holds a study and ``--resume`` was not given."""


LOCK_FILE = ".nas-gym.lock"


def _prepare_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise StudyOutputError(f"--out {out} is a file, not a folder; choose a folder for the study's results")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StudyOutputError(f"cannot create --out {out} ({err.strerror}); choose a writable folder") from None


def stages(study: Study, todo: list[Cell], store: ResultStore) -> Iterator[tuple[list[Cell], Any]]:
    """The pending cells ``todo`` in groups that run one after the other, each with how its cells
    run (``None``: the agent's own search). A plain study is one group; a transfer study first runs
    the pretraining whose models its fine-tuning cells load from ``store``."""
    if isinstance(study, TransferStudy):
        yield from transfer_stages(study, todo, store)
    else:
        yield list(todo), None


@dataclass
class StudyRun:
    """What one ``nas-gym bench`` invocation did."""

    skipped: int = 0  # finished before this invocation
    completed: list[Cell] = field(default_factory=list)
    failed: list[tuple[Cell, str]] = field(default_factory=list)
    redone: list[tuple[Cell, str]] = field(default_factory=list)  # existing but corrupt/stale/unfinished


def run_study(
    study: Study,
    out: str | Path,
    backend: str = "local",
    workers: int | None = None,
    resume: bool = False,
    address: str | None = None,
    cache: str | None = None,
    console: Console | None = None,
) -> StudyRun:
    """Run every unfinished cell of ``study`` into ``out``; finished cells are never touched.

    Without ``resume``, ``out`` must not hold a study yet (so two studies never mix silently).
    Each finished cell is committed at once, so a kill at any moment loses at most the cells
    that were running; ``resume=True`` then redoes exactly those. ``out`` is locked for the whole
    run: a second process on the same ``out`` stops at once with the pid of the first
    (:class:`~nas_gym.locks.LockHeldError`) instead of running every cell again beside it.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    out = Path(out)
    _prepare_out(out)
    with exclusive(out / LOCK_FILE, f"results folder {out}"):
        return _run_locked(study, out, backend, workers, resume, address, cache, console or Console())


def _run_locked(
    study: Study, out: Path, backend: str, workers: int | None, resume: bool, address: str | None, cache, console
) -> StudyRun:
    store = ResultStore(out)
    if store.has_study() and not resume:
        raise StudyOutputExists(f"{out} already holds a study; pass --resume to continue it, or choose a new --out")
    store.save_study(study)
    store.clean_scratch()
    todo = store.pending(study)
    total = sum(1 for _ in study.cells())
    result = StudyRun(skipped=total - len(todo))
    result.redone = [(cell, why) for cell, why in todo if why != "not run"]
    for cell, why in result.redone:
        console.print(f"[yellow]redoing {cell.relpath}: {why}[/yellow]")
    if not todo:
        console.print(f"all {total} cells of {study.name!r} are finished in {out}")
        return result
    workers = workers or default_workers()
    progress = Progress(
        TextColumn(f"[bold]{study.name}[/] cells"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )
    with progress:
        task = progress.add_task("cells", total=total, completed=result.skipped, last="")
        # A stage starts once the previous one is committed (a transfer study's fine-tuning
        # cells load the models its pretraining cells saved).
        for cells, execute in stages(study, [cell for cell, _ in todo], store):
            if backend == "local":
                outcomes = run_local(cells, cache, workers, execute)
            else:
                outcomes = run_ray(cells, cache, workers, address, execute)
            for cell, outcome in outcomes:
                if isinstance(outcome, BaseException):
                    result.failed.append((cell, f"{type(outcome).__name__}: {outcome}"))
                    message = f"cell {cell.relpath} failed: {type(outcome).__name__}: {outcome}"
                    console.print(message, style="red", markup=False, highlight=False)
                else:
                    store.commit(cell, outcome)
                    result.completed.append(cell)
                progress.update(task, advance=1, last=str(cell.relpath))
    return result
