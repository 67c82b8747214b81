"""L2NAS v6 switch (issue 19): mutations move on from parents whose neighbourhood is searched out."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nas_gym.agents.baselines.base import code_choices, neighbours
from nas_gym.agents.l2nas.acting import Proposer
from nas_gym.agents.l2nas.presets import resolve_preset
from nas_gym.spaces.nb201 import NB201SearchSpace

SPACE = NB201SearchSpace()
BEST = np.array([0, 1, 2, 3, 4, 0])
SECOND = np.array([1, 1, 2, 3, 4, 0])  # a neighbour of BEST


def _proposer(feasible=None, **overrides):
    config = replace(resolve_preset("v4", SPACE.name), epsilon=None, warmup_steps=0, mutation_parents=1, **overrides)
    proposer = Proposer(config, SPACE, np.random.default_rng(0), 1, lambda alpha, i: np.zeros(len(alpha)), feasible)
    proposer.top[0] = [(2.0, BEST), (1.0, SECOND)]
    return proposer


def _distances(proposer):
    """Hamming distances of the 64 mutation candidates to BEST and to SECOND."""
    alphas = proposer._mutation_candidates(np.full(SPACE.alpha_dim, 0.5), 0)
    kids = SPACE.discretize(alphas.reshape(len(alphas), *SPACE.alpha_shape))
    return (kids != BEST).sum(axis=1), (kids != SECOND).sum(axis=1)


def _see_all_neighbours_of(proposer, codes):
    proposer.seen[0] |= set(SPACE.key(neighbours(codes, code_choices(SPACE))).tolist())


def test_searched_out_best_hands_the_mutations_to_the_next_parent():
    proposer = _proposer(skip_searched_parents=True)
    assert (_distances(proposer)[0] == 1).all()  # BEST still has unqueried neighbours
    _see_all_neighbours_of(proposer, BEST)
    to_best, to_second = _distances(proposer)
    assert (to_second == 1).all()  # SECOND's children now ...
    assert (to_best == 2).any()  # ... reaching cells two ops from BEST, which BEST's own mutations cannot
    assert BEST.tobytes() in proposer.searched_out[0]


def test_without_the_switch_a_searched_out_best_keeps_the_mutations():
    proposer = _proposer()
    _see_all_neighbours_of(proposer, BEST)
    assert (_distances(proposer)[0] == 1).all()  # all 64 candidates are repeats the screening will drop


def test_infeasible_neighbours_count_as_searched():
    """With feasible_only, a parent whose unqueried neighbours are all over the limit is searched out."""
    nb = neighbours(BEST, code_choices(SPACE))
    edge0 = nb[:, 0] != BEST[0]  # the 4 neighbours that change edge 0 (over the limit here)
    proposer = _proposer(feasible=lambda codes: codes[:, 0] == BEST[0], feasible_only=True, skip_searched_parents=True)
    proposer.seen[0] |= set(SPACE.key(nb[~edge0]).tolist())  # every feasible neighbour of BEST queried
    assert not proposer._has_open_neighbours(BEST, 0)
    assert proposer._has_open_neighbours(SECOND, 0)


def test_a_finished_search_forgets_its_searched_out_parents():
    proposer = _proposer(skip_searched_parents=True)
    _see_all_neighbours_of(proposer, BEST)
    proposer.parents(0)
    alpha = SPACE.one_hot(BEST[None]).reshape(1, -1).astype(np.float64)
    proposer.record(alpha, np.array([1.0]), np.array([True]))
    assert proposer.searched_out[0] == set() and proposer.top[0] == []


def test_v6_is_v5_with_the_moving_local_search_on_darts_only():
    from nas_gym.agents.l2nas.presets import PRESETS

    assert PRESETS["v6"]["nb201"] == PRESETS["v5"]["nb201"] and PRESETS["v6"]["ofa"] == PRESETS["v5"]["ofa"]
    v5, v6 = PRESETS["v5"]["darts"], PRESETS["v6"]["darts"]
    assert v6 == replace(v5, skip_searched_parents=True) and not v5.skip_searched_parents
