"""L2NAS: the pieces against the paper's formulas, the SB3 contract, determinism and a real search."""

from __future__ import annotations

import warnings
from dataclasses import replace

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.logger import configure

import nas_gym  # noqa: F401 (registers the env ids)
from nas_gym.agents.baselines import RandomSearch, run_search
from nas_gym.agents.l2nas import (
    L2NAS,
    L2NASConfig,
    cosine_epsilon,
    n_gradient_steps,
    pinball_loss,
    reflect_into_unit_box,
    resolve_preset,
)
from nas_gym.search_log import SearchRecorder

th.set_num_threads(1)  # tiny MLPs: one thread is fastest on a shared 2-core runner


def _env(cache, **kwargs):
    return gym.make("NB201-cifar10-v0", cache=cache, **kwargs)


def test_pinball_loss_values():
    r = th.tensor([2.0, -1.0, 0.0])
    # rho_0.9(2) = 1.8, rho_0.9(-1) = 0.1, rho_0.9(0) = 0.
    assert pinball_loss(r, 0.9).item() == pytest.approx((1.8 + 0.1 + 0.0) / 3)
    assert pinball_loss(r, 0.5).item() == pytest.approx((1.0 + 0.5) / 3)


def test_pinball_minimiser_is_the_quantile():
    rewards = th.arange(100, dtype=th.float64)
    grid = th.linspace(0, 99, 991)
    losses = th.stack([pinball_loss(rewards - q, 0.9) for q in grid])
    assert 89.0 <= grid[losses.argmin()].item() <= 90.0


def test_epsilon_schedule_matches_the_paper():
    assert cosine_epsilon(0) == 1.0
    assert cosine_epsilon(87) == pytest.approx(0.529263532778474)
    assert cosine_epsilon(175) == 0.05
    assert cosine_epsilon(500) == 0.05


def test_gradient_steps_schedule():
    assert n_gradient_steps(7, 8, 10) == 0
    assert n_gradient_steps(8, 8, 10) == 1
    assert n_gradient_steps(79, 8, 10) == 9
    assert n_gradient_steps(1000, 8, 10) == 10
    assert n_gradient_steps(5000, 64, 1) == 1


def test_paper_preset_on_nb201(nb201_cache):
    model = L2NAS("MlpPolicy", _env(nb201_cache), preset="paper", seed=0)
    cfg = model.config
    assert (cfg.quantile, cfg.batch_size, cfg.noise, cfg.c_max) == (0.9, 8, 1e-4, 10)
    assert cfg.epsilon == (1.0, 0.05, 175) and cfg.warmup_steps == 0 and cfg.noise_edge == "clip"
    # SB3's base class holds the real values, not placeholders.
    assert (model.batch_size, model.buffer_size, model.learning_starts, model.learning_rate) == (8, 100_000, 7, 1e-4)
    assert model.replay_buffer.buffer_size == 100_000
    policy = model.policy
    assert policy.actor_optimizer.param_groups[0]["lr"] == 1e-8
    assert policy.critic_optimizer.param_groups[0]["lr"] == 1e-4
    assert policy.actor_optimizer.param_groups[0]["betas"] == (0.9, 0.99)
    actor_layers = [m for m in policy.actor if isinstance(m, th.nn.Linear)]
    critic_layers = [m for m in policy.critics[0] if isinstance(m, th.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in actor_layers] == [(30, 128), (128, 128), (128, 128), (128, 30)]
    # The critic sees alpha only (30 inputs), never the state.
    assert [(m.in_features, m.out_features) for m in critic_layers] == [(30, 128), (128, 128), (128, 128), (128, 1)]
    assert isinstance(policy.actor[-1], th.nn.Sigmoid)
    alpha = policy.alpha(th.rand(4, 30))
    assert alpha.shape == (4, 30) and ((alpha > 0) & (alpha < 1)).all()
    assert policy.q_values(alpha).shape == (1, 4)


def test_presets_for_other_spaces_and_bad_names():
    darts = resolve_preset("paper", "darts")
    assert (darts.quantile, darts.batch_size, darts.noise, darts.c_max) == (0.95, 64, 5e-5, 1)
    assert (darts.warmup_steps, darts.buffer_size, darts.expected_env["top_k"]) == (3000, 5000, 500)
    assert resolve_preset("paper", "ofa-mbv3-w1.2").noise == 1e-4
    assert resolve_preset("paper-transfer", "darts").expected_env["top_k"] == 100
    lr4 = resolve_preset("paper-lr1e-4", "nb201")
    assert (lr4.actor_lr, lr4.critic_lr, lr4.noise_edge) == (1e-4, 1e-4, "reflect")
    assert lr4 == resolve_preset("paper", "nb201").with_overrides(actor_lr=1e-4, noise_edge="reflect")
    with pytest.raises(ValueError, match="no settings"):
        resolve_preset("paper", "nb101")
    with pytest.raises(ValueError, match="unknown L2NAS preset"):
        resolve_preset("best", "nb201")


def test_overrides_are_validated_by_name(nb201_cache):
    model = L2NAS("MlpPolicy", _env(nb201_cache), preset="improved", seed=0, actor_lr=1e-3, epsilon=[1, 0.1, 20])
    assert model.config.actor_lr == 1e-3 and model.config.epsilon == (1.0, 0.1, 20)
    assert model.policy.actor_optimizer.param_groups[0]["lr"] == 1e-3
    assert model.hyperparameters()["epsilon"] == [1.0, 0.1, 20] and model.hyperparameters()["preset"] == "improved"
    with pytest.raises(ValueError, match=r"unknown L2NAS hyperparameter.*'actor_rate'"):
        L2NAS("MlpPolicy", _env(nb201_cache), actor_rate=1e-3)
    with pytest.raises(TypeError, match="'batch_size' must be an int"):
        L2NAS("MlpPolicy", _env(nb201_cache), batch_size=8.5)
    with pytest.raises(ValueError, match="'noise_edge' must be one of"):
        L2NAS("MlpPolicy", _env(nb201_cache), noise_edge="wrap")


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"quantile": 1.5}, ValueError, "'quantile' must lie in"),
        ({"quantile": "0.9"}, TypeError, "'quantile' must be a number"),
        ({"avoid_repeats": 1}, TypeError, "'avoid_repeats' must be true or false"),
        ({"c_max": True}, TypeError, "'c_max' must be an int"),
        ({"epsilon": [1.0, 0.05]}, TypeError, "'epsilon' must be a list of 3"),
        ({"net_arch": []}, TypeError, "'net_arch' must be a non-empty list"),
        ({"critic_input": "state"}, ValueError, "'critic_input' must be one of"),
        ({"torch_threads": 0}, ValueError, "'torch_threads' must be >= 1"),
        ({"nois": 1e-4}, ValueError, "unknown L2NAS hyperparameter"),
    ],
)
def test_validate_overrides_names_the_bad_field(overrides, error, match):
    with pytest.raises(error, match=match):
        L2NASConfig.validate_overrides(overrides)


def test_validate_overrides_accepts_yaml_values():
    L2NASConfig.validate_overrides({"epsilon": None, "screen_noise": [0.01, 1], "critic_lr": 1, "net_arch": [64, 64]})
    assert L2NASConfig(net_arch=[64, 64], screen_noise=[0.01, 1]).net_arch == (64, 64)


def test_torch_threads_apply_only_inside_learn(nb201_cache):
    seen = []

    class Threads(BaseCallback):
        def _on_step(self) -> bool:
            seen.append(th.get_num_threads())
            return True

    before = th.get_num_threads()
    th.set_num_threads(2)
    try:
        L2NAS("MlpPolicy", _env(nb201_cache, max_queries=3), torch_threads=1, seed=0).learn(3, callback=Threads())
        assert seen == [1, 1, 1] and th.get_num_threads() == 2
    finally:
        th.set_num_threads(before)


def test_non_search_env_is_refused():
    with pytest.raises(ValueError, match="nas-gym search envs"):
        L2NAS("MlpPolicy", gym.make("Pendulum-v1"))


def test_env_mismatch_warns(nb201_cache):
    with pytest.warns(UserWarning, match="top_k=64"):
        L2NAS("MlpPolicy", _env(nb201_cache, top_k=8), preset="paper")


def test_training_starts_at_one_batch_and_follows_c(nb201_cache):
    model = L2NAS("MlpPolicy", _env(nb201_cache), preset="paper", seed=0)
    model.learn(7)
    assert model._n_updates == 0
    model.learn(9, reset_num_timesteps=False)  # steps 8..16: C = 1 (x8) then 2
    assert model._n_updates == 10


def test_same_seed_is_bit_identical(nb201_cache, tmp_path):
    def run(seed):
        model = L2NAS("MlpPolicy", _env(nb201_cache, max_queries=40), preset="improved", seed=seed)
        model.learn(40)
        return model.replay_buffer.actions[:40].copy(), [p.detach().clone() for p in model.policy.parameters()]

    (a1, p1), (a2, p2), (a3, _) = run(3), run(3), run(4)
    assert np.array_equal(a1, a2) and not np.array_equal(a1, a3)
    assert all(th.equal(x, y) for x, y in zip(p1, p2, strict=True))


def test_sb3_contract_logger_callback_save_load(nb201_cache, tmp_path):
    env = _env(nb201_cache, max_queries=30)
    model = L2NAS("MlpPolicy", env, preset="paper", seed=1)
    model.set_logger(configure(str(tmp_path / "log"), ["csv"]))

    class Count(BaseCallback):
        calls = 0

        def _on_step(self) -> bool:
            Count.calls += 1
            return True

    model.learn(30, callback=Count(), log_interval=1)
    assert Count.calls == 30
    assert "train/critic_loss" in (tmp_path / "log" / "progress.csv").read_text().splitlines()[0]
    model.save(tmp_path / "l2nas.zip")
    loaded = L2NAS.load(tmp_path / "l2nas.zip", env=env)
    obs = np.random.default_rng(0).dirichlet(np.ones(5), size=6).reshape(-1).astype(np.float32)
    assert np.array_equal(model.predict(obs, deterministic=True)[0], loaded.predict(obs, deterministic=True)[0])
    assert loaded.config == model.config and loaded.policy.actor_optimizer.param_groups[0]["lr"] == 1e-8
    assert loaded.hyperparameters() == model.hyperparameters()
    # Keyword settings at load time override the saved config (the transfer fine-tune uses this).
    tuned = L2NAS.load(tmp_path / "l2nas.zip", env=env, warmup_steps=500, epsilon=None)
    assert (tuned.config.warmup_steps, tuned.config.epsilon, tuned.proposer.exploration_rate(499)) == (500, None, 1.0)
    assert tuned.proposer.exploration_rate(500) == 0.0
    envless = L2NAS.load(tmp_path / "l2nas.zip")  # predict-only use needs no env
    assert np.array_equal(model.predict(obs, deterministic=True)[0], envless.predict(obs, deterministic=True)[0])


def test_l2nas_sees_only_reward_and_state(nb201_cache):
    """L2NAS acts on the observation and learns from the reward; scrambled test fields change nothing."""
    from tests.conftest import ScrambleTestMetrics

    def actions(wrap):
        env = _env(nb201_cache, max_queries=30)
        model = L2NAS("MlpPolicy", wrap(env) if wrap else env, preset="improved", seed=0)
        model.learn(30)
        return model.replay_buffer.actions[:30].copy()

    assert np.array_equal(actions(None), actions(ScrambleTestMetrics))


def test_improved_l2nas_beats_random_search(nb201_cache):
    """3 seeds x 150 queries on test200 (the paper's protocol): mean best beats random search's mean."""
    budget, seeds = 150, range(3)

    def l2nas_best(seed):
        env = _env(nb201_cache, max_queries=budget, signal="test200")
        found = {}

        class Last(BaseCallback):
            def _on_step(self) -> bool:
                found.update(self.locals["infos"][0])
                return True

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            L2NAS("MlpPolicy", env, preset="improved", seed=seed).learn(budget, callback=Last())
        return found["best_report_acc"]

    def rs_best(seed):
        env = _env(nb201_cache, max_queries=budget, signal="test200")
        return run_search(RandomSearch(env.unwrapped.search_space, np.random.default_rng(seed)), env, seed)[
            "best_report_acc"
        ]

    rs = np.mean([rs_best(s) for s in range(20)])
    l2 = np.mean([l2nas_best(s) for s in seeds])
    assert l2 > rs + 0.1, (l2, rs)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, (4, 6), elements=st.floats(-5.0, 6.0)))
def test_reflection_stays_in_the_box_and_keeps_inside_values(x):
    y = reflect_into_unit_box(x)
    assert ((y >= 0.0) & (y <= 1.0)).all()
    inside = (x >= 0.0) & (x <= 1.0)
    assert np.allclose(y[inside], x[inside])
    assert np.allclose(reflect_into_unit_box(1.0 + np.abs(x) % 1), 1.0 - np.abs(x) % 1)  # mirrored at 1


def _ops_of_saturated_mu(nb201_cache, edge: str) -> np.ndarray:
    """Op codes of 2000 proposals from mu = 1 on every entry (a fully saturated sigmoid)."""
    model = L2NAS("MlpPolicy", _env(nb201_cache), preset="paper", seed=0, epsilon=None, noise_edge=edge)
    alpha = np.concatenate([model.proposer.propose(np.ones((1, 30)), step=1000) for _ in range(2000)])
    action = np.clip(2.0 * alpha - 1.0, -1.0, 1.0).astype(np.float32)  # what the env receives
    return model._space.discretize(((action.astype(np.float64) + 1.0) / 2.0).reshape(-1, 6, 5))


def test_saturated_actor_clipped_gives_ties_reflected_gives_uniform_ops(nb201_cache):
    """The edge defect (issue 14): clipping ties every entry whose noise points outward at 1, and the
    argmax gives the tie to the lowest op: P(op k) = 2^-(k+1) (+ 1/160 when no noise points out)."""
    clipped = np.bincount(_ops_of_saturated_mu(nb201_cache, "clip").ravel(), minlength=5) / 12000
    assert np.abs(clipped - [0.50625, 0.25625, 0.13125, 0.06875, 0.0375]).max() < 0.02, clipped
    reflected = np.bincount(_ops_of_saturated_mu(nb201_cache, "reflect").ravel(), minlength=5) / 12000
    assert np.abs(reflected - 0.2).max() < 0.02, reflected  # the noise breaks the ties uniformly


def test_learning_actor_with_reflected_noise_keeps_exploring(nb201_cache):
    """Actor lr 1e-4 saturates the sigmoid; reflected noise keeps ties away and cells distinct (300 steps)."""

    def run(edge):
        env = SearchRecorder(_env(nb201_cache, max_queries=300, signal="test200"))
        model = L2NAS("MlpPolicy", env, preset="paper-lr1e-4", seed=0, noise_edge=edge)
        model.learn(300)
        rows = model.replay_buffer.actions[175:300, 0].reshape(-1, 5)  # after epsilon has decayed
        ties = float(((rows == rows.max(axis=1, keepdims=True)).sum(axis=1) > 1).mean())
        return ties, env.records[-1].unique

    (clip_ties, clip_unique), (refl_ties, refl_unique) = run("clip"), run("reflect")
    assert clip_ties > 0.2 and refl_ties < 0.01, (clip_ties, refl_ties)
    assert refl_unique > clip_unique + 10, (clip_unique, refl_unique)


def test_mutation_candidates_are_neighbours_of_the_best(nb201_cache):
    """With only mutation candidates, every exploiting proposal is one op away from a top parent."""
    env = _env(nb201_cache, max_queries=61, signal="test200")  # still running after 60 steps
    model = L2NAS(
        "MlpPolicy", env, preset="improved", seed=0, epsilon=None, screen_candidates=0,
        mutation_candidates=8, mutation_parents=3,
    )  # fmt: skip
    model.learn(60)
    top = model.proposer.top[0]
    rewards = [r for r, _ in top]
    # The parents are the 3 best distinct architectures of the buffer by reward, best first.
    assert rewards == sorted(set(model.replay_buffer.rewards[:60, 0].tolist()), reverse=True)[:3]
    for _ in range(20):
        child = model.proposer.propose(np.full((1, 30), 0.5), step=1000)
        codes = model._space.discretize(child.reshape(1, 6, 5))[0]
        assert min(int((codes != parent).sum()) for _, parent in top) == 1
        assert model.proposer.arch_key(child[0]) not in model.proposer.seen[0]


def test_constant_actor_ablation_ignores_mu(nb201_cache):
    def proposal(mu_value):
        model = L2NAS("MlpPolicy", _env(nb201_cache), preset="paper", seed=0, epsilon=None, actor_proposals="constant")
        return model.proposer.propose(np.full((1, 30), mu_value), step=1000)

    assert np.array_equal(proposal(0.9), proposal(0.1))
    assert np.abs(proposal(0.9) - 0.5).max() <= 1e-4


def _mutated_ops(nb201_cache, mu_row: np.ndarray, **settings) -> np.ndarray:
    """The new op at the changed edge of 4000 mutations of the all-``none`` cell (op 0 on every edge)."""
    from nas_gym.agents.l2nas.acting import Proposer

    space = _env(nb201_cache).unwrapped.search_space
    config = replace(resolve_preset("improved", space.name), **settings)
    proposer = Proposer(config, space, np.random.default_rng(0), 1, lambda a, i: np.zeros(len(a)))
    parents = np.zeros((4000, 6), dtype=np.int64)
    mu = np.tile(mu_row, 6)
    if config.mutation_ops == "actor":
        children = proposer._actor_mutations(parents, mu)
    else:
        proposer.top[0] = [(1.0, parents[0])]
        children = space.discretize(proposer._mutation_candidates(mu, 0).reshape(-1, 6, 5))
    assert ((children != 0).sum(axis=1) == 1).all()  # exactly one edge changed, never to its own op
    return children.max(axis=1)


def test_actor_mutations_draw_ops_from_the_actor(nb201_cache):
    """mu = 1 on op 3 and 0 elsewhere, temperature 0.25: P(op 3) = e^4 / (e^4 + 3) among the 4 other ops."""
    mu_row = np.array([0.0, 0.0, 0.0, 1.0, 0.0])
    ops = _mutated_ops(nb201_cache, mu_row, mutation_ops="actor", mutation_temperature=0.25)
    assert abs((ops == 3).mean() - np.e**4 / (np.e**4 + 3)) < 0.015, (ops == 3).mean()
    hot = _mutated_ops(nb201_cache, mu_row, mutation_ops="actor", mutation_temperature=1.0)
    assert abs((hot == 3).mean() - np.e / (np.e + 3)) < 0.025, (hot == 3).mean()
    flat = _mutated_ops(nb201_cache, np.full(5, 0.5), mutation_ops="actor")  # what actor="constant" sees
    assert np.abs(np.bincount(flat, minlength=5)[1:] / len(flat) - 0.25).max() < 0.025


def test_uniform_mutations_ignore_the_actor(nb201_cache):
    proposer_ops = _mutated_ops(nb201_cache, np.array([0.0, 0.0, 0.0, 1.0, 0.0]), mutation_ops="uniform",
                                mutation_candidates=4000)  # fmt: skip
    assert np.abs(np.bincount(proposer_ops, minlength=5)[1:] / len(proposer_ops) - 0.25).max() < 0.025


def test_actor_switch_changes_proposals(nb201_cache):
    """The same seed with the actor replaced by a constant or random preferences queries other cells."""

    def actions(**settings):
        settings = {"mutation_ops": "actor", **settings}
        model = L2NAS("MlpPolicy", _env(nb201_cache, max_queries=60), preset="improved", seed=5, **settings)
        model.learn(60)
        return model.replay_buffer.actions[:60, 0].copy()

    full = actions()
    assert np.array_equal(full, actions())
    for ablation in ("constant", "random"):
        assert not np.array_equal(full[40:], actions(actor_proposals=ablation)[40:]), ablation
    assert not np.array_equal(full[40:], actions(mutation_ops="uniform")[40:])


def test_mutation_settings_are_validated():
    with pytest.raises(ValueError, match="mutation_ops"):
        L2NASConfig(mutation_ops="gaussian")
    with pytest.raises(ValueError, match="mutation_temperature"):
        L2NASConfig(mutation_temperature=0.0)
    with pytest.raises(ValueError, match="actor_entropy"):
        L2NASConfig(actor_entropy=-1.0)
