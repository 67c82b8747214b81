"""OFA-MobileNetV3 search space: encodings, round trips, predictor features, bad input (no data needed)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nas_gym.spaces.ofa import (
    CODE_LENGTH,
    OPS,
    RESOLUTIONS,
    OFASearchSpace,
    block_geometry,
)

FIXED = OFASearchSpace()
SEARCHED = OFASearchSpace(RESOLUTIONS)


def codes_strategy(space: OFASearchSpace):
    return st.tuples(*(st.integers(0, n - 1) for n in space.code_nvec)).map(lambda t: np.array(t, dtype=np.int64))


def test_alpha_layout_matches_the_paper():
    assert FIXED.alpha_dim == 20 * 9 + 5 * 3 == 195
    assert SEARCHED.alpha_dim == 200
    assert FIXED.code_nvec == (9,) * 20 + (3,) * 5 + (1,)
    assert OPS[:3] == ("e3k3", "e3k5", "e3k7") and OPS[-1] == "e6k7"


def test_discretize_is_a_row_argmax_of_each_matrix():
    alpha = np.zeros(195)
    ops, depth = alpha[:180].reshape(20, 9), alpha[180:].reshape(5, 3)
    ops[:, 8] = 1.0  # e6k7 everywhere
    ops[4, 2] = 2.0  # block 4: e3k7
    depth[:, 0] = 1.0
    depth[1, 2] = 2.0  # stage 1: depth 4
    alpha = np.concatenate([ops.ravel(), depth.ravel()])
    (arch,) = FIXED.to_dicts(FIXED.discretize(alpha[None]))
    assert arch["d"] == [2, 4, 2, 2, 2]
    assert arch["ks"][4] == 7 and arch["e"][4] == 3
    assert arch["ks"][0] == 7 and arch["e"][0] == 6
    assert arch["r"] == 224


def test_resolution_head_picks_the_resolution():
    alpha = np.zeros(200)
    alpha[195 + 2] = 1.0
    assert SEARCHED.resolution(SEARCHED.discretize(alpha)) == 192


@settings(max_examples=200, deadline=None)
@given(codes_strategy(SEARCHED))
def test_round_trips(codes):
    space = SEARCHED
    assert np.array_equal(space.discretize(space.one_hot(codes)), codes)
    assert np.array_equal(space.from_dicts(space.to_dicts(codes[None])), codes[None])
    canon = space.canonical(codes)
    assert np.array_equal(space.from_strings(space.to_string(codes)), canon[None])
    assert space.key(codes) == space.key(canon)
    assert np.array_equal(space.predictor_features(codes), space.predictor_features(canon))


@settings(max_examples=100, deadline=None)
@given(codes_strategy(FIXED), st.integers(0, 19), st.integers(1, 8))
def test_key_sees_active_blocks_only(codes, block, shift):
    changed = codes.copy()
    changed[block] = (changed[block] + shift) % 9
    active = FIXED.active(codes)[block]
    assert (FIXED.key(changed) == FIXED.key(codes)) == (not active)


def test_keys_of_distinct_architectures_differ():
    codes = FIXED.canonical(FIXED.sample(20_000, np.random.default_rng(0)))
    distinct = np.unique(codes, axis=0)
    assert np.unique(FIXED.key(distinct)).size == len(distinct)


def test_keys_do_not_depend_on_the_resolution_set():
    arch = [{"ks": [5] * 20, "e": [4] * 20, "d": [3] * 5, "r": 224}]
    assert FIXED.key(FIXED.from_dicts(arch)) == SEARCHED.key(SEARCHED.from_dicts(arch))


def test_predictor_features_follow_the_data_readme_layout():
    arch = {"ks": [3, 5, 7, 7] * 5, "e": [6, 4, 3, 3] * 5, "d": [2, 3, 4, 2, 2], "r": 160}
    x = SEARCHED.predictor_features(SEARCHED.from_dicts([arch]))[0]
    assert x.shape == (128,) and x.dtype == np.float32
    assert x[0 * 3 + 0] == 1 and x[1 * 3 + 1] == 1  # block 0 k3, block 1 k5
    assert x[60 + 0 * 3 + 2] == 1 and x[60 + 1 * 3 + 1] == 1  # block 0 e6, block 1 e4
    assert not x[2 * 3 : 2 * 3 + 3].any()  # stage 0 has depth 2: block 2 is inactive
    assert x[4 * 3 + 0] == 1 and x[6 * 3 + 2] == 1  # stage 1, depth 3: blocks 4..6 active
    assert not x[7 * 3 : 7 * 3 + 3].any()
    assert x[120 + (160 - 112) // 16] == 1
    active_blocks = 2 + 3 + 4 + 2 + 2
    assert x.sum() == 2 * active_blocks + 1


def test_block_geometry_is_the_w12_network():
    g = block_geometry(224)
    assert [g[i]["out_ch"] for i in (0, 4, 8, 12, 16)] == [32, 48, 96, 136, 192]
    assert [g[i]["in_ch"] for i in (0, 1, 4, 16)] == [24, 32, 32, 136]
    assert [g[i]["out_side"] for i in (0, 4, 8, 12, 16)] == [56, 28, 14, 14, 7]
    assert [g[i]["identity"] for i in range(4)] == [False, True, True, True]
    assert g[13]["se"] and g[13]["hswish"] and not g[9]["se"] and not g[1]["hswish"]
    assert block_geometry(160)[0]["in_side"] == 80


def test_text_form():
    arch = {"ks": [7] * 20, "e": [6] * 20, "d": [2, 4, 4, 4, 4], "r": 224}
    (text,) = FIXED.to_string(FIXED.from_dicts([arch]))
    assert text == "r=224 d=2,4,4,4,4 ops=" + ",".join(["e6k7", "e6k7", "-", "-"] + ["e6k7"] * 16)
    assert "stage 0 (width 32, depth 2): e6k7 e6k7" in FIXED.describe(FIXED.from_dicts([arch])[0])


def test_sample_is_seeded_and_valid():
    a = SEARCHED.sample(64, np.random.default_rng(3))
    assert np.array_equal(a, SEARCHED.sample(64, np.random.default_rng(3)))
    assert a.shape == (64, CODE_LENGTH)
    SEARCHED.check_codes(a)


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.zeros((2, 25), dtype=np.int64), "shape"),
        (np.zeros(26), "integers"),
        (np.array([9] + [0] * 25), "op"),
        (np.array([0] * 20 + [3] + [0] * 5), "depth"),
        (np.array([0] * 25 + [1]), "resolution"),
    ],
)
def test_bad_codes_are_rejected(bad, match):
    with pytest.raises(ValueError, match=match):
        FIXED.check_codes(bad)


@pytest.mark.parametrize(
    ("arch", "match"),
    [
        ({"ks": [4] * 20, "e": [3] * 20, "d": [2] * 5}, "ks values"),
        ({"ks": [3] * 20, "e": [5] * 20, "d": [2] * 5}, "e values"),
        ({"ks": [3] * 20, "e": [3] * 20, "d": [1] * 5}, "d values"),
        ({"ks": [3] * 19, "e": [3] * 20, "d": [2] * 5}, "20 entries"),
        ({"ks": [3] * 20, "e": [3] * 20, "d": [2] * 5, "r": 192}, "not searched"),
        ({"ks": [3] * 20}, "keys ks, e, d"),
    ],
)
def test_bad_dicts_are_rejected(arch, match):
    with pytest.raises(ValueError, match=match):
        FIXED.from_dicts([arch])


def test_bad_inputs_elsewhere():
    with pytest.raises(ValueError, match="sorted, duplicate-free subset"):
        OFASearchSpace((224, 160))
    with pytest.raises(ValueError, match="subset"):
        OFASearchSpace((128,))
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 195\)"):
        FIXED.discretize(np.zeros(200))
    with pytest.raises(ValueError, match="wrap a single"):
        FIXED.from_dicts({"ks": [3] * 20, "e": [3] * 20, "d": [2] * 5})
    with pytest.raises(ValueError, match="not an OFA architecture string"):
        FIXED.from_strings(["d=2,2,2,2,2"])
    with pytest.raises(ValueError, match="unknown OFA op"):
        FIXED.from_strings(["r=224 d=2,2,2,2,2 ops=" + ",".join(["e5k3"] * 20)])
    with pytest.raises(ValueError, match="inconsistently"):
        FIXED.from_strings(["r=224 d=2,2,2,2,2 ops=" + ",".join(["e3k3"] * 20)])
