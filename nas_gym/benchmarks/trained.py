"""NB201 with trained rewards: every query builds the network and trains it (no table lookup).

The search signal is the validation accuracy after training on the 25k search-train half of the
CIFAR-10 train set (NB201's ``cifar10-valid`` protocol). Test accuracy on the 10k test set is
measured only with ``report_test=True``; otherwise it is NaN, so it cannot leak into a search.
A failed training (NaN loss, out of memory) scores ``failure_acc`` (default 0 %), the worst
possible reward, and is flagged in ``train_status``; it never raises.
"""

from __future__ import annotations

import os

import numpy as np

from nas_gym.benchmarks.base import Benchmark
from nas_gym.data.store import cache_root
from nas_gym.spaces.nb201 import NB201SearchSpace, codes_to_strings
from nas_gym.training.cache import ResultCache, result_key
from nas_gym.training.config import TrainConfig
from nas_gym.training.data import ImageSplits, cifar10_splits
from nas_gym.training.evaluators import Evaluator, LocalEvaluator, RayEvaluator, TrainJob
from nas_gym.training.trainer import TrainResult

RESULTS_DB = "trained-results.sqlite"
EVALUATORS = ("local", "ray")
METRIC_DOCS = {
    "val_acc": "validation accuracy (%) after training (cifar10: trained on 25k, validated on the other 25k)",
    "test_acc": "test accuracy (%) on the 10k test set; NaN unless report_test=True",
    "train_acc": "training accuracy (%) of the last epoch, with augmentation",
    "params": "parameters (M) of the network as built",
    "train_seconds": "wall-clock seconds of the training run (the original run's, also when answered from the cache)",
}
_DATASETS = {"cifar10": cifar10_splits}


class TrainedNB201Benchmark(Benchmark):
    """NB201 cells trained with PyTorch on ``dataset`` (only ``"cifar10"`` has images here).

    Args:
        dataset: ``"cifar10"``.
        cache: data cache holding the imported ``cifar10`` dataset; the result database defaults
            to ``<cache>/trained-results.sqlite``.
        seed: training seed (weights, batch order, augmentation).
        report_test: also measure test accuracy (the ``test_acc`` metric and env ``info``).
        results_db: path of the sqlite result cache.
        evaluator: ``"local"``, ``"ray"`` or an :class:`~nas_gym.training.evaluators.Evaluator`.
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda:0"``, ... (local evaluator).
        failure_acc: accuracy (%) reported for a failed training.
        data: explicit :class:`ImageSplits` instead of the cached dataset (tests, other data).
        training: every other keyword is a :class:`TrainConfig` field (``epochs`` defaults to 12,
            ``train_subset``, ``eval_subset``, ``channels``, ``cells_per_stage``, ``batch_size``, ...).
    """

    default_signal = "val_acc"
    report_metric = "test_acc"
    test_metrics = ("test_acc",)
    cost_metrics = ("train_seconds",)  # of the original run, also when answered from the cache

    @classmethod
    def extra_kwargs(cls) -> frozenset[str]:
        """Every :class:`TrainConfig` field is a keyword too (``epochs``, ``channels``, ...)."""
        return frozenset(TrainConfig.__dataclass_fields__)

    @property
    def report_measured(self) -> bool:
        """Test accuracy is measured only with ``report_test=True``."""
        return self.report_test

    def __init__(
        self,
        dataset: str = "cifar10",
        cache: str | os.PathLike | None = None,
        seed: int = 0,
        report_test: bool = False,
        results_db: str | os.PathLike | None = None,
        evaluator: str | Evaluator = "local",
        device: str = "auto",
        failure_acc: float = 0.0,
        data: ImageSplits | None = None,
        **training,
    ):
        if dataset not in _DATASETS:
            raise ValueError(f"trained rewards exist for {', '.join(_DATASETS)} only, got dataset={dataset!r}")
        unknown = set(training) - set(TrainConfig.__dataclass_fields__)
        if unknown:
            raise ValueError(
                f"unknown training kwargs {sorted(unknown)}; known: {', '.join(TrainConfig.__dataclass_fields__)}"
            )
        if not isinstance(report_test, bool):
            raise TypeError(f"report_test must be True or False, got {report_test!r} ({type(report_test).__name__})")
        if not 0.0 <= failure_acc <= 100.0:
            raise ValueError(f"failure_acc is a percentage in [0, 100], got {failure_acc}")
        self.dataset = dataset
        self.name = f"nb201-{dataset}-trained"
        self.search_space = NB201SearchSpace()
        self.config = TrainConfig(**training)
        self.seed = int(seed)
        self.report_test = bool(report_test)
        self.failure_acc = float(failure_acc)
        self.metrics = tuple(METRIC_DOCS)
        self.signal_metrics = ("val_acc", "test_acc") if report_test else ("val_acc",)
        self.data = data if data is not None else _DATASETS[dataset](cache)
        self.results = ResultCache(results_db if results_db is not None else cache_root(cache) / RESULTS_DB)
        self.evaluator = self._make_evaluator(evaluator, device)
        self._known: dict[str, TrainResult] = {}
        self.trainings_run = 0
        """Trainings this benchmark started (queries answered by a cache do not count)."""
        test = "test accuracy (10k test set) is reported" if report_test else "no test accuracy is measured"
        epochs = self.config.epochs
        self.protocol_note = f"signal: validation accuracy after training {epochs} epochs (seed {seed}); {test}"

    def _make_evaluator(self, evaluator: str | Evaluator, device: str) -> Evaluator:
        if evaluator == "local":
            return LocalEvaluator(self.data, device=device)
        if evaluator == "ray":
            return RayEvaluator(self.data)
        if isinstance(evaluator, str):
            raise ValueError(f"unknown evaluator {evaluator!r}; choose one of {', '.join(EVALUATORS)} or pass one")
        return evaluator

    # -- training with the cache ---------------------------------------------------------------
    def results_for(self, archs: np.ndarray) -> list[TrainResult]:
        """The training result of every architecture in the batch, training only what no cache holds.

        Duplicates in the batch are trained once; the missing ones go to the evaluator together
        (in parallel with Ray) and each is written to the sqlite cache as soon as it finishes.
        """
        codes = self._codes(archs)
        strings = codes_to_strings(codes)
        missing: dict[str, TrainJob] = {}
        for arch, row in zip(strings, codes.tolist(), strict=True):
            if arch in self._known or arch in missing:
                continue
            stored = self.results.get(self._key(arch))
            if stored is not None and (not self.report_test or not stored.ok or not np.isnan(stored.test_acc)):
                self._known[arch] = stored
            else:
                missing[arch] = TrainJob(tuple(row), self.seed, self.config, self.report_test)
        jobs = list(missing.values())
        self.trainings_run += len(jobs)
        for _, result in self.evaluator.run(jobs):
            if result.status != "oom":  # out of memory depends on the machine, so it is retried later
                self.results.put(self._key(result.arch), self.dataset, self.seed, self.config, result)
            self._known[result.arch] = result
        return [self._known[arch] for arch in strings]

    def _key(self, arch: str) -> str:
        return result_key(arch, self.dataset, self.seed, self.config)

    def _codes(self, archs: np.ndarray) -> np.ndarray:
        a = np.asarray(archs)
        if a.dtype.kind not in "iu" or a.ndim != 2:
            raise ValueError(f"architectures must be integer op codes of shape (n, 6), got {a.shape} {a.dtype}")
        return a.astype(np.int64)

    # -- Benchmark interface -------------------------------------------------------------------
    def _query(self, archs: np.ndarray, metrics: tuple[str, ...]) -> dict[str, np.ndarray]:
        results = self.results_for(archs)
        out = {}
        for m in metrics:
            if m == "params":
                out[m] = np.array([r.params / 1e6 for r in results])
            elif m in ("val_acc", "test_acc"):
                failed = m == "val_acc" or self.report_test
                out[m] = np.array(
                    [getattr(r, m) if r.ok else (self.failure_acc if failed else np.nan) for r in results]
                )
            else:
                out[m] = np.array([getattr(r, m) for r in results], dtype=float)
        return out

    def arch_info(self, archs: np.ndarray) -> dict[str, np.ndarray]:
        """``params`` (M) and ``train_status`` of each architecture's training (from the cache when known)."""
        results = self.results_for(archs)
        return {
            "params": np.array([r.params / 1e6 for r in results]),
            "train_status": np.array([r.status for r in results]),
        }
