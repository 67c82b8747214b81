"""DARTS space: Algorithm 2 on hand-built alphas, equivalence with the DARTS rule, encodings, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nas_gym.spaces.darts import (
    CODE_NVEC,
    EDGE_OFFSET,
    NB301_PREFIX,
    NODES,
    NUM_ARCHS,
    OPS,
    YAHPO_PREFIX,
    DARTSSearchSpace,
    Genotype,
    codes_to_config,
    codes_to_genotypes,
    codes_to_onnx,
    config_to_codes,
    genotype_to_codes,
    naslib_to_codes,
    onnx_to_codes,
    parse_genotype,
)
from tests.conftest import DARTS_V2

SPACE = DARTSSearchSpace()

DARTS_V2_X_CAT = [5, 5, 5, 5, 0, 7, 5, 0, 0, 7, 0, 2, 0, 0, 4, 4, 0, 4, 7, 4, 0, 7, 0, 0, 4, 7, 0, 0, 1, 1, 2, 3, 2, 5]

codes_st = st.tuples(*(st.integers(0, n - 1) for n in CODE_NVEC)).map(lambda t: np.array(t, dtype=np.int64))
alpha_st = arrays(np.float64, (2, 14, 7), elements=st.floats(-1e6, 1e6, allow_nan=False), unique=True)


def darts_derivation(alpha_cell: np.ndarray) -> list[tuple[str, int]]:
    """The DARTS rule (``genotype()._parse`` of darts/cnn/model_search.py) with ``none`` already removed."""
    gene, start = [], 0
    for i in range(4):
        w = alpha_cell[start : start + i + 2]
        edges = sorted(range(i + 2), key=lambda x: -max(w[x]))[:2]
        gene += [(OPS[int(np.argmax(w[j]))], j) for j in edges]
        start += i + 2
    return gene


# -- known answers -----------------------------------------------------------------------------
def test_darts_v2_encodes_to_the_readme_vector():
    codes = genotype_to_codes(DARTS_V2)
    assert codes_to_onnx(codes).tolist() == DARTS_V2_X_CAT
    assert np.array_equal(onnx_to_codes(np.array(DARTS_V2_X_CAT)), codes)
    assert codes.tolist() == [0, 3, 3, 0, 3, 3, 0, 2, 3, 1, 2, 5, 0, 0, 0, 2, 0, 2, 1, 0, 2, 4, 0, 2]


def test_darts_v2_config_names_the_active_edges():
    config = codes_to_config(genotype_to_codes(DARTS_V2))
    assert len(config) == 2 * (8 + 3)
    assert config[f"{NB301_PREFIX}inputs_node_normal_5"] == "0_2"
    assert config[f"{NB301_PREFIX}edge_normal_9"] == "skip_connect"  # node 5 <- node 0
    assert config[f"{NB301_PREFIX}edge_normal_11"] == "dil_conv_3x3"  # node 5 <- node 2
    assert config[f"{NB301_PREFIX}edge_reduce_4"] == "skip_connect"  # node 3 <- node 2
    assert f"{NB301_PREFIX}edge_normal_10" not in config


def test_algorithm2_second_pick_must_use_a_different_edge():
    alpha = np.zeros((2, 14, 7))
    # Node 5 (edges 9..13): the two largest entries both sit on edge 12 (input 3); the second
    # pick must skip that edge and take edge 10 (input 1).
    alpha[0, 12, 4] = 0.9  # input 3, sep_conv_5x5
    alpha[0, 12, 2] = 0.85  # same edge: ignored
    alpha[0, 10, 6] = 0.8  # input 1, dil_conv_5x5
    # Node 3 of the reduce cell (edges 2..4): inputs 2 and 0.
    alpha[1, 4, 1] = 0.7  # input 2, avg_pool_3x3
    alpha[1, 2, 5] = 0.6  # input 0, dil_conv_3x3
    g = codes_to_genotypes(SPACE.discretize(alpha)[None])[0]
    assert g.normal[6:] == [("dil_conv_5x5", 1), ("sep_conv_5x5", 3)]
    assert g.reduce[2:4] == [("dil_conv_3x3", 0), ("avg_pool_3x3", 2)]
    # every untouched node is all-zero: ties go to the lowest edges (0, 1) and the lowest op
    assert g.normal[:2] == [("max_pool_3x3", 0), ("max_pool_3x3", 1)]
    assert g.reduce[6:] == [("max_pool_3x3", 0), ("max_pool_3x3", 1)]


def test_algorithm2_constant_alpha_gives_lowest_edges_and_op():
    codes = SPACE.discretize(np.full((2, 14, 7), 0.5))
    g = codes_to_genotypes(codes[None])[0]
    assert g.normal == g.reduce == [("max_pool_3x3", i) for _ in NODES for i in (0, 1)]


def test_algorithm2_is_batched():
    rng = np.random.default_rng(0)
    alpha = rng.random((3, 4, 2, 14, 7))
    codes = SPACE.discretize(alpha)
    assert codes.shape == (3, 4, 24)
    assert np.array_equal(codes[1, 2], SPACE.discretize(alpha[1, 2]))


@settings(max_examples=200, deadline=None)
@given(alpha_st)
def test_algorithm2_equals_the_darts_derivation_rule(alpha):
    codes = SPACE.discretize(alpha)
    expected = Genotype(darts_derivation(alpha[0]), [2, 3, 4, 5], darts_derivation(alpha[1]), [2, 3, 4, 5])
    assert np.array_equal(codes, genotype_to_codes(expected))


@settings(max_examples=200, deadline=None)
@given(codes_st, arrays(np.float64, (2, 14, 7), elements=st.floats(0, 0.49)))
def test_noisy_one_hot_discretizes_back(codes, noise):
    assert np.array_equal(SPACE.discretize(SPACE.one_hot(codes) + noise), codes)


# -- encodings ---------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(codes_st)
def test_every_encoding_round_trips(codes):
    genotype = codes_to_genotypes(codes[None])[0]
    text = SPACE.to_string(codes[None])[0]
    assert text == repr(genotype)
    assert parse_genotype(text) == genotype
    assert np.array_equal(genotype_to_codes(parse_genotype(text)), codes)
    assert np.array_equal(config_to_codes(codes_to_config(codes)), codes)
    assert np.array_equal(config_to_codes(codes_to_config(codes, YAHPO_PREFIX)), codes)
    assert np.array_equal(onnx_to_codes(codes_to_onnx(codes)), codes)
    naslib = [[(src, OPS.index(op)) for op, src in cell] for cell in (genotype.normal, genotype.reduce)]
    assert np.array_equal(naslib_to_codes(str(naslib)), codes)
    one_hot = SPACE.one_hot(codes)
    assert one_hot.shape == (2, 14, 7) and one_hot.dtype == np.float32
    assert one_hot.sum(axis=(1, 2)).tolist() == [8.0, 8.0]
    assert (one_hot.sum(axis=2) <= 1).all()
    assert 0 <= SPACE.key(codes) < NUM_ARCHS


@settings(max_examples=100, deadline=None)
@given(codes_st, st.lists(st.booleans(), min_size=8, max_size=8))
def test_order_of_a_nodes_two_inputs_does_not_matter(codes, swaps):
    g = codes_to_genotypes(codes[None])[0]
    cells = []
    for cell in (list(g.normal), list(g.reduce)):
        for j, swap in enumerate(swaps[:4] if not cells else swaps[4:]):
            if swap:
                cell[2 * j], cell[2 * j + 1] = cell[2 * j + 1], cell[2 * j]
        cells.append(cell)
    assert np.array_equal(genotype_to_codes(Genotype(cells[0], range(2, 6), cells[1], range(2, 6))), codes)


def test_darts_repo_text_with_range_parses():
    text = repr(DARTS_V2).replace("[2, 3, 4, 5]", "range(2, 6)")
    assert parse_genotype(text) == DARTS_V2
    assert parse_genotype(text.replace("Genotype(normal=", "Genotype(")) == DARTS_V2


def test_key_is_unique_and_sample_is_uniform():
    rng = np.random.default_rng(0)
    codes = SPACE.sample(20000, rng)
    keys = SPACE.key(codes)
    assert np.unique(keys).size == 20000
    assert SPACE.key(np.array(CODE_NVEC) - 1) == NUM_ARCHS - 1
    assert NUM_ARCHS == (3 * 6 * 10 * 7**8) ** 2
    assert np.array_equal(codes, SPACE.sample(20000, np.random.default_rng(0)))
    node5_pairs = np.bincount(codes[:, 9], minlength=10) / len(codes)
    assert np.abs(node5_pairs - 0.1).max() < 0.01


# -- bad input ---------------------------------------------------------------------------------
def _edit(cell: str, index: int, pair) -> Genotype:
    g = DARTS_V2._asdict()
    g[cell] = list(g[cell])
    g[cell][index] = pair
    return Genotype(**g)


@pytest.mark.parametrize(
    ("genotype", "match"),
    [
        (_edit("normal", 1, ("sep_conv_3x3", 0)), "two distinct inputs"),
        (_edit("normal", 7, ("skip_connect", 5)), "input 5 must be an int in 0..4"),
        (_edit("reduce", 0, ("none", 0)), "unknown op 'none'"),
        (_edit("reduce", 0, ("max_pool_3x3",)), r"expected an \(op, input\) pair"),
        (_edit("reduce", 0, ("max_pool_3x3", 0.0)), "must be an int"),
        (DARTS_V2._replace(normal=DARTS_V2.normal[:6]), "needs 8"),
        (DARTS_V2._replace(reduce_concat=[2, 3, 4]), r"reduce_concat must be \[2, 3, 4, 5\]"),
        ((1, 2), "expected a Genotype"),
    ],
)
def test_invalid_genotypes_are_named(genotype, match):
    with pytest.raises(ValueError, match=match):
        genotype_to_codes(genotype)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Genotype(normal=__import__('os').system('true'))", "cannot read"),
        ("Genotpe(normal=[], normal_concat=[], reduce=[], reduce_concat=[])", "reads 'Genotype"),
        ("Genotype(normal=[('sep_conv_3x3', 0)]", "not a genotype string"),
        (repr(DARTS_V2).replace("reduce_concat", "reduce_cat"), "unexpected or repeated genotype field"),
        (repr(DARTS_V2).replace(", reduce_concat=[2, 3, 4, 5]", ""), "exactly the fields"),
        (repr(DARTS_V2).replace("[2, 3, 4, 5])", "range('a'))"), "cannot read"),
    ],
)
def test_invalid_genotype_strings_are_named(text, match):
    with pytest.raises(ValueError, match=match):
        parse_genotype(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80) | st.builds(lambda s: f"Genotype({s})", st.text(max_size=80)))
def test_parse_genotype_rejects_junk_with_value_error(text):
    try:
        parse_genotype(text)
    except ValueError:
        return
    raise AssertionError(f"{text!r} parsed")


@pytest.mark.parametrize(
    ("codes", "match"),
    [
        (np.zeros(23, dtype=np.int64), r"shape \(\.\.\., 24\)"),
        (np.zeros(24), "must be integers"),
        (np.array(CODE_NVEC), r"must lie in \[0, code_nvec\)"),
        (-np.ones(24, dtype=np.int64), r"must lie in \[0, code_nvec\)"),
    ],
)
def test_invalid_codes_are_named(codes, match):
    with pytest.raises(ValueError, match=match):
        SPACE.one_hot(codes)


def test_invalid_alpha_is_named():
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2, 14, 7\)"):
        SPACE.discretize(np.zeros((14, 7)))
    with pytest.raises(ValueError, match="NaN or inf"):
        SPACE.discretize(np.full((2, 14, 7), np.nan))


def test_invalid_configs_and_onnx_rows_are_named():
    config = codes_to_config(genotype_to_codes(DARTS_V2))
    missing = {k: v for k, v in config.items() if not k.endswith("edge_normal_11")}
    with pytest.raises(ValueError, match="edge_normal_11 must be one of"):
        config_to_codes(missing)
    with pytest.raises(ValueError, match="are inactive"):
        config_to_codes({**config, f"{NB301_PREFIX}edge_normal_10": "skip_connect"})
    with pytest.raises(ValueError, match="inputs_node_reduce_4 must be one of"):
        config_to_codes({**config, f"{NB301_PREFIX}inputs_node_reduce_4": "3_3"})
    x = np.array(DARTS_V2_X_CAT)
    x[EDGE_OFFSET[3] + 3] = 5  # an op on normal edge 12, which node 5's input pair "0_2" leaves inactive
    with pytest.raises(ValueError, match="disagree with the input-pair code"):
        onnx_to_codes(x)
    with pytest.raises(ValueError, match="NASLib normal cell"):
        naslib_to_codes([[(0, 7)] * 8, []])
    with pytest.raises(ValueError, match="not a NASLib DARTS genotype"):
        naslib_to_codes("[[(0, 7)] * 8, []]")
