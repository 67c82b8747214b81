"""True Pareto fronts of the MO envs and the hypervolume reference point of each space.

Objectives are in natural units and maximised: ``(accuracy %, -latency ms)``. The front of a
search is computed on those values (not on the reward vector, whose ``exp100`` accuracy entry is
a monotone transform with the same front but another hypervolume).

* **NB201**: exact. Every one of the 15,625 cells is in the table, so the front of each dataset x
  latency device x accuracy metric is computed from it on first use (well under a second; cached
  per process, never written to the repository).
* **OFA**: no table of the 10^19 subnets exists, so the front is the *best-known* one: the
  non-dominated union of every query of the long runs and study runs it is built from
  (:func:`best_known_front`), labelled as such wherever it is used.

Reference point (declared once, for every space): the nadir of the (true or best-known) front
minus 10 % of the front's range in each objective, the usual "1.1 x normalised nadir" rule. It
depends only on the front, never on a search.
"""

from __future__ import annotations

import functools

import numpy as np

from nas_gym.pareto import front

REF_MARGIN = 0.1
"""The reference point lies this fraction of the front's range below its nadir, per objective."""


def reference_point(front_points: np.ndarray) -> np.ndarray:
    """The declared reference point of a (maximised) front: nadir - ``REF_MARGIN`` x range."""
    f = np.asarray(front_points, dtype=float)
    nadir, ideal = f.min(axis=0), f.max(axis=0)
    return nadir - REF_MARGIN * (ideal - nadir)


def nb201_points(dataset: str, device: str, metric: str = "val12", cache: str | None = None) -> np.ndarray:
    """``(15625, 2)``: accuracy ``metric`` (%) and minus latency (ms) on ``device`` of every NB201 cell."""
    from nas_gym.benchmarks.nb201 import NB201Benchmark

    bench = NB201Benchmark(dataset, cache=cache)
    if device not in bench.latency_devices:
        raise ValueError(f"unknown NB201 latency device {device!r}; choose one of {', '.join(bench.latency_devices)}")
    return np.stack([bench.column(metric), -bench.column(f"latency/{device}")], axis=1)


@functools.cache
def nb201_true_front(dataset: str, device: str, metric: str = "val12", cache: str | None = None) -> np.ndarray:
    """The exact Pareto front (accuracy ``metric`` vs latency on ``device``) of NB201 ``dataset``, read-only."""
    f = front(nb201_points(dataset, device, metric, cache))
    f.flags.writeable = False
    return f


def best_known_front(point_sets: list[np.ndarray]) -> np.ndarray:
    """The non-dominated union of ``point_sets`` (every query of the runs given): OFA's best-known front."""
    return front(np.concatenate([np.asarray(p, dtype=float) for p in point_sets]))
