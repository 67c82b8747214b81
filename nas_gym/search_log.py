"""One results schema for every agent: a wrapper that records each query, and the files of a run.

:class:`SearchRecorder` sits between any agent (L2NAS, an SB3 algorithm, a classic NAS baseline)
and the env, so every agent is logged by the same code from the same ``info`` dict. It records
the first episode only: an episode is one search, and SB3's vector env auto-resets after it.
:func:`write_run` turns the records into ``queries.csv``, ``summary.json`` and ``best_so_far.png``.
"""

from __future__ import annotations

import csv
import json
import math
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from importlib import metadata
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np


@dataclass(frozen=True)
class QueryRecord:
    """One query of a search. Accuracies in percent; ``best_*`` is the best-by-signal so far."""

    step: int
    unique: int
    arch: str
    signal_acc: float
    report_acc: float
    best_signal_acc: float
    best_report_acc: float
    best_arch: str
    wall_s: float


QUERY_COLUMNS = tuple(f.name for f in fields(QueryRecord))


class SearchRecorder(gym.Wrapper):
    """Records every query of the first episode of ``env`` (an :class:`~nas_gym.envs.ArchSearchEnv`).

    Args:
        env: the search env (possibly wrapped).
        on_query: called with each new :class:`QueryRecord` (e.g. to advance a progress bar).
    """

    def __init__(self, env: gym.Env, on_query: Callable[[QueryRecord], None] | None = None):
        super().__init__(env)
        self.on_query = on_query
        self.records: list[QueryRecord] = []
        self.finished = False
        self._t0: float | None = None

    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict]:
        if self._t0 is None:
            self._t0 = time.perf_counter()
        return self.env.reset(**kwargs)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        if not self.finished:
            record = QueryRecord(
                step=len(self.records) + 1,
                unique=int(info["unique_queries"]),
                arch=info["arch"],
                signal_acc=float(info["signal_acc"]),
                # envs that measure no report metric (trained, without report_test) omit these keys
                report_acc=float(info.get("report_acc", np.nan)),
                best_signal_acc=float(info["best_signal_acc"]),
                best_report_acc=float(info.get("best_report_acc", np.nan)),
                best_arch=info["best_arch"],
                wall_s=time.perf_counter() - (self._t0 or time.perf_counter()),
            )
            self.records.append(record)
            self.finished = terminated or truncated
            if self.on_query is not None:
                self.on_query(record)
        return obs, float(reward), terminated, truncated, info


def versions() -> dict[str, str]:
    """Versions of Python and of the packages a result depends on."""
    out = {"python": platform.python_version()}
    for pkg in ("nas-gym", "numpy", "gymnasium", "torch", "stable-baselines3"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "absent"
    return out


def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float (``-inf`` of "nothing feasible yet", NaN) as ``None``.

    JSON has no infinities or NaN; a run whose summary holds one must still be written.
    """
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


# float32's normal range: values outside it are kept as they are
_F32_TINY, _F32_MAX = float(np.finfo(np.float32).tiny), float(np.finfo(np.float32).max)

# summary.json keys that hold measurements (written at float32 precision like queries.csv);
# the run's configuration (env_kwargs, hyperparams) is written exactly as given
MEASURED_KEYS = ("report_optimum", "best_signal_acc", "best_report_acc", "wall_time_s", "total_wall_time_s")


def float32_short(value: float) -> float:
    """``value`` as the shortest decimal, nearest to it, that reads back as the same float32.

    Why: the benchmark tables hold accuracies at float32 precision. DARTS/NB301 and OFA values
    are float32 widened to float64 (``94.63565826416016``); NB201's are float64 means of per-seed
    float32 accuracies (``55.83999999572754``, ``94.37333333333333``), whose digits past float32
    precision are the rounding noise of those seeds (cifar100 test200: 14,475 distinct float64
    values, 4,226 distinct float32 ones). Written this way a log reads ``94.63566``, ``55.84``,
    ``94.373333``, and reading it back gives the env's value within float32 precision (half a
    float32 ulp). Every value of one run goes through this one function, so a best accuracy read
    from ``queries.csv`` equals ``report_optimum`` read from ``summary.json`` exactly when the run
    found the optimum. Non-finite values, zero and values outside float32's normal range are
    returned unchanged (float32 would lose them).
    """
    x = float(value)
    if not math.isfinite(x) or x == 0.0 or not _F32_TINY <= abs(x) <= _F32_MAX:
        return x
    target = np.float32(x)
    for digits in range(1, 9):  # 9 significant digits always round-trip a float32
        short = float(f"{x:.{digits}g}")
        if np.float32(short) == target:
            return short
    return float(f"{x:.9g}")


def _short_floats(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with every float through :func:`float32_short` (ints and strings unchanged)."""
    return {k: float32_short(v) if isinstance(v, float) else v for k, v in row.items()}


def summarize(records: list[QueryRecord]) -> dict[str, Any]:
    """The final best-by-signal architecture of a run and how much budget it used.

    ``feasible_found`` is false when no query met the env's constraints (e.g. a latency limit
    nothing satisfies): then there is no best architecture and its accuracies are ``None``.
    """
    if not records:
        return {
            "steps": 0,
            "unique_queries": 0,
            "feasible_found": False,
            "best_arch": None,
            "best_signal_acc": None,
            "best_report_acc": None,
        }
    last = records[-1]
    feasible = math.isfinite(last.best_signal_acc)
    return {
        "steps": last.step,
        "unique_queries": last.unique,
        "feasible_found": feasible,
        "best_arch": (last.best_arch or None) if feasible else None,
        "best_signal_acc": json_safe(last.best_signal_acc),
        "best_report_acc": json_safe(last.best_report_acc),
        "wall_time_s": last.wall_s,
    }


def write_run(out: Path, records: list[QueryRecord], summary: dict[str, Any]) -> None:
    """Write ``queries.csv``, ``summary.json`` (``summary`` + :func:`summarize`) and ``best_so_far.png``.

    Accuracies and times are written at float32 precision (:func:`float32_short`), the precision
    of the benchmark tables, so the files carry no float noise.
    """
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "queries.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=QUERY_COLUMNS)
        writer.writeheader()
        writer.writerows(_short_floats(asdict(r)) for r in records)
    full = json_safe({**summary, **summarize(records)})
    full.update({k: float32_short(full[k]) for k in MEASURED_KEYS if isinstance(full.get(k), float)})
    (out / "summary.json").write_text(json.dumps(full, indent=2, allow_nan=False) + "\n")
    protocol = summary.get("protocol", {})
    signal, report = protocol.get("signal", "signal"), protocol.get("report", "report")
    budget = protocol.get("budget", "steps")
    seed = f", seed {summary['seed']}" if "seed" in summary else ""
    title = f"{summary.get('agent', '')} on {summary.get('env', '')}{seed}, budget counted in {budget}"
    optimum = summary.get("report_optimum")
    plot_best_so_far(records, out / "best_so_far.png", title=title, signal=signal, report=report, optimum=optimum)


def plot_best_so_far(
    records: list[QueryRecord],
    path: Path,
    title: str = "",
    signal: str = "signal",
    report: str = "report",
    optimum: float | None = None,
) -> None:
    """Best-by-signal architecture's signal and report accuracy against the query count.

    ``signal`` and ``report`` name the metrics in the legend, so the plot states its protocol;
    ``optimum`` (the best reported value over the space, when known) is drawn as a dashed line.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    steps = [r.step for r in records]
    ax.plot(steps, [r.best_report_acc for r in records], label=f"{report} (reported) of the best by {signal}")
    ax.plot(steps, [r.best_signal_acc for r in records], label=f"{signal} (search signal) of the best", alpha=0.7)
    if optimum is not None:
        ax.axhline(optimum, color="grey", linestyle="--", linewidth=1, label=f"optimum of {report} ({optimum:.2f})")
    ax.set_xlabel("queries (steps)")
    ax.set_ylabel("accuracy (%)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
