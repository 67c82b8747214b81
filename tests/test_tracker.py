"""SearchTracker: a top-K by key (slots hold keys into a shared one-hot table) is the same
bookkeeping as a top-K holding its own one-hot copies, step for step, ties and restarts included."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nas_gym.envs.tracker import SearchTracker

NUM_ARCHS, DIM, N, K = 40, 8, 5, 3
TABLE = np.random.default_rng(0).integers(0, 2, (NUM_ARCHS, DIM)).astype(np.float32)


def trackers() -> tuple[SearchTracker, SearchTracker]:
    by_key = SearchTracker(N, DIM, 1, K, NUM_ARCHS, lambda: TABLE)
    stored = SearchTracker(N, DIM, 1, K, NUM_ARCHS)
    return by_key, stored


steps = st.lists(
    st.tuples(
        st.lists(st.integers(0, NUM_ARCHS - 1), min_size=N, max_size=N),  # keys
        st.lists(st.sampled_from([-np.inf, 1.0, 2.0, 3.0]), min_size=N, max_size=N),  # scores, many ties
        st.lists(st.booleans(), min_size=N, max_size=N),  # which searches step (the rest sit out)
        st.lists(st.booleans(), min_size=N, max_size=N),  # which restart afterwards
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_a_top_k_by_key_equals_one_holding_its_one_hots(trajectory):
    by_key, stored = trackers()
    for keys, scores, stepping, restart in trajectory:
        rows = None if all(stepping) else np.flatnonzero(stepping)
        at = slice(None) if rows is None else rows
        k, s = np.array(keys, dtype=np.int64)[at], np.array(scores)[at]
        codes = k[:, None]
        results = [t.record(k, codes, lambda i, k=k: TABLE[k[i]], s, s * 10.0, rows) for t in (by_key, stored)]
        for a, b in zip(*results, strict=True):
            assert np.array_equal(a, b)
        assert np.array_equal(by_key.state(), stored.state())
        for name in ("best_signal_acc", "best_report_acc", "best_key", "best_codes", "steps", "unique"):
            assert np.array_equal(getattr(by_key, name), getattr(stored, name)), name
        if any(restart):
            for t in (by_key, stored):
                t.reset(np.array(restart))


def test_the_state_is_the_mean_one_hot_of_the_k_best_distinct_and_ties_keep_the_first():
    tracker = SearchTracker(1, DIM, 1, 2, NUM_ARCHS, lambda: TABLE)
    for key, score in ((3, 1.0), (5, 2.0), (7, 2.0), (9, 1.5), (5, 9.0)):  # 7 ties 5; 5 again is a repeat
        keys = np.array([key])
        tracker.record(keys, keys[:, None], lambda i, keys=keys: TABLE[keys[i]], np.array([score]), np.array([score]))
    np.testing.assert_array_equal(tracker.state()[0], ((TABLE[5] + TABLE[7]) / 2).astype(np.float32))
    assert tracker.best_key[0] == 5 and tracker.unique[0] == 4 and tracker.steps[0] == 5
