"""NAS-Bench-301 as a surrogate benchmark: YAHPO's ONNX models run with onnxruntime.

The surrogates were trained on the real NB301 training runs (CIFAR-10, DARTS space) and predict
metrics of a genotype at a training epoch (1..98). They predict *validation* accuracy only: NB301
has no test-set numbers, so here the search signal and the reported metric are the same
prediction, and ``test_metrics`` is empty. Results on this benchmark are surrogate validation
accuracies, not the retrained test accuracies DARTS papers report.

* ``model="2021"`` (default, ``new_model_2021.onnx``): ``val_acc`` (%) and ``runtime_s``.
  Spearman 0.905 against the true validation accuracy of NASLib's 725 NB301 genotypes. The
  source graph declares a batch of 1; queries run its derived copy with a dynamic batch dim
  (:func:`nas_gym.data.nb301.dynamic_batch`), a whole batch per onnxruntime call, and equal
  the source graph run row by row (``run_surrogate(..., one_row=True)``, tested to 1e-5 pp).
* ``model="v2"`` (``model_v2.onnx``): adds ``val_ce`` and ``runtime_increase_s``; its
  accuracy ranks genotypes worse (Spearman 0.590), so use it for loss or runtime curves.

Predictions are deterministic, so each benchmark caches them per architecture: repeated genotypes
(frequent in a search) cost a dict lookup.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np

from nas_gym.benchmarks.base import Benchmark
from nas_gym.data import nb301 as nb301_data
from nas_gym.data.store import verified_path
from nas_gym.spaces.darts import DARTSSearchSpace, codes_to_onnx

MAX_EPOCH = 98
"""Largest epoch of the surrogates' config space; beyond it predictions are nonsense (data README section 7)."""
ROWS_PER_CALL = 1024
"""Rows per onnxruntime call: 256-2048 run at the same rate (the Gemms are compute-bound); 20k
rows in one call run 4x slower, their activations falling out of cache (bench/nb301_speed.py)."""


@dataclass(frozen=True)
class SurrogateModel:
    """One ONNX surrogate: the graph queries run (batched), the source graph, output name, metric
    per output column and accuracy scale."""

    file: str
    source_file: str
    output: str
    columns: tuple[str, ...]
    acc_to_percent: float


MODELS: dict[str, SurrogateModel] = {
    "2021": SurrogateModel(
        nb301_data.MODEL_2021_BATCHED, nb301_data.MODEL_2021, "209", ("val_acc", "runtime_s"), acc_to_percent=1.0
    ),
    "v2": SurrogateModel(
        nb301_data.MODEL_V2,
        nb301_data.MODEL_V2,
        "output",
        ("val_acc", "val_ce", "runtime_s", "runtime_increase_s"),
        acc_to_percent=100.0,
    ),
}

METRIC_DOCS = {
    "val_acc": "predicted CIFAR-10 validation accuracy (%) after `epoch` epochs (the only accuracy NB301 has)",
    "runtime_s": "predicted training time (s) up to `epoch`, cumulative: the simulated cost of evaluating the genotype",
    "val_ce": "predicted validation cross-entropy (v2 only)",
    "runtime_increase_s": "YAHPO's `runtime_increase` column (v2 only; about the time of one epoch, s)",
}


def _providers() -> list[str]:
    """CUDA when onnxruntime has it, CPU always as the fallback."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    return [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]


@functools.cache
def _session(path: str, mtime_ns: int):
    """One inference session per model file and process. Rows are tiny, so one CPU thread is fastest."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise ImportError("the NB301 surrogate needs onnxruntime: pip install 'nas-gym[surrogate]'") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=_providers())


def check_epoch(epoch: int) -> int:
    if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or not 1 <= epoch <= MAX_EPOCH:
        raise ValueError(f"epoch must be an int in 1..{MAX_EPOCH} (the surrogates' training range), got {epoch!r}")
    return int(epoch)


class NB301Benchmark(Benchmark):
    """The NB301 surrogate on CIFAR-10. ``archs`` are DARTS op codes ``(n, 24)``.

    Args:
        model: ``"2021"`` (default; the better ranker) or ``"v2"`` (adds loss and per-epoch runtime).
        epoch: training epoch the predictions are for, 1..98 (98 = end of the NB301 schedule). A
            cheap fidelity axis: runtime grows with it, accuracy approaches the final one.
        cache: data cache folder (default: ``$NAS_GYM_DATA`` or the user cache dir).
        max_cached: how many architectures' predictions to keep (oldest dropped first).
    """

    report_metric = "val_acc"
    default_signal = "val_acc"
    signal_metrics = ("val_acc",)
    test_metrics = ()
    cost_metrics = ("runtime_s",)  # predicted training time to ``epoch``: the simulated cost of a query
    protocol_note = (
        "NB301 surrogate: signal and report are the same predicted validation accuracy; "
        "there is no test accuracy in NB301"
    )

    def __init__(
        self,
        model: str = "2021",
        epoch: int = MAX_EPOCH,
        cache: str | os.PathLike | None = None,
        max_cached: int = 1_000_000,
    ):
        if model not in MODELS:
            raise ValueError(f"unknown NB301 surrogate {model!r}; choose one of {', '.join(MODELS)}")
        if max_cached < 0:
            raise ValueError(f"max_cached must be >= 0, got {max_cached}")
        self.model, self.epoch, self.max_cached = model, check_epoch(epoch), max_cached
        self.spec = MODELS[model]
        self.name = f"nb301-cifar10-{model}-epoch{self.epoch}"
        self.metrics = self.spec.columns
        self.search_space = DARTSSearchSpace()
        # md5 against the manifest, once per process: the graph queries run and its source (the reference)
        path = verified_path("nb301", self.spec.file, cache)
        self._source_path = verified_path("nb301", self.spec.source_file, cache)
        self._session = _session(str(path), path.stat().st_mtime_ns)
        self._cache: dict[int, np.ndarray] = {}
        self.surrogate_calls = 0  # rows actually sent to onnxruntime (cache misses)

    def run_surrogate(self, codes: np.ndarray, epoch: int | None = None, one_row: bool = False) -> np.ndarray:
        """Raw predictions ``(n, len(metrics))`` float64 for op codes ``(n, 24)``, uncached.

        Accuracy is converted to percent; ``epoch`` defaults to the benchmark's. The whole batch
        runs in one onnxruntime call; ``one_row=True`` instead runs the md5-pinned source graph
        one row per call, the reference the batched graph is checked against.
        """
        x_cat = codes_to_onnx(np.asarray(codes).reshape(-1, self.search_space.code_length))
        x_cont = np.full((len(x_cat), 1), check_epoch(self.epoch if epoch is None else epoch), dtype=np.float32)
        if one_row:
            session = _session(str(self._source_path), self._source_path.stat().st_mtime_ns)
            out = np.empty((len(x_cat), len(self.spec.columns)), dtype=np.float32)
            for i in range(len(x_cat)):
                feed = {"x_cat": x_cat[i : i + 1], "x_cont": x_cont[i : i + 1]}
                out[i] = session.run([self.spec.output], feed)[0][0]
        else:
            out = np.empty((len(x_cat), len(self.spec.columns)), dtype=np.float32)
            for i in range(0, len(x_cat), ROWS_PER_CALL):
                feed = {"x_cat": x_cat[i : i + ROWS_PER_CALL], "x_cont": x_cont[i : i + ROWS_PER_CALL]}
                out[i : i + ROWS_PER_CALL] = self._session.run([self.spec.output], feed)[0]
        pred = out.astype(np.float64)
        pred[:, 0] *= self.spec.acc_to_percent
        self.surrogate_calls += len(pred)
        return pred

    def predict(self, archs: np.ndarray) -> np.ndarray:
        """Every metric of a batch ``(n, 24)`` -> ``(n, len(metrics))``, through the per-architecture cache."""
        keys = self.search_space.key(archs).reshape(-1).tolist()  # validates the codes
        codes = np.asarray(archs).reshape(-1, self.search_space.code_length)
        rows: dict[int, np.ndarray] = {}
        missing: dict[int, int] = {}  # key -> first row holding it
        for i, k in enumerate(keys):
            if k in self._cache:
                rows[k] = self._cache[k]
            elif k not in missing:
                missing[k] = i
        if missing:
            fresh = self.run_surrogate(codes[list(missing.values())])
            rows.update(zip(missing, fresh, strict=True))
            self._cache.update(zip(missing, fresh, strict=True))
            while len(self._cache) > self.max_cached:
                del self._cache[next(iter(self._cache))]
        if not keys:
            return np.zeros((0, len(self.metrics)))
        return np.stack([rows[k] for k in keys])

    def _query(self, archs: np.ndarray, metrics: tuple[str, ...]) -> dict[str, np.ndarray]:
        pred = self.predict(archs)
        return {m: pred[:, self.metrics.index(m)] for m in metrics}
