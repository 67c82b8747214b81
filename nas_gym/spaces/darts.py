"""The DARTS cell space as in NAS-Bench-301: two cells, 4 intermediate nodes, 14 edges, 7 ops.

A cell has input nodes 0 (cell k-2) and 1 (cell k-1) and intermediate nodes 2..5; node ``n``
takes exactly two *distinct* earlier nodes as inputs, each through one op, and the cell output
is the concatenation of nodes 2..5. A genotype has a ``normal`` and a ``reduce`` cell. There
are ``(1 * 3 * 6 * 10 * 7**8) ** 2 ~ 1.08e18`` architectures.

Encodings (all batched, all lossless):

* **op codes** (what envs and benchmarks exchange): 24 ints, per cell (normal, reduce) and
  per node 2..5 the triple ``(pair, op_lo, op_hi)``: ``pair`` indexes the input pair
  ``(lo, hi)``, ``lo < hi``, in lexicographic order (:data:`NODE_PAIRS`), and ``op_lo`` /
  ``op_hi`` are the ops (indices into :data:`OPS`) on the edges from ``lo`` and ``hi``. Every
  code in ``[0, code_nvec)`` is a valid architecture, so codes double as a ``MultiDiscrete``
  action, and their mixed-radix rank is a unique int64 key;
* **alpha / one-hot**: float32 ``(2, 14, 7)``: cell, edge, op; edge ``offset(n) + i`` is the
  edge from node ``i`` into node ``n`` (the NB301 ConfigSpace numbering, :data:`EDGE_OFFSET`);
* **genotype**: the DARTS ``Genotype`` namedtuple, ``Genotype(normal=[('sep_conv_3x3', 0),
  ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])``; pairs 2j and
  2j+1 feed node j+2. Its ``repr`` is the text form and :func:`parse_genotype` reads it back;
* **NB301 ConfigSpace config**: ``{"NetworkSelectorDatasetInfo:darts:edge_normal_0": op, ...,
  "...:inputs_node_normal_3": "0_2", ...}`` with only the 8 active edges per cell present;
* **ONNX input**: the 34 ints ``x_cat`` of the YAHPO NB301 surrogates (data README section 7);
* **NASLib compact form**: ``[[(input, op_id) x 8], [(input, op_id) x 8]]``; NASLib's op ids
  equal the indices of :data:`OPS`.
"""

from __future__ import annotations

import ast
from collections import namedtuple
from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np

from nas_gym.spaces.base import SearchSpace

OPS: tuple[str, ...] = (
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
"""Candidate ops (no ``none``), in the paper's, NB301's and NASLib's order; column o of alpha is ``OPS[o]``."""

CELLS: tuple[str, ...] = ("normal", "reduce")
NODES: tuple[int, ...] = (2, 3, 4, 5)
EDGE_OFFSET: tuple[int, ...] = (0, 2, 5, 9)
"""Edge number of the edge from input 0 into node 2, 3, 4, 5; the edge from ``i`` into ``n`` is ``offset + i``."""
NUM_EDGES = 14
CONCAT: list[int] = [2, 3, 4, 5]

NODE_PAIRS: tuple[tuple[tuple[int, int], ...], ...] = tuple(
    tuple((a, b) for a in range(n) for b in range(a + 1, n)) for n in NODES
)
"""Input pairs of node 2..5 in lexicographic order: the ``pair`` code, and the ONNX code minus 1."""

CELL_NVEC: tuple[int, ...] = tuple(v for pairs in NODE_PAIRS for v in (len(pairs), len(OPS), len(OPS)))
CODE_NVEC: tuple[int, ...] = CELL_NVEC * len(CELLS)
CODE_LENGTH = len(CODE_NVEC)
NUM_ARCHS = int(np.prod(CODE_NVEC, dtype=np.int64))

NB301_PREFIX = "NetworkSelectorDatasetInfo:darts:"
"""Parameter-name prefix of the original NAS-Bench-301 ConfigSpace."""
YAHPO_PREFIX = "NetworkSelectorDatasetInfo_COLON_darts_COLON_"
"""The same prefix as YAHPO's ``config_space_v2.json`` spells it."""

ONNX_OP_CODES: dict[str, int] = {op: i + 1 for i, op in enumerate(sorted(OPS))}
"""YAHPO's ONNX edge codes (``encoding_v2.json``): alphabetical from 1; 0 means inactive (``#na#``)."""
ONNX_LENGTH = 34

Genotype = namedtuple("Genotype", "normal normal_concat reduce reduce_concat")
"""The DARTS genotype (same fields as ``darts/cnn/genotypes.py``)."""

_OP_ID = {op: i for i, op in enumerate(OPS)}
_OPS_TO_ONNX = np.array([ONNX_OP_CODES[op] for op in OPS], dtype=np.int32)
_ONNX_TO_OPS = np.full(len(OPS) + 1, -1, dtype=np.int64)
_ONNX_TO_OPS[_OPS_TO_ONNX] = np.arange(len(OPS))
_RADIX = np.array([int(np.prod(CODE_NVEC[i + 1 :], dtype=np.int64)) for i in range(CODE_LENGTH)], dtype=np.int64)
# Per node j: (num_pairs,) arrays of lo / hi input, and a (n, n) lookup (lo, hi) -> pair code.
_PAIR_LO = tuple(np.array([p[0] for p in pairs]) for pairs in NODE_PAIRS)
_PAIR_HI = tuple(np.array([p[1] for p in pairs]) for pairs in NODE_PAIRS)
_PAIR_CODE = []
for _n, _pairs in zip(NODES, NODE_PAIRS, strict=True):
    _table = np.full((_n, _n), -1, dtype=np.int64)
    for _code, (_lo, _hi) in enumerate(_pairs):
        _table[_lo, _hi] = _code
    _PAIR_CODE.append(_table)


def _as_codes(codes: np.ndarray | Sequence) -> np.ndarray:
    arr = np.asarray(codes)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"DARTS op codes must be integers, got dtype {arr.dtype}")
    if arr.ndim == 0 or arr.shape[-1] != CODE_LENGTH:
        raise ValueError(f"DARTS op codes must have shape (..., {CODE_LENGTH}), got {arr.shape}")
    if arr.size and ((arr < 0).any() or (arr >= np.array(CODE_NVEC)).any()):
        raise ValueError(f"DARTS op codes must lie in [0, code_nvec) with code_nvec = {list(CODE_NVEC)}")
    return arr.astype(np.int64)


def _cell_node(codes: np.ndarray, cell: int, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(lo input, hi input, op on lo, op on hi) of node ``j + 2`` of ``cell``, each ``(...)``."""
    base = cell * len(CELL_NVEC) + 3 * j
    pair = codes[..., base]
    return _PAIR_LO[j][pair], _PAIR_HI[j][pair], codes[..., base + 1], codes[..., base + 2]


def _edges_ops(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Active edge numbers and their ops, each ``(..., 2, 8)``: node by node, lo input first."""
    edges, ops = [], []
    for cell in range(len(CELLS)):
        cell_edges, cell_ops = [], []
        for j, offset in enumerate(EDGE_OFFSET):
            lo, hi, op_lo, op_hi = _cell_node(codes, cell, j)
            cell_edges += [offset + lo, offset + hi]
            cell_ops += [op_lo, op_hi]
        edges.append(np.stack(cell_edges, axis=-1))
        ops.append(np.stack(cell_ops, axis=-1))
    return np.stack(edges, axis=-2), np.stack(ops, axis=-2)


# -- genotypes ----------------------------------------------------------------------------------
def codes_to_genotypes(codes: np.ndarray | Sequence) -> list[Genotype]:
    """``(n, 24)`` op codes -> DARTS genotypes; within a node the lower input comes first."""
    arr = _as_codes(codes).reshape(-1, CODE_LENGTH)
    out = []
    for row in arr:
        cells = []
        for cell in range(len(CELLS)):
            pairs = []
            for j in range(len(NODES)):
                lo, hi, op_lo, op_hi = (int(v) for v in _cell_node(row, cell, j))
                pairs += [(OPS[op_lo], lo), (OPS[op_hi], hi)]
            cells.append(pairs)
        out.append(Genotype(normal=cells[0], normal_concat=list(CONCAT), reduce=cells[1], reduce_concat=list(CONCAT)))
    return out


def _cell_to_codes(cell: str, pairs: Sequence, op_of: Mapping | None = None) -> list[int]:
    """8 (op, input) pairs of one cell -> its 12 codes; raises ``ValueError`` naming the problem."""
    if not isinstance(pairs, Sequence) or isinstance(pairs, str) or len(pairs) != 2 * len(NODES):
        raise ValueError(f"the {cell} cell needs {2 * len(NODES)} (op, input) pairs, got {pairs!r}")
    out = []
    for j, n in enumerate(NODES):
        node = []
        for pair in pairs[2 * j : 2 * j + 2]:
            if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
                raise ValueError(f"{cell} cell, node {n}: expected an (op, input) pair, got {pair!r}")
            op, source = pair
            if not isinstance(op, str) or op not in _OP_ID:
                raise ValueError(f"{cell} cell, node {n}: unknown op {op!r}; ops are {OPS}")
            if isinstance(source, bool) or not isinstance(source, (int, np.integer)) or not 0 <= source < n:
                raise ValueError(f"{cell} cell, node {n}: input {source!r} must be an int in 0..{n - 1}")
            node.append((int(source), _OP_ID[op]))
        (a, op_a), (b, op_b) = sorted(node)
        if a == b:
            raise ValueError(f"{cell} cell, node {n}: both inputs are node {a}; NB301 needs two distinct inputs")
        out += [int(_PAIR_CODE[j][a, b]), op_a, op_b]
    return out


def genotype_to_codes(genotype: Genotype) -> np.ndarray:
    """One DARTS genotype -> 24 op codes. Both orders of a node's two pairs give the same code."""
    if not isinstance(genotype, tuple) or len(genotype) != 4:
        raise ValueError(f"expected a Genotype(normal, normal_concat, reduce, reduce_concat), got {genotype!r}")
    g = Genotype(*genotype)
    for name, concat in (("normal_concat", g.normal_concat), ("reduce_concat", g.reduce_concat)):
        if not isinstance(concat, (Sequence, range)) or list(concat) != CONCAT:
            raise ValueError(f"{name} must be {CONCAT} (NB301 concatenates all 4 nodes), got {concat!r}")
    return np.array(_cell_to_codes("normal", g.normal) + _cell_to_codes("reduce", g.reduce), dtype=np.int64)


def genotypes_to_codes(genotypes: Sequence[Genotype]) -> np.ndarray:
    """Several genotypes -> ``(n, 24)`` op codes."""
    if not genotypes:
        return np.zeros((0, CODE_LENGTH), dtype=np.int64)
    return np.stack([genotype_to_codes(g) for g in genotypes])


def _literal(node: ast.expr, text: str):
    """A literal, or ``range(a, b)`` as DARTS writes concat lists."""
    try:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
            if node.keywords:
                raise ValueError("range takes no keywords")
            return list(range(*(_literal(a, text) for a in node.args)))
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise ValueError(f"cannot read {ast.get_source_segment(text, node)!r} in a genotype string") from None


def parse_genotype(text: str) -> Genotype:
    """Read the text form ``Genotype(normal=[...], normal_concat=..., reduce=[...], reduce_concat=...)``.

    Only literals and ``range(...)`` are accepted (nothing is executed). Positional fields work too.
    """
    if not isinstance(text, str):
        raise ValueError(f"a genotype string is expected, got {type(text).__name__}")
    try:
        call = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError) as err:
        raise ValueError(f"not a genotype string ({err}): {text!r}") from None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "Genotype"):
        raise ValueError(f"a genotype string reads 'Genotype(normal=..., ...)', got {text!r}")
    values = [_literal(a, text) for a in call.args]
    fields = dict(zip(Genotype._fields, values, strict=False))
    for kw in call.keywords:
        if kw.arg not in Genotype._fields or kw.arg in fields:
            raise ValueError(f"unexpected or repeated genotype field {kw.arg!r}; fields are {Genotype._fields}")
        fields[kw.arg] = _literal(kw.value, text)
    if len(values) > 4 or set(fields) != set(Genotype._fields):
        raise ValueError(f"a genotype has exactly the fields {Genotype._fields}, got {sorted(fields)}")
    genotype = Genotype(**fields)
    genotype_to_codes(genotype)  # validates
    return Genotype(
        normal=[tuple(p) for p in genotype.normal],
        normal_concat=list(genotype.normal_concat),
        reduce=[tuple(p) for p in genotype.reduce],
        reduce_concat=list(genotype.reduce_concat),
    )


# -- NB301 ConfigSpace, ONNX and NASLib encodings -------------------------------------------------
def codes_to_config(codes: np.ndarray | Sequence, prefix: str = NB301_PREFIX) -> dict[str, str]:
    """24 op codes -> the NB301 ConfigSpace configuration (active parameters only).

    ``prefix`` is :data:`NB301_PREFIX` (the original NB301 names) or :data:`YAHPO_PREFIX`.
    """
    row = _as_codes(codes)
    if row.shape != (CODE_LENGTH,):
        raise ValueError(f"codes_to_config takes one architecture ({CODE_LENGTH} codes), got shape {row.shape}")
    config = {}
    for cell, name in enumerate(CELLS):
        for j, (n, offset) in enumerate(zip(NODES, EDGE_OFFSET, strict=True)):
            lo, hi, op_lo, op_hi = (int(v) for v in _cell_node(row, cell, j))
            if n > 2:
                config[f"{prefix}inputs_node_{name}_{n}"] = f"{lo}_{hi}"
            config[f"{prefix}edge_{name}_{offset + lo}"] = OPS[op_lo]
            config[f"{prefix}edge_{name}_{offset + hi}"] = OPS[op_hi]
    return config


def config_to_codes(config: Mapping[str, str]) -> np.ndarray:
    """An NB301 ConfigSpace configuration (either prefix; extra keys such as ``epoch`` are ignored) -> 24 codes."""
    if not isinstance(config, Mapping):
        raise ValueError(f"a config dict is expected, got {type(config).__name__}")
    prefix = YAHPO_PREFIX if any(str(k).startswith(YAHPO_PREFIX) for k in config) else NB301_PREFIX
    codes = []
    for name in CELLS:
        for j, (n, offset) in enumerate(zip(NODES, EDGE_OFFSET, strict=True)):
            inputs = "0_1" if n == 2 else config.get(f"{prefix}inputs_node_{name}_{n}")
            allowed = [f"{a}_{b}" for a, b in NODE_PAIRS[j]]
            if inputs not in allowed:
                raise ValueError(f"{prefix}inputs_node_{name}_{n} must be one of {allowed}, got {inputs!r}")
            pair = allowed.index(inputs)
            ops = []
            for source in NODE_PAIRS[j][pair]:
                key = f"{prefix}edge_{name}_{offset + source}"
                if config.get(key) not in _OP_ID:
                    raise ValueError(f"{key} must be one of {OPS} (the edge is active), got {config.get(key)!r}")
                ops.append(_OP_ID[config[key]])
            inactive = [f"{prefix}edge_{name}_{offset + i}" for i in range(n) if i not in NODE_PAIRS[j][pair]]
            present = [k for k in inactive if k in config]
            if present:
                raise ValueError(f"{present} are inactive for inputs {inputs!r} and must be absent")
            codes += [pair, *ops]
    return np.array(codes, dtype=np.int64)


def codes_to_onnx(codes: np.ndarray | Sequence) -> np.ndarray:
    """``(..., 24)`` op codes -> the surrogates' ``x_cat`` ``(..., 34)`` int32 (data README section 7).

    Columns 0-13 / 14-27: ONNX op code of normal / reduce edge 0..13 (0 = inactive); columns
    28-30 / 31-33: input-pair code (pair + 1) of normal / reduce node 3, 4, 5.
    """
    arr = _as_codes(codes)
    edges, ops = _edges_ops(arr)
    lead = arr.shape[:-1]
    x = np.zeros((*lead, len(CELLS), NUM_EDGES), dtype=np.int32)
    np.put_along_axis(x, edges, _OPS_TO_ONNX[ops], axis=-1)
    pairs = np.stack(
        [arr[..., cell * len(CELL_NVEC) + 3 * j] + 1 for cell in range(len(CELLS)) for j in range(1, len(NODES))],
        axis=-1,
    ).astype(np.int32)
    return np.concatenate([x.reshape(*lead, -1), pairs], axis=-1)


def onnx_to_codes(x_cat: np.ndarray | Sequence) -> np.ndarray:
    """Inverse of :func:`codes_to_onnx`; raises ``ValueError`` on rows that are no valid architecture."""
    x = np.asarray(x_cat)
    if x.dtype.kind not in "iu" or x.ndim == 0 or x.shape[-1] != ONNX_LENGTH:
        raise ValueError(f"x_cat must be integers of shape (..., {ONNX_LENGTH}), got {x.dtype} {x.shape}")
    rows = x.reshape(-1, ONNX_LENGTH).astype(np.int64)
    if (rows[:, : 2 * NUM_EDGES] < 0).any() or (rows[:, : 2 * NUM_EDGES] > len(OPS)).any():
        raise ValueError(f"x_cat edge columns hold ONNX op codes 0..{len(OPS)}")
    out = np.zeros((len(rows), CODE_LENGTH), dtype=np.int64)
    for cell in range(len(CELLS)):
        for j, (n, offset) in enumerate(zip(NODES, EDGE_OFFSET, strict=True)):
            pair = np.zeros(len(rows), dtype=np.int64) if n == 2 else rows[:, 2 * NUM_EDGES + 3 * cell + j - 1] - 1
            if (pair < 0).any() or (pair >= len(NODE_PAIRS[j])).any():
                raise ValueError(f"x_cat input-pair code of {CELLS[cell]} node {n} must lie in 1..{len(NODE_PAIRS[j])}")
            block = rows[:, cell * NUM_EDGES + offset : cell * NUM_EDGES + offset + n]
            active = np.zeros_like(block, dtype=bool)
            active[np.arange(len(rows)), _PAIR_LO[j][pair]] = True
            active[np.arange(len(rows)), _PAIR_HI[j][pair]] = True
            if ((block > 0) != active).any():
                raise ValueError(f"x_cat {CELLS[cell]} node {n}: active edges disagree with the input-pair code")
            base = cell * len(CELL_NVEC) + 3 * j
            out[:, base] = pair
            out[:, base + 1] = _ONNX_TO_OPS[block[np.arange(len(rows)), _PAIR_LO[j][pair]]]
            out[:, base + 2] = _ONNX_TO_OPS[block[np.arange(len(rows)), _PAIR_HI[j][pair]]]
    return out.reshape(*x.shape[:-1], CODE_LENGTH)


def naslib_to_codes(arch: str | Sequence) -> np.ndarray:
    """NASLib's compact genotype ``[[(input, op_id) x 8], [(input, op_id) x 8]]`` (or its string) -> 24 codes."""
    try:
        cells = ast.literal_eval(arch) if isinstance(arch, str) else arch
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise ValueError(f"not a NASLib DARTS genotype: {arch!r}") from None
    if not isinstance(cells, Sequence) or isinstance(cells, str) or len(cells) != len(CELLS):
        raise ValueError(f"a NASLib DARTS genotype is [normal, reduce], got {arch!r}")
    codes = []
    for name, cell in zip(CELLS, cells, strict=True):
        bad = ValueError(f"NASLib {name} cell must be 8 (input, op_id) pairs with op_id 0..6, got {cell!r}")
        if not isinstance(cell, Sequence) or isinstance(cell, str):
            raise bad
        pairs = []
        for pair in cell:
            op = pair[1] if isinstance(pair, Sequence) and len(pair) == 2 else None
            if isinstance(op, bool) or not isinstance(op, (int, np.integer)) or not 0 <= op < len(OPS):
                raise bad
            pairs.append((OPS[op], pair[0]))
        codes += _cell_to_codes(name, pairs)
    return np.array(codes, dtype=np.int64)


# -- the search space ---------------------------------------------------------------------------
class DARTSSearchSpace(SearchSpace):
    """The NB301 DARTS space with the L2NAS alpha layout ``(2, 14, 7)`` and Algorithm-2 discretization."""

    name = "darts"
    ops = OPS
    alpha_shape = (len(CELLS), NUM_EDGES, len(OPS))
    code_length = CODE_LENGTH
    code_nvec = CODE_NVEC
    num_archs = NUM_ARCHS
    structured_key = "genotype"

    def discretize(self, alpha: np.ndarray) -> np.ndarray:
        """Algorithm 2 of L2NAS on alpha ``(..., 2, 14, 7)``, independently per cell and node.

        For intermediate node n, among the rows of its n incoming edges take the single largest
        entry (edge e1, op o1), then the largest entry on a different edge (e2, o2); the node gets
        inputs e1 and e2 with ops o1 and o2. Ties go to the lowest edge, then the lowest op.

        This is the standard DARTS derivation rule (``genotype()`` in ``darts/cnn/model_search.py``)
        with ``none`` removed: DARTS ranks a node's edges by their strongest op and keeps the top
        two, each with its argmax op. The largest entry overall lies on the strongest edge and is
        that edge's argmax; the largest entry on the remaining edges lies on the second strongest
        edge and is its argmax; so both rules pick the same two (edge, op) pairs.
        """
        a = np.asarray(alpha)
        if a.dtype.kind not in "fiu":
            raise ValueError(f"DARTS alpha must be numeric, got dtype {a.dtype}")
        if a.ndim < 3 or a.shape[-3:] != self.alpha_shape:
            raise ValueError(f"DARTS alpha must have shape (..., 2, 14, 7), got {a.shape}")
        if not np.isfinite(a).all():
            raise ValueError("DARTS alpha contains NaN or inf")
        a = a.astype(np.float64)
        lead = a.shape[:-3]
        codes = np.zeros((*lead, CODE_LENGTH), dtype=np.int64)
        for j, (n, offset) in enumerate(zip(NODES, EDGE_OFFSET, strict=True)):
            rows = a[..., offset : offset + n, :]  # (..., 2, n, 7)
            flat = rows.reshape(*lead, len(CELLS), n * len(OPS))
            first = flat.argmax(axis=-1)
            e1, o1 = np.divmod(first, len(OPS))
            masked = rows.copy()
            np.put_along_axis(masked, e1[..., None, None], -np.inf, axis=-2)
            second = masked.reshape(flat.shape).argmax(axis=-1)
            e2, o2 = np.divmod(second, len(OPS))
            lo, hi = np.minimum(e1, e2), np.maximum(e1, e2)
            # argmax/divmod give Any in numpy's stubs, so np.where would match its 1-argument overload
            op_lo = cast(np.ndarray, np.where(e1 < e2, o1, o2))
            op_hi = cast(np.ndarray, np.where(e1 < e2, o2, o1))
            for cell in range(len(CELLS)):
                base = cell * len(CELL_NVEC) + 3 * j
                codes[..., base] = _PAIR_CODE[j][lo[..., cell], hi[..., cell]]
                codes[..., base + 1] = op_lo[..., cell]
                codes[..., base + 2] = op_hi[..., cell]
        return codes

    def one_hot(self, codes: np.ndarray) -> np.ndarray:
        """Op codes ``(..., 24)`` -> ``(..., 2, 14, 7)`` float32 with 8 ones per cell (inactive edges are zero)."""
        arr = _as_codes(codes)
        edges, ops = _edges_ops(arr)
        out = np.zeros((*arr.shape[:-1], len(CELLS), NUM_EDGES * len(OPS)), dtype=np.float32)
        np.put_along_axis(out, edges * len(OPS) + ops, 1.0, axis=-1)
        return out.reshape(*arr.shape[:-1], *self.alpha_shape)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Uniform over architectures: every code is drawn uniformly from its own range."""
        return rng.integers(0, np.array(CODE_NVEC), size=(n, CODE_LENGTH), dtype=np.int64)

    def key(self, codes: np.ndarray) -> np.ndarray:
        """Mixed-radix rank of the op codes, in ``0 .. num_archs - 1`` (fits int64)."""
        return _as_codes(codes) @ _RADIX

    def to_string(self, codes: np.ndarray) -> list[str]:
        """DARTS genotype strings, readable by :func:`parse_genotype`."""
        return [repr(g) for g in codes_to_genotypes(codes)]

    def to_structured(self, codes: np.ndarray) -> list:
        """``Genotype`` namedtuples (DARTS's own form), as ``info["genotype"]``."""
        return codes_to_genotypes(codes)

    def describe(self, codes_row: np.ndarray) -> str:
        """Two lines, one per cell: each node with its two (input, op) edges."""
        g = codes_to_genotypes(np.asarray(codes_row)[None])[0]
        lines = []
        for name, pairs in (("normal", g.normal), ("reduce", g.reduce)):
            nodes = [
                f"{n}<-{pairs[2 * j][1]}:{pairs[2 * j][0]},{pairs[2 * j + 1][1]}:{pairs[2 * j + 1][0]}"
                for j, n in enumerate(NODES)
            ]
            lines.append(f"{name:6s} " + "  ".join(nodes))
        return "\n".join(lines)
