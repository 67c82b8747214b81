"""L2NAS v3 (issue 19): the actor's distribution, the rank objective, feasibility and the critic switches."""

from __future__ import annotations

from dataclasses import replace

import gymnasium as gym
import numpy as np
import pytest
import torch as th

import nas_gym  # noqa: F401 (registers the env ids)
from nas_gym.agents.l2nas import L2NAS, L2NASConfig, resolve_preset
from nas_gym.agents.l2nas.acting import Proposer
from nas_gym.agents.l2nas.distribution import ActorDistribution, elite_weights, row_index
from nas_gym.agents.l2nas.presets import PRESETS
from nas_gym.spaces.darts import DARTSSearchSpace
from nas_gym.spaces.nb201 import NB201SearchSpace
from nas_gym.spaces.ofa import OFASearchSpace

th.set_num_threads(1)


def test_rows_follow_each_space_layout():
    nb201 = row_index(NB201SearchSpace())
    assert nb201.shape == (6, 5) and nb201[1].tolist() == [5, 6, 7, 8, 9]
    darts = row_index(DARTSSearchSpace())
    assert darts.shape == (28, 7) and darts[-1, -1] == 195
    ofa = row_index(OFASearchSpace())  # 20 blocks of 9 ops, 5 stages of 3 depths
    assert ofa.shape == (25, 9) and ofa[20].tolist() == [180, 181, 182, -1, -1, -1, -1, -1, -1]
    assert sorted(ofa[ofa >= 0].tolist()) == list(range(195))


def test_samples_are_the_rows_softmax():
    """Gumbel-max on NB201's argmax rows draws op k of a row with probability softmax(mu_row / T)_k."""
    space = NB201SearchSpace()
    mu_row = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    dist = ActorDistribution(space, temperature=0.25)
    samples = dist.sample(np.tile(mu_row, 6), 20000, np.random.default_rng(0))
    codes = space.discretize(samples.reshape(-1, 6, 5))
    expected = np.exp(mu_row / 0.25) / np.exp(mu_row / 0.25).sum()
    for edge in range(6):
        assert np.abs(np.bincount(codes[:, edge], minlength=5) / len(codes) - expected).max() < 0.012
    assert ((samples == 0) | (samples == 1)).all() and (samples.sum(axis=1) == 6).all()  # one-hot alphas


def test_log_prob_is_the_sum_of_row_log_softmax():
    space = OFASearchSpace()
    rng = np.random.default_rng(1)
    mu = th.as_tensor(rng.uniform(size=(3, space.alpha_dim)))
    codes = space.sample(3, rng)
    one_hot = th.as_tensor(space.one_hot(codes), dtype=th.float64)
    got = ActorDistribution(space, temperature=0.5).log_prob(mu, one_hot)
    blocks = [(20, 9, 0), (5, 3, 180)]
    expected = th.zeros(3, dtype=th.float64)
    for rows, width, start in blocks:
        logits = mu[:, start : start + rows * width].reshape(3, rows, width) / 0.5
        picked = one_hot[:, start : start + rows * width].reshape(3, rows, width)
        expected += (picked * th.log_softmax(logits, dim=-1)).sum(dim=(1, 2))
    assert th.allclose(got, expected)


def test_elite_weights_centre_on_the_history():
    history = np.arange(20.0)
    weights = elite_weights(history, history, elite=0.25)
    assert weights.tolist() == [-0.25] * 15 + [0.75] * 5  # the best 5 of 20 up, the rest down
    assert weights.sum() == 0.0
    assert elite_weights(np.array([100.0, -1.0]), history, 0.1).tolist() == [0.9, -0.1]


@pytest.mark.parametrize("bad", [{"actor_elite": 1.0}, {"actor_temperature": 0.0}, {"actor_objective": "q"}])
def test_v3_settings_are_validated(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        L2NASConfig().with_overrides(**bad)
    with pytest.raises(TypeError, match="feasible_only"):
        L2NASConfig().with_overrides(feasible_only="yes")


def test_paper_presets_keep_every_v3_switch_off():
    """The new fields default to the paper's behaviour, so `paper` and `paper-lr1e-4` are unchanged."""
    defaults = L2NASConfig()
    for preset in ("paper", "paper-lr1e-4", "improved"):
        for cfg in PRESETS[preset].values():
            assert (cfg.actor_objective, cfg.actor_candidates) == ("critic", "perturb")
            assert not cfg.feasible_only and not cfg.critic_state and cfg.critic_screening
            assert cfg.actor_temperature == defaults.actor_temperature
    v3 = resolve_preset("v3", "ofa-mbv3-w1.2")
    assert (v3.actor_objective, v3.actor_candidates, v3.feasible_only) == ("rank", "sample", True)
    assert replace(v3, actor_objective="critic", actor_candidates="perturb", feasible_only=False) == resolve_preset(
        "improved", "ofa-mbv3-w1.2"
    )


def _nb201(cache, **kwargs):
    return gym.make("NB201-cifar10-v0", cache=cache, **kwargs)


def test_rank_objective_makes_the_best_architectures_likelier(nb201_cache):
    """After 120 steps the actor gives the search's top-quarter cells more log-likelihood than at init."""
    model = L2NAS("MlpPolicy", _nb201(nb201_cache, max_queries=200), preset="v3", seed=0)
    obs = th.as_tensor(model.env.reset())
    before = model.policy.alpha(obs).detach()
    model.learn(120)
    after = model.policy.alpha(obs).detach()
    rewards = model.replay_buffer.rewards[:120, 0]
    one_hot = th.as_tensor(model._one_hot((model.replay_buffer.actions[:120, 0] + 1.0) / 2.0))
    elite = th.as_tensor(elite_weights(rewards, rewards, 0.25) > 0)
    dist = model._distribution

    def gap(mu):
        logp = dist.log_prob(mu.expand(120, -1), one_hot)
        return float(logp[elite].mean() - logp[~elite].mean())

    assert gap(after) > gap(before) + 1.0, (gap(before), gap(after))


def test_v3_same_seed_is_bit_identical(nb201_cache):
    def actions():
        model = L2NAS("MlpPolicy", _nb201(nb201_cache, max_queries=80), preset="v3", seed=3)
        model.learn(80)
        return model.replay_buffer.actions[:80, 0].copy()

    assert np.array_equal(actions(), actions())


def test_critic_off_never_asks_the_critic(nb201_cache):
    space = _nb201(nb201_cache).unwrapped.search_space
    config = replace(resolve_preset("v3", space.name), critic_screening=False, epsilon=None, warmup_steps=0)

    def critic(alpha, env_index):
        raise AssertionError("the critic was asked with critic_screening=False")

    proposer = Proposer(config, space, np.random.default_rng(0), 1, critic)
    picks = {proposer.arch_key(proposer.propose(np.full((1, 30), 0.5), step=100)[0]) for _ in range(20)}
    assert len(picks) > 15  # random picks among the pool, not one best


def test_state_conditioned_critic_sees_the_state(nb201_cache):
    env = _nb201(nb201_cache, max_queries=40)
    model = L2NAS("MlpPolicy", env, preset="v3", seed=0, critic_state=True)
    obs_dim = int(np.prod(env.observation_space.shape))
    assert model.policy.critics[0][0].in_features == obs_dim + 30
    model.learn(40)
    alpha = np.eye(5)[np.zeros(6, dtype=int)].reshape(1, 30)
    model._last_obs = np.zeros_like(model._last_obs)
    empty = model._critic_score(alpha, 0)
    model._last_obs = np.ones_like(model._last_obs)
    assert model._critic_score(alpha, 0) != empty  # Q(s, a) depends on s


@pytest.mark.realdata
def test_feasible_only_never_queries_over_the_latency_limit(real_data):
    """OFA Note10 25 ms: with feasible_only every query is under the limit; without, some are over."""
    cache = str(real_data.require("ofa"))

    class Latencies(gym.Wrapper):
        def __init__(self, env):
            super().__init__(env)
            self.seen: list[float] = []

        def step(self, action):
            out = self.env.step(action)
            self.seen.append(out[-1]["latency_ms"])
            return out

    def latencies(feasible_only):
        env = Latencies(gym.make("OFA-MBv3-note10-lat25-v0", cache=cache, max_queries=150))
        model = L2NAS("MlpPolicy", env, preset="v3", seed=0, feasible_only=feasible_only)
        model.learn(150)
        return np.array(env.seen)

    assert (latencies(True) <= 25.0).all()
    assert (latencies(False) > 25.0).mean() > 0.1


def test_an_encoding_critic_needs_the_rank_objective(nb201_cache):
    with pytest.raises(ValueError, match="actor_objective='rank'"):
        L2NAS("MlpPolicy", _nb201(nb201_cache), preset="improved", critic_input="encoding")
    model = L2NAS("MlpPolicy", _nb201(nb201_cache, max_queries=30), preset="v3", seed=0, critic_input="encoding")
    assert model.policy.critics[0][0].in_features == 155  # BANANAS's NB201 path encoding
    model.learn(30)
