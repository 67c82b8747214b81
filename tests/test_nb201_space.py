"""NB201 encodings: round trips (hypothesis), bad input, and agreement with nas_201_api on real data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from nas_201_api import NASBench201API

from nas_gym.benchmarks.nb201 import NB201Benchmark
from nas_gym.spaces.nb201 import (
    EDGES,
    OPS,
    NB201SearchSpace,
    codes_to_naslib,
    codes_to_rank,
    codes_to_strings,
    naslib_to_codes,
    rank_to_codes,
    string_to_codes,
    strings_to_codes,
)

BEST_C10 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
codes_batches = arrays(np.uint8, st.tuples(st.integers(0, 20), st.just(6)), elements=st.integers(0, 4))
space = NB201SearchSpace()


@given(codes_batches)
def test_string_round_trip(codes):
    assert np.array_equal(strings_to_codes(codes_to_strings(codes)).reshape(codes.shape), codes)


@given(codes_batches, st.sampled_from([np.uint8, np.int64, np.uint64]))
def test_small_and_large_batches_agree(codes, dtype):
    """Up to 64 entries take a Python path (an env step), larger batches numpy: same strings, same keys."""
    codes = codes.astype(dtype)
    one_by_one = [codes_to_strings(row[None])[0] for row in codes]
    large = np.tile(codes, (11, 1))  # > 64 entries whenever codes is not empty
    assert codes_to_strings(codes) == one_by_one
    assert codes_to_strings(large) == one_by_one * 11
    assert np.array_equal(space.key_of_valid(codes), codes_to_rank(codes))
    assert codes_to_rank(codes).dtype == np.int64


@given(codes_batches)
def test_naslib_round_trip_and_rank_round_trip(codes):
    assert np.array_equal(naslib_to_codes(codes_to_naslib(codes)), codes)
    assert np.array_equal(rank_to_codes(codes_to_rank(codes)), codes)


@given(codes_batches)
def test_one_hot_discretizes_back(codes):
    one_hot = space.one_hot(codes)
    assert one_hot.shape == (*codes.shape, 5) and one_hot.dtype == np.float32
    assert np.array_equal(space.discretize(one_hot), codes)


# multiples of 2**-10 in [-1, 1]: the affine action map (a + 1) / 2 is exact on them
grid_actions = arrays(np.float64, (6, 5), elements=st.integers(-1024, 1024).map(lambda k: k / 1024))


@given(grid_actions)
def test_discretize_is_invariant_under_the_action_map(a):
    assert np.array_equal(space.discretize(a), space.discretize((a + 1.0) / 2.0))


def test_discretize_breaks_ties_by_lowest_op_and_is_batched():
    alpha = np.zeros((2, 3, 6, 5))
    alpha[..., 2] = 0.7
    alpha[..., 4] = 0.7
    assert np.array_equal(space.discretize(alpha), np.full((2, 3, 6), 2))


# few distinct values, so ties are frequent; NaN and infinities, which argmax orders its own way
alpha_entries = st.one_of(st.sampled_from([0.0, -0.0, 0.25, 0.5, 1.0]), st.sampled_from([np.nan, np.inf, -np.inf]))


@given(
    st.sampled_from([np.float32, np.float64, np.int64]).flatmap(
        lambda dtype: arrays(
            dtype,
            st.tuples(st.integers(0, 80), st.just(6), st.just(5)),  # past 1024 entries: the tournament
            elements=st.integers(-2, 2) if dtype == np.int64 else alpha_entries,
        )
    )
)
def test_discretize_is_argmax_with_its_ties_and_nan(alpha):
    """Large batches take the column tournament: the same codes as ``argmax`` (ties to the lowest op,
    the first NaN), for every dtype."""
    got = space.discretize(alpha)
    assert got.dtype == np.uint8 and np.array_equal(got, alpha.argmax(axis=-1))


def test_naslib_tuple_order_is_explicit():
    """NASLib (a..f) is |A~0|+|B~0|D~1|+|C~0|E~1|F~2| with ids 0 skip, 1 none, 2 conv3, 3 conv1, 4 pool."""
    assert codes_to_strings(naslib_to_codes(np.array([0, 2, 3, 2, 3, 1])))[0] == (
        "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|nor_conv_1x1~1|none~2|"
    )


@given(st.text(max_size=80))
def test_arbitrary_text_is_rejected_with_value_error(text):
    try:
        codes = string_to_codes(text)
    except ValueError:
        return
    assert codes_to_strings(codes[None])[0] == text  # only a canonical string parses


@pytest.mark.parametrize(
    "bad",
    [
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|",
        "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|",
        "none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    ],
)
def test_malformed_strings_name_the_problem(bad):
    with pytest.raises(ValueError, match=r"NB201|node|edge|op"):
        string_to_codes(bad)


@pytest.mark.parametrize(
    "bad",
    [
        np.array([[5, 0, 0, 0, 0, 0]]),
        np.array([[0, 0, -1, 0, 0, 0]]),
        np.tile([[0, 0, -1, 0, 0, 0]], (20, 1)),  # the large-batch check
        np.tile([[0, 0, 0, 0, 0, 5]], (20, 1)),
        np.array([[0, 0, 0]]),
        np.array([[0.5] * 6]),
    ],
)
def test_bad_codes_raise(bad):
    with pytest.raises(ValueError):
        codes_to_strings(bad)


def test_layout_constants():
    assert OPS == ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    assert EDGES == ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))


@pytest.mark.realdata
def test_every_index_round_trips_and_agrees_with_nas_201_api(nb201_cache):
    bench = NB201Benchmark("cifar10", cache=nb201_cache)
    sp = bench.search_space
    idx = np.arange(sp.num_archs)
    strings = sp.index_to_string(idx)
    assert np.array_equal(sp.string_to_index(strings), idx)
    assert np.array_equal(sp.codes_to_index(sp.index_to_codes(idx)), idx)
    for s, codes in zip(strings, sp.index_to_codes(idx), strict=True):
        reference = [op for node in NASBench201API.str2lists(s) for op, _ in node]
        sources = [src for node in NASBench201API.str2lists(s) for _, src in node]
        assert reference == [OPS[c] for c in codes]
        assert sources == [e[0] for e in EDGES]
    assert strings[6111] == BEST_C10
