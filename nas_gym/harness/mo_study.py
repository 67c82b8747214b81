"""Multi-objective studies: MO agents x MO envs x latency devices x seeds, one CSV per cell, resumable.

A study file (``nas_gym/studies/mo/mo-nb201.yaml``)::

    name: mo-nb201
    seeds: 10                       # or a list
    budgets: [50, 100, 200, 500]    # each cell runs the largest; smaller ones are checkpoints
    env_kwargs: {budget: unique}    # applied to every env (signal, budget, objectives, ...)
    agents: [mo-rs, mo-nsga2]       # or {agent: mo-l2nas, label: ..., hyperparams: {...}}
    envs:
      - id: mo-NB201-cifar10-v0
        devices: [1080ti_1, pixel3, fpga]

Each cell writes ``OUT/cells/<env>/<device>/<agent>/seed-<s>.csv``, one row per env step: the
step, unique count, whether the architecture was new, its string, the signal and report
accuracy and every cost objective (``latency_ms``, ...) from ``info``. A cell file is renamed into
place only when complete, so ``--resume`` reruns exactly the cells that are missing; a cell whose
spec changed (env kwargs, hyperparameters, budget) is written beside its spec hash and redone.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from nas_gym.fs import make_temp_file

COLUMNS = ("step", "unique", "is_new", "arch", "signal_acc", "report_acc")
TOP_KEYS = ("name", "description", "seeds", "budgets", "env_kwargs", "agents", "envs")


class MOStudyError(ValueError):
    """A study file that cannot run; the message names the key and the fix."""


@dataclass(frozen=True)
class MOCell:
    env_id: str
    device: str
    agent_label: str
    agent: str
    seed: int
    budget: int
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    hyperparams: dict[str, Any] = field(default_factory=dict)

    @property
    def relpath(self) -> Path:
        return Path(self.env_id) / self.device / self.agent_label / f"seed-{self.seed}.csv"

    @property
    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class MOStudy:
    name: str
    seeds: tuple[int, ...]
    budgets: tuple[int, ...]
    agents: tuple[tuple[str, str, dict[str, Any]], ...]  # (label, agent, hyperparams)
    envs: tuple[tuple[str, tuple[str, ...]], ...]  # (id, devices)
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def cells(self) -> Iterator[MOCell]:
        # env outermost, then seeds: a study stopped early has every seed of its first envs on every
        # device for every agent (what a PoI table needs), instead of a few seeds of everything
        for env_id, devices in self.envs:
            for seed in self.seeds:
                for device in devices:
                    for label, agent, hyperparams in self.agents:
                        kwargs = {**self.env_kwargs, "latency_device": device}
                        yield MOCell(env_id, device, label, agent, seed, max(self.budgets), kwargs, hyperparams)


def load_study(path: str | os.PathLike) -> MOStudy:
    """Read and check a study file; every problem names the key and what is allowed."""
    from envs_registry.mo import IDS
    from nas_gym.agents.mo import MO_SEARCHERS

    raw = yaml.safe_load(Path(path).read_text())
    if not isinstance(raw, dict):
        raise MOStudyError(f"{path}: a study is a mapping with keys {', '.join(TOP_KEYS)}")
    unknown = set(raw) - set(TOP_KEYS)
    if unknown:
        raise MOStudyError(f"{path}: unknown key(s) {sorted(unknown)}; allowed: {', '.join(TOP_KEYS)}")
    seeds = raw.get("seeds", 10)
    seeds = tuple(range(seeds)) if isinstance(seeds, int) else tuple(int(s) for s in seeds)
    budgets = tuple(sorted(int(b) for b in raw.get("budgets", [])))
    if not budgets or min(budgets) < 1:
        raise MOStudyError(f"{path}: budgets must be a non-empty list of positive query counts")
    agents = []
    for entry in raw.get("agents", []):
        entry = {"agent": entry} if isinstance(entry, str) else dict(entry)
        name = entry.get("agent")
        if name not in MO_SEARCHERS:
            raise MOStudyError(f"{path}: unknown agent {name!r}; choose one of {', '.join(MO_SEARCHERS)}")
        agents.append((entry.get("label", name), name, dict(entry.get("hyperparams", {}))))
    envs = []
    for entry in raw.get("envs", []):
        if entry.get("id") not in IDS:
            raise MOStudyError(f"{path}: unknown MO env {entry.get('id')!r}; choose one of {', '.join(IDS)}")
        envs.append((entry["id"], tuple(entry.get("devices", [None]))))
    if not agents or not envs:
        raise MOStudyError(f"{path}: a study needs at least one agent and one env")
    if len({a[0] for a in agents}) != len(agents):
        raise MOStudyError(f"{path}: two agents share a label; give one a `label:`")
    return MOStudy(
        str(raw.get("name", Path(path).stem)),
        seeds,
        budgets,
        tuple(agents),
        tuple(envs),
        dict(raw.get("env_kwargs", {})),
        str(raw.get("description", "")),
    )


def run_cell(cell: MOCell, cache: str | None = None) -> list[dict[str, Any]]:
    """Run one cell's search and return its rows (see the module docstring)."""
    import mo_gymnasium

    import nas_gym  # noqa: F401 (registers the MO ids)
    from nas_gym.agents.mo import MO_SEARCHERS, run_mo_search
    from nas_gym.envs.mo import mo_env

    kwargs = {**cell.env_kwargs, "max_queries": cell.budget}
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    if cache is not None:
        kwargs["cache"] = cache
    env = mo_gymnasium.make(cell.env_id, **kwargs)
    inner = mo_env(env)
    costs = [f"{o}_ms" if o == "latency" else f"{o}_m" for o in inner.objectives[1:]]
    searcher = MO_SEARCHERS[cell.agent](
        inner.search_space, inner.reward_dim, np.random.default_rng(cell.seed), **cell.hyperparams
    )
    rows: list[dict[str, Any]] = []

    def record(reward: np.ndarray, info: dict) -> None:
        rows.append(
            {
                "step": len(rows) + 1,
                "unique": int(info["unique_queries"]),
                "is_new": int(bool(info["is_new"])),
                "arch": info["arch"],
                "signal_acc": float(info["signal_acc"]),
                "report_acc": float(info.get("report_acc", np.nan)),
                **{c: float(info[c]) for c in costs},
            }
        )

    run_mo_search(searcher, env, seed=cell.seed, on_step=record)
    env.close()
    return rows


def write_cell(path: Path, rows: list[dict[str, Any]], cell: MOCell, cpu_s: float = float("nan")) -> None:
    """Write ``rows`` to ``path`` atomically, with the cell's spec and CPU seconds beside it (``.json``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = make_temp_file(".cell-", ".csv", path.parent)
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    spec = {**asdict(cell), "key": cell.key, "cpu_s": round(cpu_s, 2)}
    path.with_suffix(".json").write_text(json.dumps(spec, indent=1, sort_keys=True))
    os.replace(tmp, path)


def finished(path: Path, cell: MOCell) -> bool:
    spec = path.with_suffix(".json")
    return path.exists() and spec.exists() and json.loads(spec.read_text()).get("key") == cell.key


def run_study(study: MOStudy, out: Path, resume: bool, cache: str | None = None, console: Console | None = None) -> int:
    """Run every unfinished cell into ``out/cells``; returns how many cells ran."""
    import torch

    torch.set_num_threads(1)
    console = console or Console()
    out.mkdir(parents=True, exist_ok=True)
    marker = out / "mo-study.json"
    if marker.exists() and not resume:
        raise MOStudyError(f"{out} already holds a study; pass --resume to continue it, or choose a new --out")
    marker.write_text(json.dumps(asdict(study), indent=1, default=list))
    cells = list(study.cells())
    todo = [c for c in cells if not finished(out / "cells" / c.relpath, c)]
    console.print(f"{study.name}: {len(cells) - len(todo)} of {len(cells)} cells finished, {len(todo)} to run")
    columns = (TextColumn(f"[bold]{study.name}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[last]}"))
    with Progress(*columns, TimeElapsedColumn(), TimeRemainingColumn(), console=console) as progress:
        task = progress.add_task("cells", total=len(cells), completed=len(cells) - len(todo), last="")
        for cell in todo:
            start = time.process_time()
            rows = run_cell(cell, cache)
            cpu_s = time.process_time() - start
            write_cell(out / "cells" / cell.relpath, rows, cell, cpu_s)
            last = f"{cell.relpath} ({cpu_s:.1f} s CPU)"
            progress.update(task, advance=1, last=last)
    return len(todo)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m nas_gym.harness.mo_study", description=__doc__.splitlines()[0])
    parser.add_argument("study", help="study YAML, e.g. nas_gym/studies/mo/mo-nb201.yaml")
    parser.add_argument("--out", required=True, help="results folder")
    parser.add_argument("--resume", action="store_true", help="continue a study in --out")
    parser.add_argument("--cache", default=None, help="data cache folder")
    args = parser.parse_args(argv)
    run_study(load_study(args.study), Path(args.out), args.resume, args.cache)


if __name__ == "__main__":
    main()
