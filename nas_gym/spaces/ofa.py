"""The Once-for-All MobileNetV3 space of the ``ofa_mbv3_d234_e346_k357_w1.2`` supernet.

Five stages of up to four MBConv blocks (20 blocks); per stage a depth of 2, 3 or 4; per
block a kernel size 3/5/7 and an expand ratio 3/4/6 (9 ops); an input resolution. Block
``i`` sits in stage ``i // 4`` at position ``i % 4`` and is *active* iff its position is
below its stage's depth: inactive blocks do not exist in the network, so their ops are
padding that no metric reads.

Encodings (all batched over leading dimensions):

* **dict** (the OFA release's form): ``{"ks": [20], "e": [20], "d": [5], "r": int}``;
* **op codes**: 26 ints: ``[0:20]`` op per block, ``op = 3 * e_index + k_index`` (see
  :data:`OPS`: ``e3k3, e3k5, e3k7, e4k3, ..., e6k7``); ``[20:25]`` depth code per stage
  (0, 1, 2 -> depth 2, 3, 4); ``[25]`` index into the space's ``resolutions``. Like alpha
  and the OFA dicts, codes keep an op in every block slot; the ops of inactive slots are
  padding. :meth:`OFASearchSpace.canonical` sets them to 0, and :meth:`OFASearchSpace.key`
  identifies architectures, not codes;
* **alpha** (the L2NAS action): the 20x9 op matrix and the 5x3 depth matrix flattened
  row-major and concatenated (195 values), plus a 5-value resolution head only when the
  space searches resolution (default: fixed at 224, as the paper presumably did);
* **one-hot**: alpha's layout, one 1 per row (the paper's discretized alpha, padding rows
  included), so ``discretize(one_hot(codes)) == codes`` for every valid ``codes``;
* **text**: ``r=224 d=4,4,4,4,4 ops=e6k7,...`` with ``-`` for an inactive block (canonical);
* **predictor features**: the 128-d vector of the OFA accuracy predictor (data README §9).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from nas_gym.spaces.base import SearchSpace

KERNEL_SIZES: tuple[int, ...] = (3, 5, 7)
EXPAND_RATIOS: tuple[int, ...] = (3, 4, 6)
DEPTHS: tuple[int, ...] = (2, 3, 4)
RESOLUTIONS: tuple[int, ...] = (160, 176, 192, 208, 224)
"""Resolutions with a Note10 latency table; the accuracy predictor also covers them."""
PREDICTOR_RESOLUTIONS: tuple[int, ...] = tuple(range(112, 225, 16))
"""The predictor's resolution one-hot has one slot per entry (data README §9)."""

NUM_STAGES = 5
MAX_DEPTH = 4
NUM_BLOCKS = NUM_STAGES * MAX_DEPTH
OPS: tuple[str, ...] = tuple(f"e{e}k{k}" for e in EXPAND_RATIOS for k in KERNEL_SIZES)
CODE_LENGTH = NUM_BLOCKS + NUM_STAGES + 1
PREDICTOR_DIM = 128

# The w1.2 network around the searchable blocks (channel numbers confirmed by the Note10 tables).
STEM_WIDTH = 24
STAGE_WIDTHS: tuple[int, ...] = (32, 48, 96, 136, 192)
STAGE_STRIDES: tuple[int, ...] = (2, 2, 2, 1, 2)
STAGE_SE: tuple[bool, ...] = (False, True, False, True, True)
STAGE_HSWISH: tuple[bool, ...] = (False, False, True, True, True)
FINAL_EXPAND_WIDTH = 1152
FEATURE_MIX_WIDTH = 1536
NUM_CLASSES = 1000

_STAGE_OF_BLOCK = np.repeat(np.arange(NUM_STAGES), MAX_DEPTH)
_POSITION = np.tile(np.arange(MAX_DEPTH), NUM_STAGES)
_TEXT = re.compile(r"^r=(\d+) d=([0-9,]+) ops=([a-z0-9,\-]+)$")
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_OP_RADIX = np.uint64(len(OPS)) ** np.arange(NUM_BLOCKS, dtype=np.uint64)
_DEPTH_RADIX = np.uint64(len(DEPTHS)) ** np.arange(NUM_STAGES, dtype=np.uint64)
_EYE3, _EYE9 = np.eye(3, dtype=np.float32), np.eye(len(OPS), dtype=np.float32)
_EYE_RES = np.eye(len(PREDICTOR_RESOLUTIONS), dtype=np.float32)
_DEPTH_VALUES = np.asarray(DEPTHS)


def _depths(arr: np.ndarray) -> np.ndarray:
    """Depths of validated codes."""
    return _DEPTH_VALUES[arr[..., NUM_BLOCKS : NUM_BLOCKS + NUM_STAGES]]


def _active(arr: np.ndarray) -> np.ndarray:
    """Active-block mask of validated codes."""
    return _depths(arr)[..., _STAGE_OF_BLOCK] > _POSITION


def _splitmix64(z: np.ndarray) -> np.ndarray:
    """The SplitMix64 finalizer: a bijective, well-mixed map of uint64 (wrapping arithmetic)."""
    with np.errstate(over="ignore"):  # wrapping is the point; numpy only warns for 0-d inputs
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def side_after(side: int | np.ndarray, stride: int) -> int | np.ndarray:
    """Feature-map side after a 'same'-padded conv of this stride (``ceil(side / stride)``)."""
    return (side - 1) // stride + 1


def block_geometry(resolution: int) -> list[dict]:
    """Shape of every block slot at ``resolution``, as if all 20 were active.

    The input of a stage's first block is the previous stage's output whatever its depth, so
    every slot's shapes are fixed by the resolution alone. Keys: ``in_side``, ``out_side``,
    ``in_ch``, ``out_ch``, ``stride``, ``identity`` (residual skip), ``se``, ``hswish``.
    """
    side = side_after(resolution, 2)  # stem conv, stride 2; the fixed first block keeps the side
    in_ch, rows = STEM_WIDTH, []
    for i in range(NUM_BLOCKS):
        stage, first = int(_STAGE_OF_BLOCK[i]), _POSITION[i] == 0
        stride = STAGE_STRIDES[stage] if first else 1
        out_side = side_after(side, stride)
        rows.append(
            {
                "in_side": side,
                "out_side": out_side,
                "in_ch": in_ch,
                "out_ch": STAGE_WIDTHS[stage],
                "stride": stride,
                "identity": not first,
                "se": STAGE_SE[stage],
                "hswish": STAGE_HSWISH[stage],
            }
        )
        side, in_ch = out_side, STAGE_WIDTHS[stage]
    return rows


class OFASearchSpace(SearchSpace):
    """OFA-MobileNetV3 (w1.2) encodings.

    Args:
        resolutions: the input resolutions the space searches, a sorted subset of
            :data:`RESOLUTIONS`. One value (default ``(224,)``) fixes it and drops the
            resolution head from alpha; several add a head of that many columns.
    """

    name = "ofa-mbv3-w1.2"
    ops = OPS
    code_length = CODE_LENGTH
    structured_key = "arch_dict"

    def __init__(self, resolutions: Sequence[int] = (224,)):
        res = tuple(int(r) for r in resolutions)
        if not res or any(r not in RESOLUTIONS for r in res) or list(res) != sorted(set(res)):
            raise ValueError(
                f"resolutions must be a sorted, duplicate-free subset of {RESOLUTIONS} (the resolutions with "
                f"Note10 latency tables), got {tuple(resolutions)}"
            )
        self.resolutions = res
        self._res_values = np.array(res, dtype=np.int64)
        self.searches_resolution = len(res) > 1
        self.alpha_shape = (NUM_BLOCKS * len(OPS) + NUM_STAGES * len(DEPTHS) + (len(res) if len(res) > 1 else 0),)
        self.code_nvec = (len(OPS),) * NUM_BLOCKS + (len(DEPTHS),) * NUM_STAGES + (len(res),)
        self._nvec = np.array(self.code_nvec)
        # canonical architectures: per stage sum_d 9**d op choices of its active blocks, per resolution
        self.num_archs = sum(len(OPS) ** d for d in DEPTHS) ** NUM_STAGES * len(res)

    # -- validation and structure ------------------------------------------------------------
    def check_codes(self, codes: np.ndarray | Sequence) -> np.ndarray:
        """``codes`` as an int64 array ``(..., 26)``; raises ``ValueError`` naming the bad entry."""
        arr = np.asarray(codes)
        if arr.dtype.kind not in "iu":
            raise ValueError(f"OFA op codes must be integers, got dtype {arr.dtype}")
        if arr.ndim == 0 or arr.shape[-1] != CODE_LENGTH:
            raise ValueError(f"OFA op codes must have shape (..., {CODE_LENGTH}), got {arr.shape}")
        arr = arr.astype(np.int64)
        nvec = self._nvec
        bad = (arr < 0) | (arr >= nvec)
        if bad.any():
            j = int(np.argwhere(bad)[0][-1])
            part = "op" if j < NUM_BLOCKS else "depth" if j < NUM_BLOCKS + NUM_STAGES else "resolution"
            raise ValueError(f"OFA code {j} ({part}) must lie in 0..{nvec[j] - 1}, got {arr[..., j][bad[..., j]][0]}")
        return arr

    def depths(self, codes: np.ndarray) -> np.ndarray:
        """Depth of each stage ``(..., 5)`` (2, 3 or 4)."""
        return _depths(self.check_codes(codes))

    def active(self, codes: np.ndarray) -> np.ndarray:
        """Boolean ``(..., 20)``: which block slots exist in the network."""
        return _active(self.check_codes(codes))

    def resolution(self, codes: np.ndarray) -> np.ndarray:
        """Input resolution in pixels ``(...)``."""
        return self._res_values[self.check_codes(codes)[..., -1]]

    def canonical(self, codes: np.ndarray) -> np.ndarray:
        """The same architectures with op 0 in every inactive block."""
        arr = self.check_codes(codes).copy()
        arr[..., :NUM_BLOCKS] *= _active(arr)
        return arr

    # -- continuous relaxation -------------------------------------------------------------
    def split_alpha(self, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``(..., alpha_dim)`` -> op matrix ``(..., 20, 9)``, depth matrix ``(..., 5, 3)``, resolution head."""
        a = np.asarray(alpha)
        if a.ndim == 0 or a.shape[-1] != self.alpha_dim:
            raise ValueError(f"OFA alpha must have shape (..., {self.alpha_dim}), got {a.shape}")
        n_op, n_depth = NUM_BLOCKS * len(OPS), NUM_STAGES * len(DEPTHS)
        ops = a[..., :n_op].reshape(*a.shape[:-1], NUM_BLOCKS, len(OPS))
        depth = a[..., n_op : n_op + n_depth].reshape(*a.shape[:-1], NUM_STAGES, len(DEPTHS))
        return ops, depth, (a[..., n_op + n_depth :] if self.searches_resolution else None)

    def discretize(self, alpha: np.ndarray) -> np.ndarray:
        """Row-wise argmax of each matrix (paper Algorithm 1); ties go to the lowest column."""
        ops, depth, res = self.split_alpha(alpha)
        res_code = res.argmax(axis=-1) if res is not None else np.zeros(ops.shape[:-2], dtype=np.int64)
        return np.concatenate([ops.argmax(axis=-1), depth.argmax(axis=-1), res_code[..., None]], axis=-1)

    def one_hot(self, codes: np.ndarray) -> np.ndarray:
        arr = self.check_codes(codes)
        ops = _EYE9[arr[..., :NUM_BLOCKS]]
        depth = _EYE3[arr[..., NUM_BLOCKS : NUM_BLOCKS + NUM_STAGES]]
        parts = [ops.reshape(*arr.shape[:-1], -1), depth.reshape(*arr.shape[:-1], -1)]
        if self.searches_resolution:
            parts.append(np.eye(len(self.resolutions), dtype=np.float32)[arr[..., -1]])
        return np.concatenate(parts, axis=-1)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Uniform op, depth and resolution per slot, as OFA's ``sample_active_subnet``."""
        return np.stack([rng.integers(0, k, size=n) for k in self.code_nvec], axis=-1)

    def key(self, codes: np.ndarray) -> np.ndarray:
        """A 64-bit hash of the canonical architecture (ops, depths and the resolution in pixels).

        The space holds about 2.2e19 distinct architectures per resolution, more than 2**64,
        so no int64 key can be exact: two architectures share a key with probability 2**-64
        (about 3e-10 for 10**5 distinct queries). Keys do not depend on ``resolutions``.
        """
        canon = self.canonical(codes)
        arr = canon.astype(np.uint64)
        ops = arr[..., :NUM_BLOCKS] @ _OP_RADIX  # < 9**20 < 2**64: exact
        depth = arr[..., NUM_BLOCKS : NUM_BLOCKS + NUM_STAGES] @ _DEPTH_RADIX
        rest = depth * np.uint64(1000) + self._res_values[canon[..., -1]].astype(np.uint64)
        return _splitmix64(ops ^ _splitmix64(rest + np.uint64(1))).view(np.int64)

    # -- dict form (the OFA release's) --------------------------------------------------------
    def to_structured(self, codes: np.ndarray) -> list:
        """OFA dicts ``{"ks", "e", "d", "r"}``, as ``info["arch_dict"]``."""
        return self.to_dicts(codes)

    def to_dicts(self, codes: np.ndarray) -> list[dict]:
        """``(n, 26)`` codes -> OFA dicts; all 20 ks/e entries are filled, inactive ones with the padding op."""
        arr = self.check_codes(codes).reshape(-1, CODE_LENGTH)
        ks = np.asarray(KERNEL_SIZES)[arr[:, :NUM_BLOCKS] % 3]
        e = np.asarray(EXPAND_RATIOS)[arr[:, :NUM_BLOCKS] // 3]
        d, r = _depths(arr), self._res_values[arr[:, -1]]
        return [{"ks": ks[i].tolist(), "e": e[i].tolist(), "d": d[i].tolist(), "r": int(r[i])} for i in range(len(arr))]

    def from_dicts(self, archs: Sequence[Mapping]) -> np.ndarray:
        """OFA dicts -> codes ``(n, 26)``, padding kept; ``r`` may be left out when the space fixes it."""
        if isinstance(archs, Mapping):
            raise ValueError("from_dicts takes a sequence of dicts; wrap a single architecture in a list")
        rows = []
        for arch in archs:
            try:
                ks, e, d = list(arch["ks"]), list(arch["e"]), list(arch["d"])
            except (KeyError, TypeError):
                raise ValueError(f"an OFA architecture is a dict with keys ks, e, d (and r), got {arch!r}") from None
            r = arch.get("r", self.resolutions[0] if not self.searches_resolution else None)
            if len(ks) != NUM_BLOCKS or len(e) != NUM_BLOCKS or len(d) != NUM_STAGES:
                raise ValueError(f"ks and e need {NUM_BLOCKS} entries and d {NUM_STAGES}, got {arch!r}")
            for name, values, allowed in (("ks", ks, KERNEL_SIZES), ("e", e, EXPAND_RATIOS), ("d", d, DEPTHS)):
                wrong = [v for v in values if v not in allowed]
                if wrong:
                    raise ValueError(f"{name} values must be in {allowed}, got {wrong[0]!r}")
            if r is None or int(r) not in self.resolutions:
                raise ValueError(f"r={r!r} is not searched by this space; its resolutions are {self.resolutions}")
            ops = [3 * EXPAND_RATIOS.index(ei) + KERNEL_SIZES.index(ki) for ki, ei in zip(ks, e, strict=True)]
            rows.append(ops + [DEPTHS.index(di) for di in d] + [self.resolutions.index(int(r))])
        return self.check_codes(np.array(rows, dtype=np.int64).reshape(-1, CODE_LENGTH))

    # -- text form -------------------------------------------------------------------------
    def to_string(self, codes: np.ndarray) -> list[str]:
        arr = self.check_codes(codes).reshape(-1, CODE_LENGTH)
        act, d, r = _active(arr), _depths(arr), self._res_values[arr[:, -1]]
        out = []
        for i in range(len(arr)):
            ops = ",".join(OPS[o] if a else "-" for o, a in zip(arr[i, :NUM_BLOCKS].tolist(), act[i], strict=True))
            out.append(f"r={r[i]} d={','.join(map(str, d[i].tolist()))} ops={ops}")
        return out

    def from_strings(self, texts: Sequence[str]) -> np.ndarray:
        """Parse :meth:`to_string` output back into canonical codes ``(n, 26)``."""
        if isinstance(texts, str):
            raise ValueError("from_strings takes a sequence of strings; wrap a single one in a list")
        archs = []
        for text in texts:
            m = _TEXT.match(text.strip()) if isinstance(text, str) else None
            if m is None:
                raise ValueError(f"not an OFA architecture string (expected 'r=224 d=4,... ops=e6k7,...'): {text!r}")
            d = [int(v) for v in m.group(2).split(",")]
            ops = m.group(3).split(",")
            if len(ops) != NUM_BLOCKS:
                raise ValueError(f"{text!r} lists {len(ops)} ops, expected {NUM_BLOCKS} ('-' for inactive blocks)")
            unknown = [o for o in ops if o != "-" and o not in OPS]
            if unknown:
                raise ValueError(f"unknown OFA op {unknown[0]!r} in {text!r}; ops are {', '.join(OPS)} or '-'")
            op_ids = [OPS.index(o) if o != "-" else 0 for o in ops]
            archs.append(
                {
                    "ks": [KERNEL_SIZES[o % 3] for o in op_ids],
                    "e": [EXPAND_RATIOS[o // 3] for o in op_ids],
                    "d": d,
                    "r": int(m.group(1)),
                }
            )
        codes = self.canonical(self.from_dicts(archs))
        for text, row in zip(texts, self.to_string(codes), strict=True):
            if text.strip() != row:
                raise ValueError(
                    f"{text!r} marks active/inactive blocks inconsistently with its depths; expected {row!r}"
                )
        return codes

    def describe(self, codes_row: np.ndarray) -> str:
        """One line per stage, for ``render``."""
        row = self.check_codes(np.asarray(codes_row)[None])[0]
        act, d = self.active(row), self.depths(row)
        lines = [f"resolution {int(self.resolution(row))}"]
        for s in range(NUM_STAGES):
            blocks = [OPS[row[i]] for i in range(s * MAX_DEPTH, (s + 1) * MAX_DEPTH) if act[i]]
            lines.append(f"stage {s} (width {STAGE_WIDTHS[s]}, depth {d[s]}): {' '.join(blocks)}")
        return "\n".join(lines)

    # -- accuracy-predictor input ------------------------------------------------------------
    def predictor_features(self, codes: np.ndarray) -> np.ndarray:
        """The 128-d float32 input of the OFA accuracy predictor ``(..., 128)`` (data README §9).

        ``[0:60]`` kernel one-hot and ``[60:120]`` expand one-hot, 3 slots per block, zero for
        inactive blocks; ``[120:128]`` resolution one-hot over 112, 128, ..., 224.
        """
        arr = self.check_codes(codes)
        act = _active(arr)[..., None]
        ops = arr[..., :NUM_BLOCKS]
        kernel = (_EYE3[ops % 3] * act).reshape(*arr.shape[:-1], -1)
        expand = (_EYE3[ops // 3] * act).reshape(*arr.shape[:-1], -1)
        res = _EYE_RES[(self._res_values[arr[..., -1]] - PREDICTOR_RESOLUTIONS[0]) // 16]
        return np.concatenate([kernel, expand, res], axis=-1)
