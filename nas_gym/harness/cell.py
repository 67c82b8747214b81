"""One search run, the unit of every study: make the env, record it, run the agent, write the run.

:func:`run_cell` is the single code path behind ``nas-gym search`` and every cell of
``nas-gym bench``, so a cell folder of a study holds exactly what ``nas-gym search`` writes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym

from nas_gym.envs.api import search_env
from nas_gym.search_log import QueryRecord, SearchRecorder, versions, write_run

RUN_FILES = ("queries.csv", "summary.json", "best_so_far.png")


def run_cell(
    agent: str,
    env_id: str,
    budget: int,
    seed: int,
    out: str | Path,
    env_kwargs: dict[str, Any] | None = None,
    hyperparams: dict[str, Any] | None = None,
    cache: str | Path | None = None,
    on_query: Callable[[QueryRecord], None] | None = None,
    search: Callable[[gym.Env, int], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run agent ``agent`` on ``env_id`` for ``budget`` queries and write the run to ``out``.

    ``out`` receives ``queries.csv``, ``summary.json`` and ``best_so_far.png``. They are written
    into a sibling temporary folder that then replaces ``out``, so ``out`` always holds either
    the previous complete run or the new complete run, never a torn one. A Ctrl-C during the
    search still writes the queries made so far, with ``"interrupted": true`` in the summary.

    Returns the summary (as written to ``summary.json``, minus the keys added from the records).
    """
    import nas_gym  # noqa: F401 (registers the env ids)
    from agents.registry import run_agent

    out = Path(out)
    kwargs = {**(env_kwargs or {}), "max_queries": int(budget)}
    env = gym.make(env_id, **kwargs, **({"cache": str(cache)} if cache is not None else {}))
    api = search_env(env)
    summary: dict[str, Any] = {
        "agent": agent,
        "env": env_id,
        "env_kwargs": kwargs,
        "protocol": api.protocol,
        "report_optimum": api.report_optimum,
        "seed": int(seed),
        "versions": versions(),
    }
    recorder = SearchRecorder(env, on_query=on_query)
    start = time.perf_counter()
    interrupted = False
    try:
        if search is None:
            summary["hyperparams"] = run_agent(agent, recorder, env_id, int(seed), dict(hyperparams or {}))
        else:
            summary["hyperparams"] = search(recorder, int(seed))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        env.close()
    summary["interrupted"] = interrupted
    summary["total_wall_time_s"] = time.perf_counter() - start
    replace_dir(out, lambda tmp: write_run(tmp, recorder.records, summary))
    return summary


def replace_dir(target: Path, fill: Callable[[Path], None]) -> None:
    """Fill a fresh temporary sibling of ``target`` with ``fill(tmp)``, then swap it in.

    Each rename is atomic on POSIX; a crash between the two leaves ``target`` absent (never
    half-written) and the old copy in a ``.old`` sibling that the next swap removes.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        fill(tmp)
        _fsync_dir_files(tmp)
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        if target.exists():
            if old.exists():
                shutil.rmtree(old)
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _fsync_dir_files(folder: Path) -> None:
    """Flush every file of ``folder`` to disk before it is renamed into place (survives power loss too)."""
    for path in folder.iterdir():
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())


def is_scratch(path: Path) -> bool:
    """Whether ``path`` is a leftover temporary or old copy of :func:`replace_dir`."""
    return path.name.startswith(".") and (".tmp-" in path.name or ".old-" in path.name)
