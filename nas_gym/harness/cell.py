"""One search run, the unit of every study: make the env, record it, run the agent, write the run.

:func:`run_cell` is the single code path behind ``nas-gym search`` and every cell of
``nas-gym bench``, so a cell folder of a study holds exactly what ``nas-gym search`` writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym

from nas_gym.envs.api import make_env as make_search_env
from nas_gym.envs.api import search_env
from nas_gym.harness.run_dir import RUN_FILES, RunDirError, RunSetupError, check_run_dir, install_run
from nas_gym.search_log import QueryRecord, SearchRecorder, versions, write_run

__all__ = ["RUN_FILES", "RunDirError", "RunSetupError", "make_env", "run_cell"]


def make_env(env_id: str, kwargs: dict[str, Any], cache: str | Path | None) -> gym.Env:
    """``gym.make`` whose kwarg errors name the env and the kwargs (they are the user's input)."""
    try:
        return make_search_env(env_id, kwargs, cache)
    except (ValueError, TypeError, gym.error.Error) as err:
        raise RunSetupError(f"cannot make {env_id} with {kwargs}: {err}") from err


def check_agent(agent: str, env_id: str, env_kwargs: dict[str, Any], hyperparams: dict[str, Any]) -> None:
    """Refuse an agent that cannot act on the env, or overrides it does not accept, before anything runs."""
    from nas_gym.agents.registry import check_fits, hyperparameter_problem

    try:
        check_fits(agent, env_id, env_kwargs)
    except ValueError as err:
        raise RunSetupError(str(err)) from None
    for key, value in hyperparams.items():
        problem = hyperparameter_problem(agent, key, value)
        if problem is not None:
            raise RunSetupError(f"{problem} (fix the --hyperparams {key}=... override)")


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
    overwrite: bool = True,
) -> dict[str, Any]:
    """Run agent ``agent`` on ``env_id`` for ``budget`` queries and write the run to ``out``.

    ``out`` receives ``queries.csv``, ``summary.json`` and ``best_so_far.png``. They are written
    into a temporary folder first, so ``out`` holds either the previous complete run or the new
    complete run, never a torn one; files in ``out`` that are not a run's are never deleted.
    Without ``overwrite``, an ``out`` holding a previous run or other files is refused (see
    :mod:`nas_gym.harness.run_dir`). ``out``, the env kwargs and the agent overrides are all
    checked before the first query (:class:`RunSetupError`, :class:`RunDirError`). A Ctrl-C
    during the search still writes the queries made so far, with ``"interrupted": true``.

    Returns the summary (as written to ``summary.json``, minus the keys added from the records).
    """
    import nas_gym  # noqa: F401 (registers the env ids)
    from nas_gym.agents.registry import run_agent

    out = check_run_dir(out, overwrite)
    kwargs = {**(env_kwargs or {}), "max_queries": int(budget)}
    if search is None:
        check_agent(agent, env_id, kwargs, dict(hyperparams or {}))
    env = make_env(env_id, kwargs, cache)
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
    except (ValueError, TypeError) as err:
        if recorder.records:
            raise  # mid-search: a bug, keep the traceback
        raise RunSetupError(f"agent {agent!r} refused its settings before the first query: {err}") from err
    finally:
        env.close()
    summary["interrupted"] = interrupted
    summary["total_wall_time_s"] = time.perf_counter() - start
    install_run(out, lambda tmp: write_run(tmp, recorder.records, summary))
    return summary
