"""NAS-Bench-301 sources: YAHPO's ONNX surrogates and NASLib's 725 genotypes with true accuracy.

The cache (``<cache>/nb301/``) holds:

* ``new_model_2021.onnx`` and ``model_v2.onnx``: the surrogates, copied unchanged (ONNX is a
  protobuf graph, not a pickle, so it is safe to load at run time);
* ``new_model_2021_batched.onnx``: the 2021 graph with its batch dimension made dynamic (derived
  here with the ``onnx`` package). The source declares a batch of 1, which forces onnxruntime to
  run one row per call; every op of the graph works row by row, so only the declared input and
  output shapes change and a whole batch runs in one call (:func:`dynamic_batch`);
* ``config_space_v2.json``: YAHPO's ConfigSpace of the DARTS space, for validity checks;
* ``naslib301.npz``: NASLib's ``zc_nasbench301.json`` as arrays: ``codes`` ``(725, 24)`` (the
  op codes of :mod:`nas_gym.spaces.darts`), ``val_accuracy`` (%, from real NB301 training
  runs), ``params``, ``flops`` and ``idx`` (NASLib's sample number).

The converter checks that ``encoding_v2.json`` and ``config_space_v2.json`` agree with the
encodings hard-coded in :mod:`nas_gym.spaces.darts`, so a changed source cannot silently
shuffle columns.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from nas_gym.data.sources import DatasetSpec, SourceFile, github_raw
from nas_gym.data.store import DataError, atomic_savez
from nas_gym.spaces.darts import (
    CELLS,
    EDGE_OFFSET,
    NODE_PAIRS,
    NODES,
    NUM_EDGES,
    ONNX_OP_CODES,
    OPS,
    YAHPO_PREFIX,
    naslib_to_codes,
)

MODEL_2021 = "new_model_2021.onnx"
MODEL_2021_BATCHED = "new_model_2021_batched.onnx"
MODEL_V2 = "model_v2.onnx"
CONFIG_SPACE = "config_space_v2.json"
NASLIB = "naslib301.npz"
NUM_NASLIB = 725

_YAHPO_2021 = ("slds-lmu/yahpo_data", "3a646b874bb2e3a9c10b58ae2f42158e3a54a811")
_YAHPO_V2 = ("slds-lmu/yahpo_data", "0e288068134f4af8d231c63d2a941e5ab8060ef0")
_NASLIB = ("automl/NASLib", "7989ad22353d7aab2a3dd47133112857b9e97455")

FILES: tuple[SourceFile, ...] = (
    SourceFile(
        f"nb301/{MODEL_2021}",
        "19ff95f1d166de66871d0c66e15c155f",
        2578406,
        github_raw(*_YAHPO_2021, "nb301/new_model.onnx"),
    ),
    SourceFile(
        f"nb301/{MODEL_V2}", "d7ec8dd5f82180043ec64e599ef5eae7", 2781646, github_raw(*_YAHPO_V2, "nb301/model_v2.onnx")
    ),
    SourceFile(
        "nb301/encoding_v2.json",
        "c6d2485f626c4c22e921360b9923c508",
        6706,
        github_raw(*_YAHPO_V2, "nb301/encoding_v2.json"),
    ),
    SourceFile(
        f"nb301/{CONFIG_SPACE}",
        "69ecb9459c3c14f71a934926a80d1878",
        18982,
        github_raw(*_YAHPO_V2, f"nb301/{CONFIG_SPACE}"),
    ),
    SourceFile(
        "nb301/zc_nasbench301.json",
        "59a79af7b94de5c2a23b8ffa15b4f004",
        820765,
        github_raw(*_NASLIB, "naslib/data/zc_nasbench301.json"),
    ),
)


def _check_encoding(encoding: Mapping[str, Mapping[str, int]]) -> None:
    """``encoding_v2.json`` must give exactly the ONNX codes :func:`codes_to_onnx` writes."""
    edge_codes = {"#na#": 0, **ONNX_OP_CODES}
    for cell in CELLS:
        for e in range(NUM_EDGES):
            if dict(encoding[f"{YAHPO_PREFIX}edge_{cell}_{e}"]) != edge_codes:
                raise ValueError(f"encoding_v2.json: edge_{cell}_{e} codes differ from {edge_codes}")
        for j, n in enumerate(NODES[1:], start=1):
            pair_codes = {"#na#": 0, **{f"{a}_{b}": i + 1 for i, (a, b) in enumerate(NODE_PAIRS[j])}}
            if dict(encoding[f"{YAHPO_PREFIX}inputs_node_{cell}_{n}"]) != pair_codes:
                raise ValueError(f"encoding_v2.json: inputs_node_{cell}_{n} codes differ from {pair_codes}")


def _check_config_space(space: Mapping) -> None:
    """``config_space_v2.json`` must describe the space of :mod:`nas_gym.spaces.darts`."""
    choices = {h["name"]: h.get("choices") for h in space["hyperparameters"]}
    for cell in CELLS:
        for j, (n, offset) in enumerate(zip(NODES, EDGE_OFFSET, strict=True)):
            for i in range(n):
                if choices.get(f"{YAHPO_PREFIX}edge_{cell}_{offset + i}") != list(OPS):
                    raise ValueError(f"config_space_v2.json: edge_{cell}_{offset + i} choices differ from {OPS}")
            if n > 2 and choices.get(f"{YAHPO_PREFIX}inputs_node_{cell}_{n}") != [f"{a}_{b}" for a, b in NODE_PAIRS[j]]:
                raise ValueError(f"config_space_v2.json: inputs_node_{cell}_{n} choices differ from NODE_PAIRS")


ROW_WISE_OPS = frozenset(
    {"Add", "Cast", "Concat", "Constant", "ConstantOfShape", "Div", "Gather", "Gemm", "Mul", "Selu", "Shape"}
    | {"Sigmoid", "Sub", "Unsqueeze"}
)
"""Ops of the 2021 graph. None can hard-code a batch size: the batch only enters through ``Shape``.
Ops that take a target shape as a constant (``Reshape``, ``Expand``, ``Tile``, ``Flatten``, ...)
could, so a graph holding any op outside this set is refused rather than rewritten."""

BATCH_DIM = "batch"


def dynamic_batch(source: Path, out: Path) -> None:
    """Write ``source`` (an ONNX graph declaring batch size 1) to ``out`` with a symbolic batch dim.

    Only the first dim of every graph input and output changes; ``onnx.checker`` then validates
    the whole graph. The derived file's md5 goes into the manifest like every cache output, and
    ``tests/test_darts_nb301.py`` checks its predictions equal the source's, row by row.
    """
    try:
        import onnx
    except ImportError:
        raise DataError(
            "importing nb301 needs the onnx package (to derive the batched surrogate): pip install 'nas-gym[surrogate]'"
        ) from None
    model = onnx.load(str(source))
    unknown = sorted({node.op_type for node in model.graph.node} - ROW_WISE_OPS)
    if unknown:
        raise DataError(f"{source.name}: ops {unknown} may fix the batch size; cannot make the batch dim dynamic")
    for value in (*model.graph.input, *model.graph.output):
        dim = value.type.tensor_type.shape.dim[0]
        if dim.dim_value != 1:
            raise DataError(f"{source.name}: {value.name!r} has first dim {dim}, expected a batch of 1")
        dim.Clear()
        dim.dim_param = BATCH_DIM
    onnx.checker.check_model(model, full_check=True)  # full_check runs strict shape inference too
    onnx.save(model, str(out))


def convert(files: Mapping[str, Path], out: Path) -> dict:
    """Copy the surrogates and the config space, derive the batched 2021 graph, turn NASLib's 725
    genotypes into arrays."""
    _check_encoding(json.loads(files["nb301/encoding_v2.json"].read_text()))
    _check_config_space(json.loads(files[f"nb301/{CONFIG_SPACE}"].read_text()))
    for name in (MODEL_2021, MODEL_V2, CONFIG_SPACE):
        shutil.copyfile(files[f"nb301/{name}"], out / name)
    dynamic_batch(out / MODEL_2021, out / MODEL_2021_BATCHED)

    records = json.loads(files["nb301/zc_nasbench301.json"].read_text())["cifar10"]
    if len(records) != NUM_NASLIB:
        raise ValueError(f"zc_nasbench301.json: expected {NUM_NASLIB} cifar10 records, got {len(records)}")
    rows = list(records.values())
    codes = np.stack([naslib_to_codes(r["arch"]) for r in rows]).astype(np.uint8)
    val = np.array([r["val_accuracy"] for r in rows], dtype=np.float64)
    atomic_savez(
        out / NASLIB,
        codes=codes,
        val_accuracy=val,
        params=np.array([r["params"]["score"] for r in rows], dtype=np.float64),
        flops=np.array([r["flops"]["score"] for r in rows], dtype=np.float64),
        idx=np.array([int(r["idx"]) for r in rows], dtype=np.int64),
    )
    return {"naslib_records": len(rows), "naslib_val_accuracy_range": [float(val.min()), float(val.max())]}


SPEC = DatasetSpec(
    name="nb301",
    description="NAS-Bench-301: YAHPO ONNX surrogates (2021, v2), config space, NASLib's 725 genotypes with val acc",
    files=FILES,
    convert=convert,
    outputs=(MODEL_2021, MODEL_2021_BATCHED, MODEL_V2, CONFIG_SPACE, NASLIB),
    license="YAHPO surrogates and config space Apache-2.0 (slds-lmu/yahpo_data); NASLib Apache-2.0",
)
