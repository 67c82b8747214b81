"""NB301 data and surrogate: import, the README's test vector, agreement with true accuracy, validity, cache."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from scipy.stats import kendalltau, spearmanr

from nas_gym.benchmarks.nb301 import NB301Benchmark
from nas_gym.data.store import DataMissingError, load_arrays, md5sum, read_manifest
from nas_gym.spaces.darts import YAHPO_PREFIX, DARTSSearchSpace, codes_to_config, config_to_codes, genotype_to_codes
from tests.conftest import DARTS_V2

pytestmark = pytest.mark.realdata

SPACE = DARTSSearchSpace()


@pytest.fixture(scope="module")
def cache(real_data):
    return real_data.require("nb301")


@pytest.fixture(scope="module")
def naslib(cache):
    return load_arrays("nb301", "naslib301.npz", cache)


def test_import_keeps_the_models_and_reads_naslib(cache, naslib):
    manifest = read_manifest("nb301", cache)
    assert manifest["sources"]["nb301/new_model_2021.onnx"]["md5"] == "19ff95f1d166de66871d0c66e15c155f"
    assert manifest["outputs"]["new_model_2021.onnx"] == "19ff95f1d166de66871d0c66e15c155f"  # copied unchanged
    batched = manifest["outputs"]["new_model_2021_batched.onnx"]  # derived, recorded like every output
    assert batched == md5sum(cache / "nb301" / "new_model_2021_batched.onnx") != "19ff95f1d166de66871d0c66e15c155f"
    assert manifest["outputs"]["model_v2.onnx"] == "d7ec8dd5f82180043ec64e599ef5eae7"
    assert naslib["codes"].shape == (725, 24)
    val = naslib["val_accuracy"]
    # data README section 8: 91.237-94.489, mean 93.122
    assert (round(val.min(), 3), round(val.max(), 3), round(val.mean(), 3)) == (91.237, 94.489, 93.122)
    assert np.unique(SPACE.key(naslib["codes"])).size == 725


def test_the_derived_2021_graph_has_a_dynamic_batch_and_is_otherwise_the_source(cache):
    import onnx

    source = onnx.load(str(cache / "nb301" / "new_model_2021.onnx"))
    derived = onnx.load(str(cache / "nb301" / "new_model_2021_batched.onnx"))
    onnx.checker.check_model(derived, full_check=True)
    for value in (*derived.graph.input, *derived.graph.output):
        assert value.type.tensor_type.shape.dim[0].dim_param == "batch"
    assert [v.type.tensor_type.shape.dim[1].dim_value for v in derived.graph.input] == [34, 1]
    assert derived.graph.node == source.graph.node and derived.graph.initializer == source.graph.initializer


@pytest.mark.parametrize("epoch", [1, 98])
def test_batched_2021_graph_equals_the_source_run_one_row_at_a_time(cache, epoch):
    """10k random genotypes (plus DARTS-V2): whole batches through the derived graph give the
    source graph's one-row predictions; accuracy within 1e-5 pp (it is bit-identical here)."""
    bench = NB301Benchmark("2021", epoch, cache)
    codes = np.concatenate([SPACE.sample(10_000, np.random.default_rng(epoch)), genotype_to_codes(DARTS_V2)[None]])
    batched, one_row = bench.run_surrogate(codes), bench.run_surrogate(codes, one_row=True)
    assert batched.shape == one_row.shape == (10_001, 2)
    assert np.abs(batched[:, 0] - one_row[:, 0]).max() <= 1e-5
    np.testing.assert_allclose(batched[:, 1], one_row[:, 1], rtol=1e-6)  # runtime (s)
    assert np.unique(batched[:, 0]).size > 9_000 and batched[:, 0].min() > 0 and batched[:, 0].max() < 100


def test_a_query_sends_its_missing_rows_in_whole_batches(cache, monkeypatch):
    bench = NB301Benchmark("2021", 98, cache)
    calls: list[int] = []
    run = bench._session.run

    class Spy:
        def run(self, outputs, feed):
            calls.append(len(feed["x_cat"]))
            return run(outputs, feed)

    monkeypatch.setattr(bench, "_session", Spy())
    bench.query(SPACE.sample(2500, np.random.default_rng(4)), "val_acc")
    assert calls == [1024, 1024, 452]


# data README section 7: outputs of the DARTS-V2 genotype
@pytest.mark.parametrize(
    ("model", "epoch", "expected"),
    [
        ("2021", 1, [46.3872, 259.56]),
        ("2021", 50, [90.9055, 2618.56]),
        ("2021", 98, [95.4603, 5553.88]),
        ("v2", 1, [61.418, 1.07351, 197.02, 50.386]),
        ("v2", 50, [88.571, 0.35859, 2283.80, 49.188]),
        ("v2", 98, [92.910, 0.26070, 4560.05, 51.735]),
    ],
)
def test_darts_v2_prediction_matches_the_readme(cache, model, epoch, expected):
    bench = NB301Benchmark(model, epoch, cache)
    pred = bench.predict(genotype_to_codes(DARTS_V2)[None])[0]
    np.testing.assert_allclose(pred, expected, rtol=2e-5, atol=5e-3)


def test_2021_model_ranks_the_725_genotypes_like_their_true_accuracy(cache, naslib):
    pred = NB301Benchmark("2021", 98, cache).query(naslib["codes"], "val_acc")
    truth = naslib["val_accuracy"]
    assert spearmanr(pred, truth).statistic == pytest.approx(0.9049, abs=5e-4)  # README: 0.905
    assert kendalltau(pred, truth).statistic == pytest.approx(0.7343, abs=5e-4)
    assert np.mean(np.abs(pred - truth)) == pytest.approx(1.30, abs=5e-3)  # README: 1.30 pp, model runs higher
    assert (pred > truth).all()


def test_v2_model_ranks_worse(cache, naslib):
    pred = NB301Benchmark("v2", 98, cache).query(naslib["codes"], "val_acc")
    assert spearmanr(pred, naslib["val_accuracy"]).statistic == pytest.approx(0.590, abs=5e-4)  # README: 0.590


def test_every_discretized_alpha_is_a_valid_nb301_config(cache):
    from ConfigSpace import Configuration, ConfigurationSpace

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # YAHPO's json uses the old "default" field name
        cs = ConfigurationSpace.from_json(cache / "nb301" / "config_space_v2.json")
    rng = np.random.default_rng(0)
    alpha = np.concatenate([rng.random((150, 2, 14, 7)), rng.normal(size=(150, 2, 14, 7))])
    for codes in SPACE.discretize(alpha):
        config = Configuration(cs, values={**codes_to_config(codes, YAHPO_PREFIX), "epoch": 98})
        config.check_valid_configuration()
    for config in cs.sample_configuration(100):  # and the converse: ConfigSpace samples decode losslessly
        values = dict(config)
        del values["epoch"]
        assert codes_to_config(config_to_codes(values), YAHPO_PREFIX) == {k: str(v) for k, v in values.items()}


def test_config_space_json_is_yahpos(cache):
    space = json.loads((cache / "nb301" / "config_space_v2.json").read_text())
    assert len(space["hyperparameters"]) == 35 and len(space["conditions"]) == 24


def test_repeated_genotypes_hit_the_cache(cache):
    bench = NB301Benchmark("2021", 98, cache, max_cached=10)
    codes = SPACE.sample(6, np.random.default_rng(1))
    batch = codes[[0, 1, 0, 2, 1, 0]]
    first = bench.query(batch, "val_acc")
    assert bench.surrogate_calls == 3
    assert first[0] == first[2] == first[5]
    again = bench.query_many(batch, ("val_acc", "runtime_s"))
    assert bench.surrogate_calls == 3
    assert np.array_equal(again["val_acc"], first)
    assert bench.cost_metrics == ("runtime_s",) and np.all(again["runtime_s"] > 0)
    np.testing.assert_array_equal(bench.run_surrogate(batch)[:, 0], first)  # cache answers = fresh answers
    bench.query(SPACE.sample(20, np.random.default_rng(2)), "val_acc")  # overflow evicts, answers stay right
    assert len(bench._cache) == 10
    assert np.array_equal(bench.query(batch, "val_acc"), first)


def test_epoch_is_a_fidelity_axis(cache):
    codes = SPACE.sample(30, np.random.default_rng(3))
    low, high = NB301Benchmark("2021", 10, cache), NB301Benchmark("2021", 98, cache)
    assert (low.query(codes, "val_acc") < high.query(codes, "val_acc")).all()
    assert (low.query(codes, "runtime_s") < high.query(codes, "runtime_s")).all()
    assert high.name == "nb301-cifar10-2021-epoch98"
    assert high.test_metrics == () and high.report_metric == high.default_signal == "val_acc"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epoch": 0}, r"epoch must be an int in 1\.\.98"),
        ({"epoch": 99}, r"epoch must be an int in 1\.\.98"),
        ({"epoch": 50.0}, r"epoch must be an int in 1\.\.98"),
        ({"model": "v1"}, "unknown NB301 surrogate 'v1'; choose one of 2021, v2"),
        ({"max_cached": -1}, "max_cached must be >= 0"),
    ],
)
def test_bad_benchmark_arguments_are_named(cache, kwargs, match):
    with pytest.raises(ValueError, match=match):
        NB301Benchmark(cache=cache, **kwargs)


def test_bad_queries_are_named(cache):
    bench = NB301Benchmark(cache=cache)
    with pytest.raises(ValueError, match="has no metric 'test_acc'"):
        bench.query(SPACE.sample(1, np.random.default_rng(0)), "test_acc")
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 24\)"):
        bench.query(np.zeros((2, 6), dtype=np.int64), "val_acc")


def test_missing_data_names_the_fix(tmp_path):
    with pytest.raises(DataMissingError, match="nas-gym data import"):
        NB301Benchmark(cache=tmp_path)
