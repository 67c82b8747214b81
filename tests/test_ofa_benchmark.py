"""OFA benchmark on the real data: pinned predictor and Note10 values, MACs cross-check, HELP latency."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from scipy.stats import spearmanr

from nas_gym.benchmarks.ofa import OFABenchmark, architecture_costs, help_latency_fits
from nas_gym.data.ofa import note10_tables
from nas_gym.data.store import load_arrays
from nas_gym.spaces.ofa import RESOLUTIONS, OFASearchSpace
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.realdata

LARGEST = {"ks": [7] * 20, "e": [6] * 20, "d": [4] * 5, "r": 224}
MIDDLE = {"ks": [5] * 20, "e": [4] * 20, "d": [3] * 5, "r": 192}
SMALLEST = {"ks": [3] * 20, "e": [3] * 20, "d": [2] * 5, "r": 160}


@pytest.fixture(scope="module")
def cache(real_data):
    return real_data.require("ofa")


@pytest.fixture(scope="module")
def bench(cache):
    return OFABenchmark(RESOLUTIONS, cache)


def test_pinned_predictor_and_note10_values(bench):
    """The check values of data README §9/§10."""
    codes = bench.search_space.from_dicts([LARGEST, MIDDLE, SMALLEST])
    v = bench.query_many(codes, ["predicted_acc", "latency/note10"])
    assert np.round(v["predicted_acc"] / 100, 4).tolist() == [0.8359, 0.8059, 0.7531]
    assert np.round(v["latency/note10"], 2).tolist() == [92.40, 27.84, 9.89]


def test_numpy_predictor_matches_torch_on_the_source_weights(bench):
    torch = pytest.importorskip("torch")
    state = torch.load(SHARED_DATA / "ofa" / "acc_predictor.pth", map_location="cpu", weights_only=True)
    mlp = torch.nn.Sequential(
        torch.nn.Linear(128, 400),
        torch.nn.ReLU(),
        torch.nn.Linear(400, 400),
        torch.nn.ReLU(),
        torch.nn.Linear(400, 400),
        torch.nn.ReLU(),
        torch.nn.Linear(400, 1),
    )
    mlp.load_state_dict(state)
    codes = bench.search_space.sample(256, np.random.default_rng(0))
    with torch.no_grad():
        expected = mlp(torch.from_numpy(bench.search_space.predictor_features(codes))).numpy()[:, 0]
    np.testing.assert_allclose(bench.query(codes, "predicted_acc"), 100 * expected, rtol=1e-5)


def test_note10_latency_of_a_hand_summed_subnet(bench):
    """Depth 2 everywhere at r=160, mixed ops; padding ops of inactive blocks must not count."""
    table = yaml.safe_load((SHARED_DATA / "ofa" / "note10" / "160_lookup_table.yaml").read_text())
    keys = [
        "Conv-input:160x160x3-output:80x80x24",
        "expanded_conv-input:80x80x24-output:80x80x24-expand:24-kernel:3-stride:1-idskip:1-se:0-hs:0",
        "expanded_conv-input:80x80x24-output:40x40x32-expand:96-kernel:5-stride:2-idskip:0-se:0-hs:0",
        "expanded_conv-input:40x40x32-output:40x40x32-expand:192-kernel:3-stride:1-idskip:1-se:0-hs:0",
        "expanded_conv-input:40x40x32-output:20x20x48-expand:96-kernel:7-stride:2-idskip:0-se:1-hs:0",
        "expanded_conv-input:20x20x48-output:20x20x48-expand:192-kernel:3-stride:1-idskip:1-se:1-hs:0",
        "expanded_conv-input:20x20x48-output:10x10x96-expand:288-kernel:3-stride:2-idskip:0-se:0-hs:1",
        "expanded_conv-input:10x10x96-output:10x10x96-expand:288-kernel:5-stride:1-idskip:1-se:0-hs:1",
        "expanded_conv-input:10x10x96-output:10x10x136-expand:384-kernel:5-stride:1-idskip:0-se:1-hs:1",
        "expanded_conv-input:10x10x136-output:10x10x136-expand:816-kernel:7-stride:1-idskip:1-se:1-hs:1",
        "expanded_conv-input:10x10x136-output:5x5x192-expand:408-kernel:3-stride:2-idskip:0-se:1-hs:1",
        "expanded_conv-input:5x5x192-output:5x5x192-expand:1152-kernel:3-stride:1-idskip:1-se:1-hs:1",
        "Conv_1-input:5x5x192-output:5x5x1152",
        "AvgPool2D-input:5x5x1152-output:1x1x1152",
        "Conv_2-input:1x1x1152-output:1x1x1536",
        "Logits-input:1x1x1536-output:1000",
    ]
    expected = sum(table[k]["mean"] for k in keys)
    pad = [7, 7]
    arch = {
        "ks": [5, 3, *pad, 7, 3, *pad, 3, 5, *pad, 5, 7, *pad, 3, 3, *pad],
        "e": [4, 6, 6, 6, 3, 4, 6, 6, 6, 3, 6, 6, 4, 6, 6, 6, 3, 6, 6, 6],
        "d": [2] * 5,
        "r": 160,
    }
    got = bench.query(bench.search_space.from_dicts([arch]), "latency/note10")[0]
    assert got == pytest.approx(expected, abs=1e-9)


def test_note10_converter_rejects_foreign_tables(cache):  # cache: skips when the real data is absent
    tables = {
        r: yaml.safe_load((SHARED_DATA / "ofa" / "note10" / f"{r}_lookup_table.yaml").read_text()) for r in RESOLUTIONS
    }
    missing = {r: dict(t) for r, t in tables.items()}
    missing[176].pop("Conv_2-input:1x1x1152-output:1x1x1536")
    with pytest.raises(ValueError, match="176: missing layer Conv_2"):
        note10_tables(missing)
    extra = {r: dict(t) for r, t in tables.items()}
    extra[224]["Conv-input:225x225x3-output:113x113x24"] = {"mean": 1.0}
    with pytest.raises(ValueError, match="no subnet uses"):
        note10_tables(extra)


def test_macs_match_ofa_published_595m_net():
    """OFA's ``flops@595M_top1@80.0_finetune@75`` (net.config of the OFA model zoo; image size 236)."""
    ks = [3, 5, 3, 3, 5, 5, 3, 5, 7, 5, 3, 5, 3, 5, 7, 3, 3, 3, 5, 3]
    e = [3, 4, 3, 3, 4, 4, 6, 3, 6, 6, 3, 4, 6, 6, 6, 4, 6, 6, 6, 3]
    d = [3, 4, 4, 4, 4]
    k_idx = np.array([[{3: 0, 5: 1, 7: 2}[k] for k in ks]])
    e_idx = np.array([[{3: 0, 4: 1, 6: 2}[v] for v in e]])
    active = np.array([[p < d[i // 4] for i, p in enumerate([0, 1, 2, 3] * 5)]])
    costs = architecture_costs(k_idx, e_idx, active, np.array([236]))
    assert costs["macs"][0] == pytest.approx(595.189032)
    assert round(costs["macs"][0]) == 595


def test_macs_and_params_of_the_largest_and_smallest_subnets(bench):
    codes = bench.search_space.from_dicts([LARGEST, SMALLEST])
    v = bench.query_many(codes, ["macs", "params"])
    np.testing.assert_allclose(v["macs"], [843.10104, 100.320888])
    np.testing.assert_allclose(v["params"], [10.701632, 4.602456])


def test_help_archs_agree_with_note10_as_the_data_readme_reports(cache):
    """Spearman of our Note10 sum vs HELP's measurements on its 1,013 archs at Note10 resolutions (README §11)."""
    arrays = load_arrays("ofa", "ofa.npz", cache)
    at_note10 = np.isin(arrays["help_r"], RESOLUTIONS)
    assert at_note10.sum() == 1013
    space, bench = OFASearchSpace(RESOLUTIONS), OFABenchmark(RESOLUTIONS, cache)
    archs = [
        {"ks": ks.tolist(), "e": e.tolist(), "d": d.tolist(), "r": int(r)}
        for ks, e, d, r in zip(
            arrays["help_ks"][at_note10],
            arrays["help_e"][at_note10],
            arrays["help_d"][at_note10],
            arrays["help_r"][at_note10],
            strict=True,
        )
    ]
    note10 = bench.query(space.from_dicts(archs), "latency/note10")
    devices = arrays["help_devices"].tolist()
    for device, expected in {"titan_rtx_64": 0.992, "v100_64": 0.993, "2080ti_32": 0.856, "titan_rtx_1": 0.309}.items():
        measured = arrays["help_latency_ms"][at_note10, devices.index(device)]
        assert spearmanr(note10, measured).statistic == pytest.approx(expected, abs=5e-4)


def test_help_latency_fits_rank_held_out_subnets(cache, bench):
    fits = help_latency_fits(cache)
    assert set(fits) == {
        d.removeprefix("latency/") for d in bench.metrics if d.startswith("latency/") and d != "latency/note10"
    }
    for fit in fits.values():
        assert (fit.n_train, fit.n_heldout) == (4000, 1000)
    spearman = {d: round(f.spearman_heldout, 3) for d, f in fits.items()}
    assert spearman == {
        "2080ti_1": 0.746,
        "2080ti_32": 0.812,
        "2080ti_64": 0.982,
        "titan_rtx_1": 0.881,
        "titan_rtx_32": 0.999,
        "titan_rtx_64": 1.0,
        "titan_xp_1": 0.794,
        "titan_xp_32": 0.995,
        "titan_xp_64": 0.997,
        "v100_1": 0.901,
        "v100_32": 0.923,
        "v100_64": 0.999,
    }


def test_queries_are_batched_consistently(bench):
    codes = bench.search_space.sample(300, np.random.default_rng(1))
    whole = bench.query_many(codes, bench.metrics)
    for m in bench.metrics:
        np.testing.assert_allclose(np.concatenate([bench.query(codes[:7], m), bench.query(codes[7:], m)]), whole[m])
    assert (whole["latency/note10"] >= 9.89).all() and (whole["predicted_acc"] < 83.6).all()


def test_bad_queries(bench, cache):
    codes = bench.search_space.sample(2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="has no metric 'test200'"):
        bench.query(codes, "test200")
    with pytest.raises(ValueError, match=r"shape \(n, 26\)"):
        bench.query(codes[0], "predicted_acc")
    fixed = OFABenchmark((224,), cache)
    with pytest.raises(ValueError, match="resolution"):
        fixed.query(codes, "predicted_acc")  # resolution codes of a 5-resolution space


def test_note10_fixed_latency_does_not_depend_on_the_hash_seed():
    """The import sums the fixed layers in sorted order: processes with other hash seeds agree bit for bit."""
    import subprocess
    import sys

    code = (
        "import yaml\n"
        "from nas_gym.data.ofa import note10_tables\n"
        "from nas_gym.spaces.ofa import RESOLUTIONS\n"
        f"root = {str(SHARED_DATA / 'ofa' / 'note10')!r}\n"
        "tables = {r: yaml.safe_load(open(f'{root}/{r}_lookup_table.yaml')) for r in RESOLUTIONS}\n"
        "print(note10_tables(tables)[1].tobytes().hex())\n"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code], env={"PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True
        ).stdout
        for seed in ("1", "2", "3", "4", "5", "6", "7", "8")
    }
    assert len(outs) == 1 and len(next(iter(outs)).strip()) == 2 * 8 * len(RESOLUTIONS)
