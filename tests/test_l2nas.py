"""L2NAS: the pieces against the paper's formulas, the SB3 contract, determinism and a real search."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.logger import configure

import nas_gym  # noqa: F401 (registers the env ids)
from agents.baselines import RandomSearch, run_search
from agents.l2nas import L2NAS, cosine_epsilon, n_gradient_steps, pinball_loss, resolve_preset

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
    assert (model.quantile, model.batch_size, model.noise, model.c_max) == (0.9, 8, 1e-4, 10)
    assert model.epsilon == (1.0, 0.05, 175) and model.warmup_steps == 0
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
    assert (darts["quantile"], darts["batch_size"], darts["noise"], darts["c_max"]) == (0.95, 64, 5e-5, 1)
    assert (darts["warmup_steps"], darts["buffer_size"], darts["env"]["top_k"]) == (3000, 5000, 500)
    assert resolve_preset("paper", "ofa-mbv3-w1.2")["noise"] == 1e-4
    assert resolve_preset("paper-transfer", "darts")["env"]["top_k"] == 100
    with pytest.raises(ValueError, match="no settings"):
        resolve_preset("paper", "nb101")
    with pytest.raises(ValueError, match="unknown L2NAS preset"):
        resolve_preset("best", "nb201")


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
    assert loaded.quantile == 0.9 and loaded.policy.actor_optimizer.param_groups[0]["lr"] == 1e-8
    envless = L2NAS.load(tmp_path / "l2nas.zip")  # predict-only use needs no env
    assert np.array_equal(model.predict(obs, deterministic=True)[0], envless.predict(obs, deterministic=True)[0])


def test_l2nas_sees_only_reward_and_state(nb201_cache):
    """L2NAS acts on the observation and learns from the reward; scrambled test fields change nothing."""
    from tests.test_baselines import ScrambleTestMetrics

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
