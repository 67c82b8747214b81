"""OFA-MobileNetV3 (w1.2) sources and their conversion into plain arrays (``ofa/ofa.npz``).

* ``w0, b0, ..., w3, b3`` (float32): the OFA accuracy predictor, ``y = L3(relu(L2(relu(L1(relu(L0(x)))))))``
  with ``Lj(x) = x @ wj.T + bj`` on the 128-d encoding (data README §9); ``y`` is a fraction.
* ``note10_block_ms[res, block, k, e]`` (float64, ms): the Note10 latency of block slot ``block``
  with kernel ``KERNEL_SIZES[k]`` and expand ratio ``EXPAND_RATIOS[e]`` at ``note10_resolutions[res]``,
  and ``note10_fixed_ms[res]``: stem conv + fixed first block + Conv_1 + pool + Conv_2 + logits.
  A subnet's latency is ``fixed + sum of its active blocks`` (the recipe of data README §10);
  every one of each table's 96 keys is used exactly once, which the converter asserts.
* ``help_ks, help_e`` (int8, ``(5000, 20)``), ``help_d`` (``(5000, 5)``), ``help_r`` (``(5000,)``) and
  ``help_latency_ms[arch, device]`` for ``help_devices`` (GPU_batch): HELP's measured subnets.
  Their resolutions run 128..224 in steps of 4, so most lie outside the space's Note10 set.

The torch files are opened only here, with ``torch.load(weights_only=True)``; the YAML tables
with ``yaml.safe_load``. Nothing is unpickled at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from nas_gym.data.sources import DatasetSpec, SourceFile, github_raw
from nas_gym.data.store import atomic_savez
from nas_gym.spaces.ofa import (
    EXPAND_RATIOS,
    FEATURE_MIX_WIDTH,
    FINAL_EXPAND_WIDTH,
    KERNEL_SIZES,
    NUM_BLOCKS,
    RESOLUTIONS,
    STAGE_WIDTHS,
    STEM_WIDTH,
    block_geometry,
    side_after,
)

TABLE = "ofa.npz"
_HAN_CAI = ("han-cai/files", "a7c9bcd525e17404968bc55aa43772bf7e51909e")
_HELP = ("HayeonLee/HELP", "45f70eb92d0d735970a33b608d1544ad3c52f285")

NOTE10_MD5 = {
    160: ("90b33a7876c822ccd834131f97d29789", 15088),
    176: ("0149e1cacc871a5e0303025a5388caef", 15047),
    192: ("fc0a3a572cd6024a1d1674151a57ab79", 15076),
    208: ("5c7c4829d00a6e5a763713a347727224", 15083),
    224: ("84261d0156815a778242897a918b6137", 15007),
}
HELP_LATENCY_MD5 = {
    "2080ti_1": "230255be326d4ab52d485e3ab3c5bbce",
    "2080ti_32": "92198bea28656383407d48c625229de7",
    "2080ti_64": "9402a44f90b34fae1929f4b5a5e469cc",
    "titan_rtx_1": "9db29aea2f0200a0c455cbd311c83901",
    "titan_rtx_32": "51457e32b556c4a6d535fd0244d4ca84",
    "titan_rtx_64": "c46b37c9633cb6a5cb9a7f9ff3026330",
    "titan_xp_1": "7d477e60905e9973dee3158f5281ea7b",
    "titan_xp_32": "c7c51df3d774646dae0f3d032fd0db9c",
    "titan_xp_64": "ac451d4ea851ff9a85df60958e5b6106",
    "v100_1": "14222c7835dcd59d43b2fc2abc92a7b2",
    "v100_32": "a96e3094a7432516308747b73d7854e4",
    "v100_64": "5e158fe67fcf02b18dfbe052ead1049e",
}
HELP_DEVICES = tuple(HELP_LATENCY_MD5)
HELP_NUM_ARCHS = 5000

FILES: tuple[SourceFile, ...] = (
    SourceFile(
        "ofa/acc_predictor.pth",
        "346f17821f6252a584443e1177ff7461",
        1492497,
        github_raw(*_HAN_CAI, "ofa/acc_predictor.pth"),
    ),
    *(
        SourceFile(
            f"ofa/note10/{r}_lookup_table.yaml", md5, size, github_raw(*_HAN_CAI, f"ofa/note10/{r}_lookup_table.yaml")
        )
        for r, (md5, size) in NOTE10_MD5.items()
    ),
    SourceFile(
        "ofa/help/ofa_archs.pt", "419dcba5c169a4495de2f6ca5723b9f4", 904943, github_raw(*_HELP, "data/ofa/ofa_archs.pt")
    ),
    *(
        SourceFile(f"ofa/help/latency/{dev}.pt", md5, 45423, github_raw(*_HELP, f"data/ofa/latency/{dev}.pt"))
        for dev, md5 in HELP_LATENCY_MD5.items()
    ),
)


def _block_key(g: dict, kernel: int, expand: int) -> str:
    mid = round(g["in_ch"] * expand)
    return (
        f"expanded_conv-input:{g['in_side']}x{g['in_side']}x{g['in_ch']}"
        f"-output:{g['out_side']}x{g['out_side']}x{g['out_ch']}-expand:{mid}-kernel:{kernel}-stride:{g['stride']}"
        f"-idskip:{int(g['identity'])}-se:{int(g['se'])}-hs:{int(g['hswish'])}"
    )


def _fixed_keys(r: int) -> list[str]:
    """Layers every subnet has at resolution ``r`` (data README §10, steps 1, 2, 4-7)."""
    f = side_after(r, 2)
    last = block_geometry(r)[-1]["out_side"]
    return [
        f"Conv-input:{r}x{r}x3-output:{f}x{f}x{STEM_WIDTH}",
        f"expanded_conv-input:{f}x{f}x{STEM_WIDTH}-output:{f}x{f}x{STEM_WIDTH}-expand:{STEM_WIDTH}-kernel:3"
        "-stride:1-idskip:1-se:0-hs:0",
        f"Conv_1-input:{last}x{last}x{STAGE_WIDTHS[-1]}-output:{last}x{last}x{FINAL_EXPAND_WIDTH}",
        f"AvgPool2D-input:{last}x{last}x{FINAL_EXPAND_WIDTH}-output:1x1x{FINAL_EXPAND_WIDTH}",
        f"Conv_2-input:1x1x{FINAL_EXPAND_WIDTH}-output:1x1x{FEATURE_MIX_WIDTH}",
        f"Logits-input:1x1x{FEATURE_MIX_WIDTH}-output:1000",
    ]


def note10_tables(tables: Mapping[int, Mapping[str, Mapping]]) -> tuple[np.ndarray, np.ndarray]:
    """Per-layer Note10 tables (``{r: {key: {"mean": ms, ...}}}``) -> ``(block_ms, fixed_ms)``.

    Raises ``ValueError`` when a key the recipe needs is missing or a table holds a key no
    subnet can use: either means the tables are not the w1.2 ones this space describes.
    """
    block_ms = np.empty((len(RESOLUTIONS), NUM_BLOCKS, len(KERNEL_SIZES), len(EXPAND_RATIOS)))
    fixed_ms = np.empty(len(RESOLUTIONS))
    for ri, r in enumerate(RESOLUTIONS):
        table = tables[r]
        used = set(_fixed_keys(r))
        for key in used:
            if key not in table:
                raise ValueError(f"Note10 table {r}: missing layer {key}")
        # summed in sorted order: a set's order (hash seed) must not move the last bit of the import
        fixed_ms[ri] = sum(float(table[k]["mean"]) for k in sorted(used))
        for i, g in enumerate(block_geometry(r)):
            for ki, k in enumerate(KERNEL_SIZES):
                for ei, e in enumerate(EXPAND_RATIOS):
                    key = _block_key(g, k, e)
                    if key not in table:
                        raise ValueError(f"Note10 table {r}: missing layer {key}")
                    block_ms[ri, i, ki, ei] = float(table[key]["mean"])
                    used.add(key)
        extra = set(table) - used
        if extra:
            raise ValueError(f"Note10 table {r}: {len(extra)} layers no subnet uses, e.g. {sorted(extra)[0]}")
    return block_ms, fixed_ms


def _torch_load(path: Path, allow_numpy_scalars: bool = False):
    """``torch.load(weights_only=True)``; HELP's arch list also needs numpy's int64 scalar allow-listed."""
    import torch

    if not allow_numpy_scalars:
        return torch.load(path, map_location="cpu", weights_only=True)
    scalar = (np._core.multiarray.scalar, "numpy.core.multiarray.scalar")
    with torch.serialization.safe_globals([scalar, np.dtype, type(np.dtype(np.int64))]):
        return torch.load(path, map_location="cpu", weights_only=True)


def convert(files: Mapping[str, Path], out: Path) -> dict:
    """Build ``ofa.npz`` from verified sources."""
    import yaml

    state = _torch_load(files["ofa/acc_predictor.pth"])
    expected = {"0": (400, 128), "2": (400, 400), "4": (400, 400), "6": (1, 400)}
    weights = {}
    for j, (layer, shape) in enumerate(expected.items()):
        w, b = state[f"{layer}.weight"].numpy(), state[f"{layer}.bias"].numpy()
        if w.shape != shape or b.shape != shape[:1]:
            raise ValueError(f"acc_predictor.pth layer {layer}: weight {w.shape}, bias {b.shape}; expected {shape}")
        weights[f"w{j}"], weights[f"b{j}"] = w.astype(np.float32), b.astype(np.float32)

    tables = {}
    for r in RESOLUTIONS:
        with open(files[f"ofa/note10/{r}_lookup_table.yaml"]) as fh:
            tables[r] = yaml.safe_load(fh)
    block_ms, fixed_ms = note10_tables(tables)

    archs = _torch_load(files["ofa/help/ofa_archs.pt"], allow_numpy_scalars=True)["arch"]
    if len(archs) != HELP_NUM_ARCHS:
        raise ValueError(f"ofa_archs.pt holds {len(archs)} archs, expected {HELP_NUM_ARCHS}")
    help_ks = np.array([a["ks"] for a in archs], dtype=np.int8)
    help_e = np.array([a["e"] for a in archs], dtype=np.int8)
    help_d = np.array([a["d"] for a in archs], dtype=np.int8)
    help_r = np.array([int(a["r"]) for a in archs], dtype=np.int16)
    latency = np.empty((HELP_NUM_ARCHS, len(HELP_DEVICES)))
    for j, dev in enumerate(HELP_DEVICES):
        values = _torch_load(files[f"ofa/help/latency/{dev}.pt"])
        if len(values) != HELP_NUM_ARCHS:
            raise ValueError(f"HELP latency {dev} has {len(values)} entries, expected {HELP_NUM_ARCHS}")
        latency[:, j] = np.asarray(values, dtype=float)

    atomic_savez(
        out / TABLE,
        **weights,
        note10_resolutions=np.array(RESOLUTIONS),
        note10_block_ms=block_ms,
        note10_fixed_ms=fixed_ms,
        help_ks=help_ks,
        help_e=help_e,
        help_d=help_d,
        help_r=help_r,
        help_latency_ms=latency,
        help_devices=np.array(HELP_DEVICES),
    )
    return {"help_archs": HELP_NUM_ARCHS, "help_archs_at_note10_resolutions": int(np.isin(help_r, RESOLUTIONS).sum())}


SPEC = DatasetSpec(
    name="ofa",
    description="OFA-MBv3 w1.2: accuracy predictor, Note10 latency tables, HELP GPU latency of 5,000 subnets",
    files=FILES,
    convert=convert,
    outputs=(TABLE,),
    license="predictor and Note10 tables: no licence file (han-cai/files, used by Apache-2.0 once-for-all); HELP MIT",
)
