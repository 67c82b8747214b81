"""L2NAS v5 switches (issue 19): actor-guided neighbourhood mutations and standardised critic targets."""

from __future__ import annotations

from dataclasses import replace

import gymnasium as gym
import numpy as np
import pytest
import torch as th

import nas_gym  # noqa: F401 (registers the env ids)
from nas_gym.agents.baselines.base import code_choices, neighbours
from nas_gym.agents.l2nas import L2NAS, L2NASConfig
from nas_gym.agents.l2nas.acting import Proposer
from nas_gym.agents.l2nas.presets import PRESETS, resolve_preset
from nas_gym.spaces.darts import DARTSSearchSpace
from nas_gym.spaces.nb201 import NB201SearchSpace

th.set_num_threads(1)

PARENT = np.array([0, 1, 2, 3, 4, 0])


def _proposer(space, **overrides):
    config = replace(
        resolve_preset("v4", space.name), epsilon=None, warmup_steps=0, mutation_ops="neighbourhood", **overrides
    )
    proposer = Proposer(config, space, np.random.default_rng(0), 1, lambda alpha, i: np.zeros(len(alpha)))
    return proposer


def _children(proposer, space, parent, mu, draws=4000):
    proposer.top[0] = [(1.0, parent)]
    out = proposer._mutation_candidates(mu, 0)
    rows = [out]
    while sum(len(r) for r in rows) < draws:
        rows.append(proposer._mutation_candidates(mu, 0))
    alphas = np.concatenate(rows)
    return space.discretize(alphas.reshape(len(alphas), *space.alpha_shape))


@pytest.mark.parametrize("space", [NB201SearchSpace(), DARTSSearchSpace()], ids=["nb201", "darts"])
def test_neighbourhood_mutations_are_one_op_from_a_parent(space):
    parent = space.sample(1, np.random.default_rng(3))[0]
    proposer = _proposer(space)
    mu = np.random.default_rng(4).uniform(size=space.alpha_dim)
    kids = _children(proposer, space, parent, mu, draws=256)
    assert ((kids != parent).sum(axis=1) == 1).all()  # every candidate is a one-op neighbour


def test_a_constant_actor_mutates_uniformly_over_the_neighbourhood():
    space = NB201SearchSpace()
    kids = _children(_proposer(space), space, PARENT, np.full(30, 0.5))
    counts = np.unique(space.key(kids), return_counts=True)[1]
    assert len(counts) == len(neighbours(PARENT, code_choices(space)))  # all 24 neighbours drawn ...
    assert counts.min() > 0.6 * len(kids) / 24 and counts.max() < 1.4 * len(kids) / 24  # ... about equally


def test_the_actor_chooses_the_position_and_the_op():
    """mu prefers op 3 on edge 5 (the parent has 0 there): most draws change exactly that edge to that op."""
    space = NB201SearchSpace()
    mu = space.one_hot(PARENT[None]).reshape(30).astype(np.float64) * 0.5 + 0.25  # neutral on the parent
    mu[5 * 5 + 3] = 1.0
    kids = _children(_proposer(space), space, PARENT, mu)
    target = PARENT.copy()
    target[5] = 3
    share = (kids == target).all(axis=1).mean()
    # logits vs the parent: +1 for the preferred child, -2 for the 23 others: share e^3 / (e^3 + 23) ~ 0.47
    assert share > 0.35, share
    assert share < 0.9  # still a distribution: other neighbours are drawn too


def test_random_proposals_leave_no_local_search():
    space = NB201SearchSpace()
    proposer = _proposer(space, actor_proposals="random")
    proposer.top[0] = [(1.0, PARENT)]
    pool = proposer._mutation_candidates(np.full(30, 0.5), 0)
    assert len(pool) == proposer.config.mutation_candidates
    assert not np.isin(pool, (0.0, 1.0)).all()  # uniform alphas, not one-hot mutations
    codes = space.discretize(pool.reshape(len(pool), *space.alpha_shape))
    assert np.mean((codes != PARENT).sum(axis=1)) > 3  # far from the parent: ~4.8 of 6 edges differ


def test_standardised_targets_put_the_critic_on_the_reward_z_scale(nb201_cache):
    """On raw exp100 rewards (~60-90 on NB201 cifar10) the critic's estimates grow towards the rewards;
    on standardised targets they stay on the z-scale of the search's rewards."""

    def estimates(targets):
        env = gym.make("NB201-cifar10-v0", cache=nb201_cache, max_queries=120)
        model = L2NAS("MlpPolicy", env, preset="v4", seed=0, critic_targets=targets)
        model.learn(120)
        stored = model.replay_buffer.size()
        alpha = (model.replay_buffer.actions[:stored, 0] + 1.0) / 2.0
        q = model.policy.q_values(th.as_tensor(model._critic_features(alpha))).detach().numpy()[0]
        return q, model.replay_buffer.rewards[:stored, 0]

    raw, rewards = estimates("raw")
    z, _ = estimates("standardised")
    assert rewards.mean() > 30 and np.abs(raw).mean() > 10
    assert np.abs(z).mean() < 3
    scaling = L2NAS._target_scaling
    assert scaling(type("M", (), {"config": L2NASConfig()})(), rewards) == (0.0, 1.0)  # the paper: raw
    loc, scale = scaling(type("M", (), {"config": L2NASConfig(critic_targets="standardised")})(), rewards)
    assert np.isclose(loc, rewards.mean()) and np.isclose(scale, rewards.std())


def test_paper_and_earlier_presets_keep_the_v5_switches_off():
    for preset in ("paper", "paper-lr1e-4", "improved", "v3", "v4"):
        for cfg in PRESETS[preset].values():
            assert cfg.mutation_ops in ("uniform", "actor") and cfg.critic_targets == "raw", preset


def test_v5_is_v4_with_standardised_targets_and_one_parent_on_darts_only():
    # no change was better on NB201 or OFA in tuning: those families are v4's
    assert PRESETS["v5"]["nb201"] == PRESETS["v4"]["nb201"] and PRESETS["v5"]["ofa"] == PRESETS["v4"]["ofa"]
    v4, v5 = PRESETS["v4"]["darts"], PRESETS["v5"]["darts"]
    assert replace(v4, critic_targets="standardised", mutation_parents=1) == v5
