"""A synthetic NB201 source folder, laid out like shared/data/nb201, built by the tests themselves.

Same formats as the real files (CSV, pandas pickle, torch-saved lists, NASLib JSON) with made-up
numbers and a shuffled index order, so the importer is exercised without the real data.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import numpy as np

from nas_gym.data import nb201 as nb201_data
from nas_gym.data.sources import DatasetSpec, SourceFile
from nas_gym.data.store import md5sum
from nas_gym.spaces.nb201 import NUM_ARCHS, codes_to_naslib, codes_to_strings, rank_to_codes


def build_sources(root: Path, seed: int = 0, test200_offset: float = 0.0) -> np.ndarray:
    """Write fake NB201 sources under ``root/nb201``; returns the op codes in fixture index order.

    ``test200_offset`` shifts only the 200-epoch test column (for the honesty test).
    """
    import pandas as pd
    import torch

    rng = np.random.default_rng(seed)
    codes = rank_to_codes(rng.permutation(NUM_ARCHS))
    archs = codes_to_strings(codes)
    quality = (codes == 3).sum(1) * 2.0 + (codes == 2).sum(1) + rng.uniform(0, 1, NUM_ARCHS)
    d = root / "nb201"
    (d / "latency").mkdir(parents=True, exist_ok=True)
    with open(d / "nats_bench.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*nb201_data._CSV_COLUMNS.values(), "ArchitectureString", "UniqueString"])
        for i, a in enumerate(archs):
            base = 80 + quality[i] + test200_offset
            w.writerow([base, base - 20, base - 45, a, f"iso{i % 97}"])
    mini = {"arch": np.arange(NUM_ARCHS), "cellstr": archs}
    for k, prefix in enumerate(("cifar10", "cifar100", "imagenet")):
        mini[f"{prefix}-test"] = 70 + quality - 10 * k
        mini[f"{prefix}-val"] = 69 + quality - 10 * k + rng.uniform(-1, 1, NUM_ARCHS)
    pd.DataFrame(mini).to_pickle(d / "mini-bench-arch-cell-accs.pd")
    torch.save({a: i for i, a in enumerate(archs)}, d / "latency" / "str_arch2idx.pt")
    for j, dev in enumerate(nb201_data.LATENCY_DEVICES):
        torch.save((1.0 + j + quality).tolist(), d / "latency" / f"{dev}.pt")
    sample = {
        str(tuple(int(t) for t in codes_to_naslib(codes[i]))): {
            "val_accuracy": float(85 + quality[i]),
            "params": {"score": 0.5 + i / 1e4, "time": 0.1},
            "flops": {"score": 80.0 + i, "time": 0.1},
        }
        for i in range(5)
    }
    (d / "zc_nasbench201.json").write_text(json.dumps({ds: sample for ds in nb201_data.DATASETS}))
    return codes


def spec_for(root: Path) -> DatasetSpec:
    """The NB201 spec with md5s and sizes of the fixture files instead of the real ones."""
    files = tuple(
        dataclasses.replace(f, md5=md5sum(root / f.path), size=(root / f.path).stat().st_size)
        for f in nb201_data.SPEC.files
    )
    return dataclasses.replace(nb201_data.SPEC, files=files)


__all__ = ["SourceFile", "build_sources", "spec_for"]
