"""Read a study's results folder into a tidy table (one row per cell and budget) and curves.

Only cells that pass the store's integrity check are read; a report over a half-finished study
says how many cells are missing instead of silently averaging fewer seeds.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nas_gym.harness.store import STUDY_FILE, ResultStore
from nas_gym.harness.study import Cell, Study, load_study

# Tolerance for "the best-by-signal architecture is the optimum" (accuracies are percent; run logs
# keep about 7 significant digits, so an optimum read back from queries.csv can be off by ~3e-7).
OPTIMUM_ATOL = 1e-6

TIDY_COLUMNS = (
    "study",
    "protocol",
    "signal",
    "signal_is_test_set",
    "report_metric",
    "budget_kind",
    "benchmark",
    "dataset",
    "env",
    "agent",
    "agent_name",
    "seed",
    "agent_budget",
    "budget",
    "steps",
    "unique",
    "best_arch",
    "best_signal_acc",
    "best_report_acc",
    "report_optimum",
    "regret",
    "found_optimum",
    "wall_s",
)


@dataclass
class CellRun:
    """One finished cell: its spec, summary and per-query arrays."""

    cell: Cell | None  # None for runs outside a study (transfer)
    summary: dict
    step: np.ndarray
    unique: np.ndarray
    best_signal: np.ndarray
    best_report: np.ndarray
    best_arch: list[str]
    wall_s: np.ndarray

    @property
    def study_cell(self) -> Cell:
        """The study cell this run was read for; a run built outside a study has none to report by."""
        if self.cell is None:
            raise ValueError("this run has no study cell (it was read outside a study); read it with load_results")
        return self.cell

    @property
    def budget_kind(self) -> str:
        return self.summary["protocol"]["budget"]

    @property
    def dataset(self) -> str:
        """The dataset part of the benchmark name (``nb201-cifar10`` -> ``cifar10``)."""
        return self.summary["protocol"]["benchmark"].split("-", 1)[-1]

    @property
    def optimum(self) -> float:
        value = self.summary.get("report_optimum")
        return np.nan if value is None else float(value)

    @property
    def counts(self) -> np.ndarray:
        """Queries spent after each record, counted as the budget kind says."""
        return self.unique if self.budget_kind == "unique" else self.step

    def index_at(self, budget: int) -> int:
        """Index of the record that closes ``budget`` queries, or -1 if the run never spent them
        (e.g. a ``unique`` budget whose ``max_steps`` cap stopped a repeating agent first)."""
        if len(self.counts) == 0 or self.counts[-1] < budget:
            return -1
        return int(np.searchsorted(self.counts, budget, side="right")) - 1

    def curve(self, length: int) -> np.ndarray:
        """Best-by-signal report accuracy after 1..``length`` queries; NaN where the run had not got."""
        budgets = np.arange(1, length + 1)
        idx = np.searchsorted(self.counts, budgets, side="right") - 1
        out = self.best_report[np.clip(idx, 0, None)].astype(float)
        out[(idx < 0) | (budgets > self.counts[-1])] = np.nan
        return out


def read_cell(folder: Path, cell: Cell | None) -> CellRun:
    summary = json.loads((folder / "summary.json").read_text())
    with open(folder / "queries.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{folder} has no queries")
    col = lambda name, kind=float: np.array([kind(r[name]) for r in rows])  # noqa: E731
    return CellRun(
        cell,
        summary,
        col("step", int),
        col("unique", int),
        col("best_signal_acc"),
        col("best_report_acc" if "best_report_acc" in rows[0] else "best_test_acc"),  # runs before the rename
        [r["best_arch"] for r in rows],
        col("wall_s"),
    )


@dataclass
class Results:
    study: Study
    runs: list[CellRun]
    missing: list[tuple[Cell, str]]


def load_results(root: str | Path, study_file: str | Path | None = None) -> Results:
    """Every finished cell of the study in ``root`` (see :class:`~nas_gym.harness.store.ResultStore`).

    The study is ``root/study.yaml`` (the last one `nas-gym bench` ran into ``root``) unless
    ``study_file`` names another: a folder filled part by part with partial study files holds only
    the last part's YAML, and the full study's cells are found by their keys all the same.
    """
    root = Path(root)
    if not (root / STUDY_FILE).is_file():
        raise FileNotFoundError(f"{root} holds no {STUDY_FILE}; run `nas-gym bench STUDY --out {root}` first")
    study = load_study(root / STUDY_FILE if study_file is None else study_file)
    store = ResultStore(root)
    runs, missing = [], []
    for cell in study.cells():
        why = store.check(cell)
        if why is None:
            runs.append(read_cell(store.cell_dir(cell), cell))
        else:
            missing.append((cell, why))
    if not runs:
        raise ValueError(f"{root} has no finished cell yet ({len(missing)} pending)")
    return Results(study, runs, missing)


def tidy(results: Results) -> pd.DataFrame:
    """One row per finished cell and budget checkpoint of the study (columns :data:`TIDY_COLUMNS`).

    ``agent_budget`` is the queries the agent's cells ran (its study ``budget`` cap, else the
    largest budget); checkpoints above it are *cut* and get no row, so readers of ``results.csv``
    can tell a cut checkpoint (budget > agent_budget) from an unfinished one.
    """
    rows = []
    for run in results.runs:
        protocol = run.summary["protocol"]
        for budget in results.study.budgets:
            if budget > run.study_cell.budget:
                continue  # cut by the agent's cap
            i = run.index_at(budget)
            if i < 0:
                continue
            best = float(run.best_report[i])
            rows.append(
                {
                    "study": results.study.name,
                    "protocol": run.study_cell.protocol,
                    "signal": protocol["signal"],
                    "signal_is_test_set": bool(protocol["signal_is_test_set"]),
                    "report_metric": protocol["report"],
                    "budget_kind": protocol["budget"],
                    "benchmark": protocol["benchmark"],
                    "dataset": run.dataset,
                    "env": run.study_cell.env_id,
                    "agent": run.study_cell.agent_label,
                    "agent_name": run.study_cell.agent,
                    "seed": run.study_cell.seed,
                    "agent_budget": run.study_cell.budget,
                    "budget": budget,
                    "steps": int(run.step[i]),
                    "unique": int(run.unique[i]),
                    "best_arch": run.best_arch[i],
                    "best_signal_acc": float(run.best_signal[i]),
                    "best_report_acc": best,
                    "report_optimum": run.optimum,
                    "regret": run.optimum - best,
                    "found_optimum": bool(best >= run.optimum - OPTIMUM_ATOL),
                    "wall_s": float(run.wall_s[i]),
                }
            )
    return pd.DataFrame(rows, columns=list(TIDY_COLUMNS))
