"""NB201 table on the real data: the published optima and the README's reference values."""

from __future__ import annotations

import numpy as np
import pytest

from nas_gym.benchmarks.nb201 import NB201Benchmark

pytestmark = pytest.mark.realdata


@pytest.mark.parametrize(
    ("dataset", "index", "test200"),
    [("cifar10", 6111, 94.37), ("cifar100", 9930, 73.51), ("ImageNet16-120", 857, 47.31)],
)
def test_optimum(nb201_cache, dataset, index, test200):
    bench = NB201Benchmark(dataset, cache=nb201_cache)
    assert bench.best_index("test200") == index
    assert round(bench.optimum("test200"), 2) == test200


def test_reference_values_of_index_6111_and_11(nb201_cache):
    c10 = NB201Benchmark("cifar10", cache=nb201_cache)
    q = c10.query_many(np.array([6111]), ["test200", "test12", "val12"])
    assert q["test200"][0] == pytest.approx(94.37333, abs=1e-5)
    assert q["test12"][0] == pytest.approx(88.79, abs=1e-6)
    assert q["val12"][0] == pytest.approx(84.384, abs=1e-6)
    assert c10.query(np.array([11]), "test200")[0] == pytest.approx(91.58333, abs=1e-5)
    latency = {
        d: c10.query(np.array([6111]), f"latency/{d}")[0] for d in ("titan_rtx_1", "gold_6226", "pixel2", "fpga")
    }
    assert latency == pytest.approx({"titan_rtx_1": 9.168, "gold_6226": 16.128, "pixel2": 25, "fpga": 6.679}, abs=1e-3)
    c100 = NB201Benchmark("cifar100", cache=nb201_cache)
    assert c100.query(np.array([6111, 11]), "test200") == pytest.approx([73.22, 67.60667], abs=1e-5)


def test_twelve_epoch_maxima_and_naslib_coverage(nb201_cache):
    c10 = NB201Benchmark("cifar10", cache=nb201_cache)
    assert c10.best_index("val12") == 13714 and round(c10.optimum("val12"), 3) == 84.892
    assert np.count_nonzero(~np.isnan(c10.column("val200"))) == 724
    assert round(c10.optimum("val200"), 2) == 91.36
    assert np.isnan(c10.column("params")).sum() == 15625 - 724


def test_codes_and_indices_agree_and_isomorphism_classes(nb201_cache):
    bench = NB201Benchmark("cifar10", cache=nb201_cache)
    codes = bench.search_space.index_to_codes(np.arange(15625))
    assert np.array_equal(bench.query(codes, "test200"), bench.column("test200"))
    assert np.unique(bench.isomorphism_key(np.arange(15625))).size == 6466


def test_bad_queries_are_refused(nb201_cache):
    bench = NB201Benchmark("cifar10", cache=nb201_cache)
    with pytest.raises(ValueError, match=r"0\.\.15624"):
        bench.query(np.array([15625]), "test200")
    with pytest.raises(ValueError, match="no metric"):
        bench.query(np.array([0]), "test300")
    with pytest.raises(ValueError, match="integer"):
        bench.query(np.array([0.5]), "test200")
    with pytest.raises(ValueError, match="unknown NB201 dataset"):
        NB201Benchmark("cifar20", cache=None)


def test_envs_share_one_table(nb201_cache):
    a, b = NB201Benchmark("cifar10", cache=nb201_cache), NB201Benchmark("cifar10", cache=nb201_cache)
    assert a.column("val12") is b.column("val12")
