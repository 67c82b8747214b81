"""NAS-Bench-201 as a tabular benchmark: every query is array indexing into the imported table."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping

import numpy as np

from nas_gym.benchmarks.base import Benchmark
from nas_gym.data import nb201 as nb201_data
from nas_gym.data.store import cache_root, load_arrays
from nas_gym.spaces.nb201 import NB201SearchSpace

DATASETS = nb201_data.DATASETS

METRIC_DOCS = {
    "test200": "200-epoch test accuracy (%), seed mean (cifar10: ori-test; cifar100, ImageNet16-120: x-test)",
    "val12": "12-epoch validation accuracy (%) (cifar10: cifar10-valid x-valid, trained on 25k)",
    "test12": "12-epoch test accuracy (%)",
    "val200": "200-epoch validation accuracy (%), only the ~725 cells of NASLib's sample; NaN elsewhere",
    "params": "parameters (M), NASLib's sample only; NaN elsewhere",
    "flops": "FLOPs (M) by NASLib's counter, NASLib's sample only; NaN elsewhere",
}


@functools.cache
def _search_space(root: str) -> NB201SearchSpace:
    """The space with the official index of the table under ``root``; built once per process."""
    return NB201SearchSpace(load_arrays("nb201", nb201_data.TABLE, root)["ops"])


@functools.cache
def _dataset_columns(root: str, dataset: str) -> Mapping[str, np.ndarray]:
    """{metric: contiguous read-only column} of one dataset; built once per process."""
    table = load_arrays("nb201", nb201_data.TABLE, root)
    d = list(table["dataset_names"]).index(dataset)
    columns = {
        str(name): np.ascontiguousarray(table["metrics"][:, d, j]) for j, name in enumerate(table["metric_names"])
    }
    for j, device in enumerate(table["latency_devices"]):
        columns[f"latency/{device}"] = np.ascontiguousarray(table["latency"][:, j])
    columns["iso_key"] = table["iso_key"]
    for col in columns.values():
        col.flags.writeable = False
    return columns


class NB201Benchmark(Benchmark):
    """One NB201 dataset. ``archs`` are op codes ``(n, 6)`` or, as a 1-D int array, official indices.

    Args:
        dataset: ``"cifar10"``, ``"cifar100"`` or ``"ImageNet16-120"``.
        cache: cache folder (default: ``$NAS_GYM_DATA`` or the user cache dir).
    """

    default_signal = "val12"
    report_metric = "test200"
    signal_metrics = ("val12", "test12", "test200")
    test_metrics = ("test200", "test12")
    latency_devices = nb201_data.LATENCY_DEVICES
    tabular = True

    def __init__(self, dataset: str = "cifar10", cache: str | os.PathLike | None = None):
        if dataset not in DATASETS:
            raise ValueError(f"unknown NB201 dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
        self.dataset = dataset
        self.name = f"nb201-{dataset}"
        root = str(cache_root(cache))
        self._columns = _dataset_columns(root, dataset)
        self.search_space = _search_space(root)
        self.metrics = tuple(m for m in self._columns if m != "iso_key")

    def indices(self, archs: np.ndarray) -> np.ndarray:
        """Official indices of a batch given as indices (1-D) or op codes (``(n, 6)``)."""
        a = np.asarray(archs)
        if a.dtype.kind not in "iu":
            raise ValueError(f"architectures must be integer indices or op codes, got dtype {a.dtype}")
        if a.ndim == 1:
            if a.size and (a.min() < 0 or a.max() >= self.search_space.num_archs):
                raise ValueError(f"NB201 indices lie in 0..{self.search_space.num_archs - 1}")
            return a
        return self.search_space.codes_to_index(a)

    def column(self, metric: str) -> np.ndarray:
        """The full read-only column of ``metric`` over all 15,625 indices (for analysis, not agents)."""
        return self._columns[self.check_metric(metric)]

    def _query(self, archs: np.ndarray, metrics: tuple[str, ...]) -> dict[str, np.ndarray]:
        idx = self.indices(archs)
        return {m: self._columns[m][idx] for m in metrics}

    def optimum(self, metric: str) -> float | None:
        col = self.column(metric)
        return None if np.isnan(col).all() else float(np.nanmax(col))

    def best_index(self, metric: str) -> int:
        """Index of the best architecture by ``metric`` (first one on ties)."""
        return int(np.nanargmax(self.column(metric)))

    def isomorphism_key(self, archs: np.ndarray) -> np.ndarray:
        """NATS isomorphism class id: equal ids compute the same function."""
        return self._columns["iso_key"][self.indices(archs)]

    def arch_info(self, archs: np.ndarray) -> dict[str, np.ndarray]:
        return {"index": self.indices(archs)}
