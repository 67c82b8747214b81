"""The NB201 network: exact published parameter counts, and the cell computes the DAG it encodes."""

from __future__ import annotations

import bz2
import json
import pickle

import numpy as np
import pytest
import torch

from nas_gym.models.nb201_net import NB201Cell, NB201Network, count_parameters
from nas_gym.spaces.nb201 import naslib_to_codes, string_to_codes
from tests.conftest import SHARED_DATA

NATS_FIXTURE = SHARED_DATA / "nats_fake" / "NATS-tss-v1_0-3ffb9-simple"
NASLIB_JSON = SHARED_DATA / "nb201" / "zc_nasbench201.json"
NUM_CLASSES = {"cifar10-valid": 10, "cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}


def params_m(codes, num_classes: int) -> float:
    return count_parameters(NB201Network(codes, num_classes)) / 1e6


def test_cell_11_has_the_published_parameter_count():
    cell_11 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|"
    assert count_parameters(NB201Network(string_to_codes(cell_11), 10)) == 802_426


@pytest.mark.skipif(not NATS_FIXTURE.is_dir(), reason="NATS fixture absent")
@pytest.mark.parametrize("index", [0, 11, 284])
def test_parameters_match_the_nats_fixture_on_every_dataset(index):
    with bz2.open(NATS_FIXTURE / f"{index:06d}.pickle.pbz2") as fh:
        record = pickle.load(fh)
    checked = 0
    for hp in ("12", "200"):
        for (dataset, _seed), result in record[hp]["all_results"].items():
            codes = string_to_codes(result["arch_config"]["arch_str"])
            assert params_m(codes, NUM_CLASSES[dataset]) == pytest.approx(result["params"], abs=5e-7)
            checked += 1
    assert checked >= 8


@pytest.mark.skipif(not NASLIB_JSON.is_file(), reason="NASLib JSON absent")
@pytest.mark.parametrize(("dataset", "num_classes"), [("cifar10", 10), ("cifar100", 100), ("ImageNet16-120", 120)])
def test_parameters_match_naslib_for_every_distinct_published_count(dataset, num_classes):
    """One record per distinct published count (every op mix that occurs), so the test stays fast."""
    records = json.loads(NASLIB_JSON.read_text())[dataset]
    by_count = {}
    for key, rec in records.items():
        by_count.setdefault(rec["params"]["score"], key)
    assert len(by_count) >= 20
    for published, key in by_count.items():
        codes = naslib_to_codes(np.array([int(t) for t in key.strip("()").split(",")]))
        assert round(params_m(codes, num_classes), 6) == published, key


def cell_output(arch: str, x: torch.Tensor) -> torch.Tensor:
    return NB201Cell(string_to_codes(arch), channels=x.shape[1])(x)


def test_cell_sums_its_edges():
    x = torch.randn(2, 3, 8, 8)
    skips = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"
    # node1 = x, node2 = x + node1 = 2x, node3 = x + node1 + node2 = 4x
    torch.testing.assert_close(cell_output(skips, x), 4 * x)
    chain = "|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|"
    torch.testing.assert_close(cell_output(chain, x), x)


def test_cell_with_no_path_to_the_output_is_zero():
    x = torch.randn(2, 3, 8, 8)
    dead = "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|none~0|none~1|none~2|"
    assert torch.equal(cell_output(dead, x), torch.zeros_like(x))


def test_network_maps_images_to_logits():
    codes = string_to_codes("|nor_conv_1x1~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|none~1|none~2|")
    net = NB201Network(codes, num_classes=7, channels=4, cells_per_stage=1)
    assert net(torch.randn(3, 3, 32, 32)).shape == (3, 7)


@pytest.mark.parametrize(
    ("codes", "kwargs", "match"),
    [([0, 1, 2], {}, "6 op codes"), ([0, 1, 2, 3, 4, 5], {}, "unknown NB201 op"), ([0] * 6, {"channels": 0}, ">= 1")],
)
def test_bad_networks_are_refused(codes, kwargs, match):
    with pytest.raises(ValueError, match=match):
        NB201Network(codes, **kwargs)
