"""OFA-MobileNetV3 (w1.2) as a benchmark: predicted accuracy, Note10 latency, MACs, params, GPU latency.

Every metric is a closed-form function of the architecture, computed batched in numpy:

* ``predicted_acc``: the OFA accuracy predictor (a 4-layer MLP, data README §9) in percent.
  It is a *surrogate* of ImageNet top-1 with inherited supernet weights, somewhat optimistic
  (the largest subnet gets 83.59 %); there is no test set behind it, so it is both the search
  signal and the reported number. It is not comparable to accuracies measured on ImageNet.
* ``latency/note10``: the Samsung Note10 per-layer tables summed per the data README §10 (ms).
* ``macs`` / ``params`` (millions): counted from the layer shapes with OFA's own convention
  (``ofa/utils/flops_counter.py``): a conv costs ``C_in / groups * k * k`` MACs per output
  element, a linear layer ``in * out``; biases, BN, activations, pooling, the SE multiply and
  residual adds are free. Params are every weight, bias and BN affine pair of the network.
  Cross-check: OFA's published ``flops@595M_top1@80.0_finetune@75`` net counts 595.2 M here.
* ``latency/<gpu>_<batch>``: a linear model fitted to HELP's 5,000 measured subnets (data
  README §11), evaluated anywhere in the space (ms). HELP measured only 1,013 subnets at a
  Note10 resolution, so exact coverage of a searched architecture is practically nil; the fit
  and its held-out rank correlation are in :func:`help_latency_fits`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nas_gym.benchmarks.base import Benchmark
from nas_gym.data import ofa as ofa_data
from nas_gym.data.store import cache_root, load_arrays
from nas_gym.spaces.ofa import (
    EXPAND_RATIOS,
    FEATURE_MIX_WIDTH,
    FINAL_EXPAND_WIDTH,
    KERNEL_SIZES,
    MAX_DEPTH,
    NUM_BLOCKS,
    NUM_CLASSES,
    NUM_STAGES,
    RESOLUTIONS,
    STAGE_WIDTHS,
    STEM_WIDTH,
    OFASearchSpace,
    block_geometry,
    side_after,
)

HELP_DEVICES = ofa_data.HELP_DEVICES
LATENCY_DEVICES: tuple[str, ...] = ("note10", *HELP_DEVICES)
METRIC_DOCS = {
    "predicted_acc": "OFA accuracy predictor output (%), a surrogate of ImageNet top-1; search signal and report",
    "macs": "multiply-accumulates (M), OFA's counting convention",
    "params": "parameters (M), including BN and biases",
    "latency/note10": "Samsung Note10 latency (ms), sum of the per-layer lookup tables",
    **{
        f"latency/{d}": f"{d} GPU latency (ms, <gpu>_<batch size>), linear model fitted to HELP's measurements"
        for d in HELP_DEVICES
    },
}
HELP_HOLDOUT_FRACTION = 0.2
HELP_SPLIT_SEED = 0


def make_divisible(v: float, divisor: int = 8) -> int:
    """OFA's channel rounding (``ofa/utils/pytorch_modules.py``): nearest multiple, at most 10 % down."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


# -- architecture cost ----------------------------------------------------------------------------
@functools.cache
def block_costs(resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per block slot, kernel and expand ratio at ``resolution``: ``(macs, params, activation, fixed)``.

    ``macs``, ``params`` and ``activation`` (expanded feature-map elements after the depthwise
    conv, a memory-traffic proxy) have shape ``(20, 3, 3)``; ``fixed`` is ``(macs, params)`` of
    the layers every subnet has (stem, first block, final expand, feature mix, classifier).
    """
    macs = np.zeros((NUM_BLOCKS, len(KERNEL_SIZES), len(EXPAND_RATIOS)))
    params, activation = np.zeros_like(macs), np.zeros_like(macs)
    geometry = block_geometry(resolution)
    for i, g in enumerate(geometry):
        for ki, k in enumerate(KERNEL_SIZES):
            for ei, e in enumerate(EXPAND_RATIOS):
                c_in, c_out, s_in, s_out = g["in_ch"], g["out_ch"], g["in_side"], g["out_side"]
                mid = make_divisible(round(c_in * e))
                m = c_in * mid * s_in**2 + mid * k * k * s_out**2 + mid * c_out * s_out**2
                p = c_in * mid + 2 * mid + mid * k * k + 2 * mid + mid * c_out + 2 * c_out
                if g["se"]:
                    se_mid = make_divisible(mid // 4)
                    m += 2 * mid * se_mid
                    p += 2 * mid * se_mid + se_mid + mid
                macs[i, ki, ei], params[i, ki, ei], activation[i, ki, ei] = m, p, mid * s_out**2
    f, last = side_after(resolution, 2), geometry[-1]["out_side"]
    fixed_macs = (
        3 * STEM_WIDTH * 9 * f**2  # stem conv 3x3, stride 2
        + STEM_WIDTH * 9 * f**2  # first block: depthwise 3x3
        + STEM_WIDTH * STEM_WIDTH * f**2  # first block: pointwise
        + STAGE_WIDTHS[-1] * FINAL_EXPAND_WIDTH * last**2  # final expand 1x1
        + FINAL_EXPAND_WIDTH * FEATURE_MIX_WIDTH  # feature mix 1x1 on the pooled vector
        + FEATURE_MIX_WIDTH * NUM_CLASSES  # classifier
    )
    fixed_params = (
        3 * STEM_WIDTH * 9 + 2 * STEM_WIDTH
        + STEM_WIDTH * 9 + 2 * STEM_WIDTH
        + STEM_WIDTH * STEM_WIDTH + 2 * STEM_WIDTH
        + STAGE_WIDTHS[-1] * FINAL_EXPAND_WIDTH + 2 * FINAL_EXPAND_WIDTH
        + FINAL_EXPAND_WIDTH * FEATURE_MIX_WIDTH  # no bias, no BN
        + FEATURE_MIX_WIDTH * NUM_CLASSES + NUM_CLASSES
    )  # fmt: skip
    for arr in (macs, params, activation):
        arr.flags.writeable = False
    return macs, params, activation, np.array([fixed_macs, fixed_params], dtype=float)


def _gather(table: np.ndarray, ks_idx: np.ndarray, e_idx: np.ndarray) -> np.ndarray:
    """``table[block, k, e]`` per row -> ``(n, 20)``."""
    return table[np.arange(NUM_BLOCKS), ks_idx, e_idx]


def architecture_costs(ks_idx: np.ndarray, e_idx: np.ndarray, active: np.ndarray, resolution: np.ndarray) -> dict:
    """MACs, params (both in M) and per-stage cost features of a batch given by index arrays.

    Args:
        ks_idx, e_idx: ``(n, 20)`` indices into :data:`KERNEL_SIZES` / :data:`EXPAND_RATIOS`.
        active: ``(n, 20)`` booleans. resolution: ``(n,)`` pixels, any value (not only the Note10 set).
    """
    n = len(resolution)
    out = {
        "macs": np.empty(n),
        "params": np.empty(n),
        "fixed_macs": np.empty(n),
        "stage_macs": np.empty((n, NUM_STAGES)),
        "stage_activation": np.empty((n, NUM_STAGES)),
    }
    for r in np.unique(resolution):
        rows = resolution == r
        macs, params, activation, fixed = block_costs(int(r))
        on = active[rows]
        block_macs = _gather(macs, ks_idx[rows], e_idx[rows]) * on
        block_act = _gather(activation, ks_idx[rows], e_idx[rows]) * on
        out["macs"][rows] = (block_macs.sum(axis=1) + fixed[0]) / 1e6
        out["params"][rows] = ((_gather(params, ks_idx[rows], e_idx[rows]) * on).sum(axis=1) + fixed[1]) / 1e6
        out["fixed_macs"][rows] = fixed[0] / 1e6
        out["stage_macs"][rows] = block_macs.reshape(-1, NUM_STAGES, MAX_DEPTH).sum(axis=2) / 1e6
        out["stage_activation"][rows] = block_act.reshape(-1, NUM_STAGES, MAX_DEPTH).sum(axis=2) / 1e6
    return out


def latency_features(ks_idx: np.ndarray, e_idx: np.ndarray, active: np.ndarray, resolution: np.ndarray) -> np.ndarray:
    """Regressors of the GPU latency model ``(n, 17)``: a constant, the fixed layers' MACs and, per
    stage, the MACs, the expanded activation size and the number of blocks (kernel launches)."""
    c = architecture_costs(ks_idx, e_idx, active, resolution)
    blocks = active.reshape(-1, NUM_STAGES, MAX_DEPTH).sum(axis=2)
    return np.column_stack([np.ones(len(resolution)), c["fixed_macs"], c["stage_macs"], c["stage_activation"], blocks])


# -- HELP GPU latency model -------------------------------------------------------------------------
@dataclass(frozen=True)
class LatencyFit:
    """A least-squares latency model for one HELP device, with its held-out quality."""

    device: str
    coef: np.ndarray
    spearman_heldout: float
    mae_heldout_ms: float
    n_train: int
    n_heldout: int


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


@functools.cache
def _help_fits(root: str) -> dict[str, LatencyFit]:
    arrays = load_arrays("ofa", ofa_data.TABLE, root)
    ks_idx = np.searchsorted(KERNEL_SIZES, arrays["help_ks"])
    e_idx = np.searchsorted(EXPAND_RATIOS, arrays["help_e"])
    depth = arrays["help_d"].astype(np.int64)
    active = np.tile(np.arange(MAX_DEPTH), NUM_STAGES) < np.repeat(depth, MAX_DEPTH, axis=1)
    x = latency_features(ks_idx, e_idx, active, arrays["help_r"].astype(np.int64))
    order = np.random.default_rng(HELP_SPLIT_SEED).permutation(len(x))
    n_held = round(HELP_HOLDOUT_FRACTION * len(x))
    test, train = order[:n_held], order[n_held:]
    fits = {}
    for j, device in enumerate(arrays["help_devices"].tolist()):
        y = arrays["help_latency_ms"][:, j]
        coef = np.linalg.lstsq(x[train], y[train], rcond=None)[0]
        pred = x[test] @ coef
        fits[device] = LatencyFit(
            device, coef, _spearman(pred, y[test]), float(np.abs(pred - y[test]).mean()), len(train), len(test)
        )
    return fits


def help_latency_fits(cache: str | os.PathLike | None = None) -> dict[str, LatencyFit]:
    """The GPU latency model of every HELP device, fitted on 80 % of HELP's subnets (a fixed
    seeded split), with Spearman rank correlation and MAE on the other 20 %."""
    return _help_fits(str(cache_root(cache)))


# -- the benchmark ------------------------------------------------------------------------------------
class OFABenchmark(Benchmark):
    """OFA-MobileNetV3 w1.2 with the OFA accuracy predictor. ``archs`` are op codes ``(n, 26)``.

    Args:
        resolutions: input resolutions the search space searches (default fixed 224); see
            :class:`~nas_gym.spaces.ofa.OFASearchSpace`.
        cache: cache folder (default: ``$NAS_GYM_DATA`` or the user cache dir).
    """

    search_space: OFASearchSpace  # narrower than Benchmark's: _decode uses the OFA-only methods
    default_signal = "predicted_acc"
    report_metric = "predicted_acc"
    signal_metrics = ("predicted_acc",)
    latency_devices = LATENCY_DEVICES
    metrics = ("predicted_acc", "macs", "params", *(f"latency/{d}" for d in LATENCY_DEVICES))

    def __init__(self, resolutions: Sequence[int] = (224,), cache: str | os.PathLike | None = None):
        root = str(cache_root(cache))
        self.search_space = OFASearchSpace(resolutions)
        self.name = "ofa-mbv3-w1.2" + ("" if self.search_space.searches_resolution else f"-r{resolutions[0]}")
        self._arrays = load_arrays("ofa", ofa_data.TABLE, root)
        self._layers = [(self._arrays[f"w{j}"].T.copy(), self._arrays[f"b{j}"]) for j in range(4)]
        self._fits = _help_fits(root)

    def predict_fraction(self, features: np.ndarray) -> np.ndarray:
        """The predictor on ``(n, 128)`` features; returns accuracy fractions ``(n,)`` (float32 math)."""
        # Row by row: a batched float32 matmul sums in an order that depends on the batch size, and
        # an architecture's accuracy must not depend on what else is queried with it (a vector env
        # must give each search exactly what a single env gives).
        h = np.asarray(features, dtype=np.float32)
        for j, (w, b) in enumerate(self._layers):
            h = np.stack([row @ w for row in h]).reshape(len(h), w.shape[1]) + b
            if j < len(self._layers) - 1:
                np.maximum(h, 0.0, out=h)
        return h[:, 0]

    def _decode(self, archs: np.ndarray) -> dict[str, np.ndarray]:
        space = self.search_space
        codes = space.check_codes(archs)
        if codes.ndim != 2:
            raise ValueError(f"OFA architectures are op codes of shape (n, 26), got {codes.shape}")
        ops = codes[:, :NUM_BLOCKS]
        return {
            "codes": codes,
            "ks_idx": ops % 3,
            "e_idx": ops // 3,
            "active": space.active(codes),
            "r": space.resolution(codes),
        }

    def _query(self, archs: np.ndarray, metrics: tuple[str, ...]) -> dict[str, np.ndarray]:
        a = self._decode(archs)
        out: dict[str, np.ndarray] = {}
        if "predicted_acc" in metrics:
            out["predicted_acc"] = 100.0 * self.predict_fraction(
                self.search_space.predictor_features(a["codes"])
            ).astype(float)
        if "latency/note10" in metrics:
            out["latency/note10"] = self.note10_latency(a["ks_idx"], a["e_idx"], a["active"], a["r"])
        costs = None
        if "macs" in metrics or "params" in metrics:
            costs = architecture_costs(a["ks_idx"], a["e_idx"], a["active"], a["r"])
            out.update({m: costs[m] for m in ("macs", "params") if m in metrics})
        gpu = [m for m in metrics if m.startswith("latency/") and m != "latency/note10"]
        if gpu:
            x = latency_features(a["ks_idx"], a["e_idx"], a["active"], a["r"])
            out.update({m: x @ self._fits[m.removeprefix("latency/")].coef for m in gpu})
        return {m: out[m] for m in metrics}

    def note10_latency(self, ks_idx: np.ndarray, e_idx: np.ndarray, active: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Sum of the Note10 per-layer table entries of each subnet (ms)."""
        res = np.searchsorted(self._arrays["note10_resolutions"], r)
        blocks = self._arrays["note10_block_ms"][res[:, None], np.arange(NUM_BLOCKS), ks_idx, e_idx]
        return self._arrays["note10_fixed_ms"][res] + (blocks * active).sum(axis=1)

    def arch_info(self, archs: np.ndarray) -> dict[str, np.ndarray]:
        v = self.query_many(archs, ["macs", "params", "latency/note10"])
        return {"macs_m": v["macs"], "params_m": v["params"], "latency_note10_ms": v["latency/note10"]}


__all__ = ["RESOLUTIONS", "LatencyFit", "OFABenchmark", "architecture_costs", "help_latency_fits"]
