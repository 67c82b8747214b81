"""Fronts and indicators: pymoo's hypervolume on hand-made examples, the vectorised 2-D contributions,
and the exact NB201 fronts checked by brute force (O(n^2) on the full table) and by a sorted sweep."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

pytest.importorskip("pymoo", reason="install the mo extra")

from nas_gym.pareto import hypervolume, hypervolume_contributions, igd, nondominated_mask
from nas_gym.report.mo_fronts import nb201_points, nb201_true_front, reference_point


def brute_force_mask(p: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Point i is on the front iff no j weakly dominates it with one strict gain (then duplicates: first kept)."""
    keep = np.zeros(len(p), dtype=bool)
    for start in range(0, len(p), chunk):
        block = p[start : start + chunk]
        geq = (p[None, :, :] >= block[:, None, :]).all(axis=2)
        gt = (p[None, :, :] > block[:, None, :]).any(axis=2)
        keep[start : start + chunk] = ~(geq & gt).any(axis=1)
    return keep


def sweep_front(p: np.ndarray) -> np.ndarray:
    """2-D front by a sorted sweep: by first objective descending (second descending on ties), keep each
    point whose second objective beats every point before it."""
    order = np.lexsort((-p[:, 1], -p[:, 0]))
    best, out = -np.inf, []
    for i in order:
        if p[i, 1] > best:
            out.append(p[i])
            best = p[i, 1]
    return np.array(out)


def test_hypervolume_of_a_hand_made_front():
    # a staircase of 1x3, 2x2, 3x1 boxes from the origin: 3 + 2 + 1 = 6; a dominated point and a
    # point outside the reference box change nothing
    pts = np.array([[3.0, 1.0], [1.0, 3.0], [2.0, 2.0], [1.0, 1.0], [-1.0, 5.0]])
    assert hypervolume(pts, np.zeros(2)) == pytest.approx(6.0)
    assert hypervolume(pts, np.array([1.0, 1.0])) == pytest.approx(1.0)  # only (2, 2) is beyond this reference
    assert hypervolume(np.array([[0.5, 0.5]]), np.ones(2)) == 0.0
    assert hypervolume(np.array([[2.0, 3.0, 4.0]]), np.zeros(3)) == pytest.approx(24.0)


def test_optuna_agrees_with_pymoo():
    from optuna._hypervolume import compute_hypervolume

    rng = np.random.default_rng(0)
    pts = rng.random((50, 2))
    # optuna minimises: negate the points and the reference
    assert compute_hypervolume(-pts, np.zeros(2)) == pytest.approx(hypervolume(pts, np.zeros(2)), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 30), st.just(2)), elements=st.integers(0, 8).map(float)),
    arrays(np.float64, st.tuples(st.integers(1, 10), st.just(2)), elements=st.integers(-1, 9).map(float)),
)
def test_contributions_are_the_hypervolume_gains(points, candidates):
    ref = np.array([0.5, 0.5])
    base = hypervolume(points, ref)
    gains = [hypervolume(np.vstack([points, c]), ref) - base for c in candidates]
    np.testing.assert_allclose(hypervolume_contributions(points, candidates, ref), gains, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 60), st.integers(2, 3)), elements=st.integers(0, 5).map(float)))
def test_nondominated_mask_is_the_brute_force_front(points):
    mask = nondominated_mask(points)
    expected = brute_force_mask(points)
    # the brute force keeps every copy of a front point; the mask keeps exactly one
    assert {tuple(r) for r in points[mask]} == {tuple(r) for r in points[expected]}
    assert mask.sum() == len({tuple(r) for r in points[expected]})


def test_igd_of_a_front_to_itself_is_zero_and_known_on_a_toy_case():
    true = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert igd(true, true) == 0.0
    # one found point at (0, 0): distance 1 from each true point (the range is already [0, 1])
    assert igd(np.array([[0.0, 0.0]]), true) == pytest.approx(1.0)
    assert igd(np.zeros((0, 2)), true) == np.inf


def test_reference_point_rule():
    f = np.array([[90.0, -10.0], [50.0, -2.0]])
    np.testing.assert_allclose(reference_point(f), [46.0, -10.8])


@pytest.mark.parametrize(("dataset", "device"), [("cifar10", "pixel3"), ("ImageNet16-120", "fpga")])
def test_true_nb201_front_is_the_brute_force_front_of_the_full_table(nb201_cache, dataset, device):
    points = nb201_points(dataset, device, "val12", cache=str(nb201_cache))
    assert points.shape == (15_625, 2)
    expected = np.unique(points[brute_force_mask(points)], axis=0)
    got = nb201_true_front(dataset, device, "val12", cache=str(nb201_cache))
    np.testing.assert_array_equal(np.unique(got, axis=0), expected)


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100", "ImageNet16-120"])
@pytest.mark.parametrize("device", ["1080ti_1", "pixel3", "fpga", "raspi4"])
@pytest.mark.parametrize("metric", ["val12", "test200"])
def test_true_nb201_front_is_the_sorted_sweep(nb201_cache, dataset, device, metric):
    points = nb201_points(dataset, device, metric, cache=str(nb201_cache))
    got = nb201_true_front(dataset, device, metric, cache=str(nb201_cache))
    np.testing.assert_array_equal(got, sweep_front(points))
    # the front's most accurate cell is the dataset's best cell by that metric
    assert got[0, 0] == points[:, 0].max()


def test_cifar10_test200_front_holds_the_best_cell(nb201_cache):
    f = nb201_true_front("cifar10", "pixel3", "test200", cache=str(nb201_cache))
    assert f[0, 0] == pytest.approx(94.3733, abs=1e-4)  # index 6111, the NB201 optimum
    assert hypervolume(f, reference_point(f)) > 0
