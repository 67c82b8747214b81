"""Where cells run: a local process pool, or Ray tasks (a local Ray or an existing cluster).

Both backends call the same :func:`execute_cell` and hand the run's files back to the driver,
which alone writes the results folder. So the results do not depend on the backend (the
test suite checks this), and a Ray cluster needs no shared file system.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path

from nas_gym.harness.cell import RUN_FILES, run_cell
from nas_gym.harness.spec import Cell

BACKENDS = ("local", "ray")
Outcome = tuple[Cell, "dict[str, bytes] | BaseException"]
PARENT_POLL_S = 0.5
# How one cell runs: (cell, cache) -> the files it wrote. None means execute_cell (the agent's search).
Execute = Callable[[Cell, "str | None"], "dict[str, bytes]"] | None


def init_worker() -> None:
    """One intra-op thread per worker: cells run in parallel already, and torch's default of
    one thread per core makes concurrent cells fight (about 15x slower on 2 cores)."""
    import torch

    torch.set_num_threads(1)


def pool_worker_init(driver: int) -> None:
    """Initializer of a pool worker: :func:`init_worker`, and exit when the driver dies.

    A driver killed with ``kill -9`` cannot stop its pool, and a spawned worker would finish
    (or hang in) its cell for nothing. The worker polls its parent pid instead: once the driver is
    gone the worker is re-parented, and it exits at once (its cell was never committed). The
    driver's pid comes as an argument: the driver may die while the worker is still importing.
    """

    def watch() -> None:
        while os.getppid() == driver:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    # watch first: importing torch in init_worker takes seconds on a loaded machine
    threading.Thread(target=watch, name="nas-gym-parent-watch", daemon=True).start()
    init_worker()


def execute_cell(cell: Cell, cache: str | None) -> dict[str, bytes]:
    """Run ``cell`` in a private temporary folder and return the files it wrote."""
    init_worker()
    with tempfile.TemporaryDirectory(prefix="nas-gym-cell-") as tmp:
        out = Path(tmp) / "run"
        summary = run_cell(
            cell.agent, cell.env_id, cell.budget, cell.seed, out, cell.env_kwargs, cell.hyperparams, cache
        )
        if summary["interrupted"]:
            raise KeyboardInterrupt(f"cell {cell.relpath} was interrupted")
        return {name: (out / name).read_bytes() for name in RUN_FILES}


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _execute(execute: Execute, cell: Cell, cache: str | None) -> dict[str, bytes]:
    return (execute or execute_cell)(cell, cache)


def run_local(cells: Sequence[Cell], cache: str | None, workers: int, execute: Execute = None) -> Iterator[Outcome]:
    """Run ``cells`` in a pool of ``workers`` fresh (spawned) processes; yields each as it finishes.

    With one worker the cells run one after the other in this process: no start-up cost, and a
    debugger or profiler sees the agent's code.
    """
    if not cells:
        return
    if workers == 1:
        for cell in cells:
            try:
                yield cell, _execute(execute, cell, cache)
            except Exception as err:
                yield cell, err
        return
    # spawn, not fork: the driver may have imported torch, whose thread pools do not survive a fork.
    with ProcessPoolExecutor(
        max_workers=min(workers, len(cells)),
        mp_context=get_context("spawn"),
        initializer=pool_worker_init,
        initargs=(os.getpid(),),
    ) as pool:
        futures: dict[Future, Cell] = {pool.submit(_execute, execute, cell, cache): cell for cell in cells}
        try:
            while futures:
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for future in done:
                    cell = futures.pop(future)
                    error = future.exception()
                    yield cell, (error if error is not None else future.result())
        finally:
            for future in futures:
                future.cancel()


def run_ray(
    cells: Sequence[Cell], cache: str | None, workers: int, address: str | None, execute: Execute = None
) -> Iterator[Outcome]:
    """Run ``cells`` as Ray tasks (one CPU each); ``address`` joins a cluster, else a local Ray starts."""
    try:
        import ray
    except ImportError:
        raise RuntimeError("--backend ray needs Ray: pip install 'nas-gym[ray]'") from None
    if not cells:
        return
    started_here = not ray.is_initialized()
    if started_here:
        # "local": a private Ray. Without it ray.init joins whatever cluster was started last on this
        # machine (another user's study, a test's simulated cluster) and then refuses num_cpus.
        local = {"address": "local", "num_cpus": workers, "include_dashboard": False}
        ray.init(**({"address": address} if address else local), log_to_driver=False, configure_logging=False)
    task = ray.remote(num_cpus=1, max_retries=0)(_execute)
    pending = {task.remote(execute, cell, cache): cell for cell in cells}
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                cell = pending.pop(ref)
                try:
                    yield cell, ray.get(ref)
                except Exception as err:  # a failed task re-raises its error here
                    yield cell, getattr(err, "cause", None) or err
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        if started_here:
            ray.shutdown()
