"""L2NAS (Mills et al., CIKM 2021) as a Stable-Baselines3 off-policy algorithm.

Each env step proposes one architecture: ``alpha = mu(s) + U(-xi, xi)`` (or a uniform random
alpha with probability epsilon / during a warm-up), the env discretizes and evaluates it and
pays ``r``. The transition ``(s, alpha, r)`` enters the replay buffer; then
``C = min(|R| // B, C_max)`` mini-batches, drawn with replacement, each update the quantile
critic(s) by the pinball loss on ``r`` (no bootstrap, no discount, no target network) and then
the actor by ascending ``mean Q(mu(s))``. It is a learned black-box optimizer wrapped in DDPG
machinery, so the SB3 loop (callbacks, logger, save/load, seeding, ``predict``) applies as is.
Every setting is a field of :class:`~agents.l2nas.config.L2NASConfig`; the acting side lives in
:mod:`agents.l2nas.acting`.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar, TypeVar

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.base_class import maybe_make_env
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.policies import BasePolicy
from stable_baselines3.common.type_aliases import GymEnv, MaybeCallback
from stable_baselines3.common.vec_env import VecEnv

from nas_gym.agents.baselines.encodings import encode
from nas_gym.agents.l2nas.acquisition import acquisition_scores
from nas_gym.agents.l2nas.acting import Feasible, Proposer
from nas_gym.agents.l2nas.config import L2NASConfig
from nas_gym.agents.l2nas.distribution import ActorDistribution, elite_weights
from nas_gym.agents.l2nas.policies import L2NASPolicy, pinball_loss
from nas_gym.agents.l2nas.presets import expected_env, resolve_preset
from nas_gym.agents.l2nas.schedules import n_gradient_steps
from nas_gym.envs.api import SearchEnvAPI, search_env

SelfL2NAS = TypeVar("SelfL2NAS", bound="L2NAS")

# Fused Adam (torch >= 2.4 on CPU) takes ~27% off a mini-batch of these small MLPs.
_FUSED_ADAM = tuple(int(p) for p in th.__version__.split(".")[:2]) >= (2, 4)


def _search(env: GymEnv | VecEnv) -> SearchEnvAPI:
    """The nas-gym search env under ``env`` (its declared API is all L2NAS reads beyond the spaces)."""
    try:
        return search_env(env.get_attr("unwrapped")[0] if isinstance(env, VecEnv) else env)
    except TypeError as err:
        raise ValueError(f"L2NAS runs on nas-gym search envs only: {err}") from None


class L2NAS(OffPolicyAlgorithm):
    """L2NAS on any nas-gym env with the continuous action.

    Args:
        policy: ``"MlpPolicy"`` or an :class:`~agents.l2nas.policies.L2NASPolicy` class.
        env: the env or its id.
        preset: ``"paper"`` (the paper's table for the env's search space), ``"paper-lr1e-4"``,
            ``"paper-transfer"``, or one of our tuned presets ``"improved"``, ``"v3"``, ``"v4"``, ...
            (:data:`agents.l2nas.presets.PRESETS` lists them; docs/agents.md explains each).
        **overrides: fields of :class:`~agents.l2nas.config.L2NASConfig` replacing the preset's;
            unknown or ill-typed ones are refused with an error naming the field.
        seed, verbose, device, tensorboard_log, policy_kwargs: as in every SB3 algorithm.
    """

    policy_aliases: ClassVar[dict[str, type[BasePolicy]]] = {"MlpPolicy": L2NASPolicy}
    policy: L2NASPolicy

    def __init__(
        self,
        policy: str | type[L2NASPolicy],
        env: GymEnv | str | None,
        preset: str = "paper",
        *,
        seed: int | None = None,
        verbose: int = 0,
        device: th.device | str = "auto",
        tensorboard_log: str | None = None,
        policy_kwargs: dict[str, Any] | None = None,
        _init_setup_model: bool = True,
        **overrides: Any,
    ):
        env = None if env is None else maybe_make_env(env, verbose)
        if env is None and _init_setup_model:
            raise ValueError("L2NAS needs a nas-gym env to resolve its preset; pass env=")
        # ``L2NAS.load`` without an env: the saved model's settings replace these defaults.
        cfg = L2NASConfig() if env is None else resolve_preset(preset, _search(env).search_space.name)
        self.preset, self.config = preset, cfg.with_overrides(**overrides)
        self.config.check_combination()
        cfg = self.config
        # SB3 annotates env as GymEnv | str, yet its own load() builds the model with env=None
        super().__init__(
            policy, env, learning_rate=cfg.critic_lr, buffer_size=cfg.buffer_size,  # type: ignore[arg-type]
            # SB3 trains once num_timesteps > learning_starts: with B - 1 that is once |R| >= B.
            learning_starts=cfg.batch_size - 1, batch_size=cfg.batch_size,
            gamma=0.0, train_freq=1, gradient_steps=1,  # train() runs C mini-batches after every step
            policy_kwargs={**(policy_kwargs or {}), **self._policy_settings(env)},
            tensorboard_log=tensorboard_log, verbose=verbose, device=device, seed=seed,
            support_multi_env=True, sde_support=False, supported_action_spaces=(spaces.Box,),
        )  # fmt: skip
        if self.env is None:
            return
        self._space = _search(self.env).search_space
        self._warn_env_mismatch()
        if _init_setup_model:
            self._setup_model()

    def _policy_settings(self, env: GymEnv | None) -> dict[str, Any]:
        cfg = self.config
        return {
            "net_arch": list(cfg.net_arch),
            "n_critics": cfg.n_critics,
            "actor_lr": cfg.actor_lr,
            "critic_state": cfg.critic_state,
            "critic_dim": self._critic_dim(env),
            "optimizer_kwargs": {"betas": cfg.adam_betas, "fused": _FUSED_ADAM},
        }

    def _critic_dim(self, env: GymEnv | None) -> int | None:
        """Width of the critic's features when they are an encoding (None: alpha's own width)."""
        if self.config.critic_input != "encoding" or env is None:
            return None
        space = _search(env).search_space
        return int(encode(space, space.sample(1, np.random.default_rng(0))).shape[1])

    def _vec_env(self) -> VecEnv:
        """The model's (vectorised) env, which L2NAS reads its search space and config from."""
        if self.env is None:
            raise ValueError("this L2NAS model has no env: pass env= to L2NAS.load or call set_env(env)")
        return self.env

    def _warn_env_mismatch(self) -> None:
        env_config = _search(self._vec_env()).search_config
        written_for = "the paper's setup" if self.preset.startswith("paper") else "its tuning"
        for key, value in expected_env(self.preset, self.config).items():
            if getattr(env_config, key) != value:
                warnings.warn(
                    f"L2NAS preset {self.preset!r} expects the env kwarg {key}={value!r}, the env has "
                    f"{getattr(env_config, key)!r}; pass {key}={value!r} to the env to match {written_for}",
                    stacklevel=3,
                )

    def _setup_model(self) -> None:
        super()._setup_model()
        self._rng = np.random.default_rng(self.seed)
        self._new_proposer()

    def _new_proposer(self) -> None:
        space = getattr(self, "_space", None)
        feasible = self._latency_check() if space is not None else None
        self.proposer = Proposer(self.config, space, self._rng, self.n_envs, self._critic_score, feasible)
        self._distribution = ActorDistribution(space, self.config.actor_temperature) if space is not None else None

    def _latency_check(self) -> Feasible | None:
        """The env's latency limit as a check on op codes (a lookup table, no query), or None without one."""
        search = _search(self._vec_env())
        limit, device = search.search_config.latency_limit_ms, search.search_config.latency_device
        if limit is None or device is None:
            return None
        benchmark, metric = search.benchmark, f"latency/{device}"
        return lambda codes: np.asarray(benchmark.query(codes, metric)) <= limit

    def _excluded_save_params(self) -> list[str]:
        return [*super()._excluded_save_params(), "_space", "proposer", "_distribution"]

    @classmethod
    def load(cls, path, env=None, device="auto", **kwargs):
        """SB3's ``load``; keyword L2NAS settings (e.g. ``warmup_steps=500``) override the saved config."""
        settings = {k: kwargs.pop(k) for k in set(kwargs) & L2NASConfig.field_names()}
        model = super().load(path, env, device, **kwargs)
        if settings:
            model.config = model.config.with_overrides(**settings)
            model._new_proposer()
        return model

    def hyperparameters(self) -> dict[str, Any]:
        """The resolved settings (preset plus overrides), JSON-ready, for run summaries."""
        return {"preset": self.preset, **self.config.as_dict()}

    # -- acting (the logic lives in agents/l2nas/acting.py) ------------------------------------
    def _sample_action(
        self, learning_starts: int, action_noise: Any = None, n_envs: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        obs = th.as_tensor(self._last_obs, device=self.device)
        with th.no_grad():
            mu = self.policy.alpha(obs).cpu().numpy().astype(np.float64)
        alpha = self.proposer.propose(mu, self.num_timesteps)
        action = np.clip(2.0 * alpha - 1.0, -1.0, 1.0).astype(np.float32)
        self.logger.record("rollout/epsilon", self.proposer.exploration_rate(self.num_timesteps))
        return action, action

    def _critic_score(self, alpha: np.ndarray, env_index: int) -> np.ndarray:
        """The critics' score of a batch of alphas proposed to env ``env_index`` (for screening): their
        mean estimate, or the ensemble acquisition of ``screen_acquisition``."""
        with th.no_grad():
            feats = th.as_tensor(self._critic_features(alpha), device=self.device)
            if self.config.critic_state:
                last = np.asarray(self._last_obs)  # L2NAS's envs have a Box state: an array, not a dict
                obs = th.as_tensor(last[env_index : env_index + 1], device=self.device)
                feats = self._with_state(obs.expand(len(alpha), *obs.shape[1:]), feats)
            q = self.policy.q_values(feats)
            if self.config.screen_acquisition == "mean":
                return q.mean(dim=0).cpu().numpy()
            return acquisition_scores(q.cpu().numpy(), self.config.screen_acquisition, self.config.ucb_beta, self._rng)

    def _with_state(self, obs: th.Tensor, feats: th.Tensor) -> th.Tensor:
        """The critic input of ``critic_state``: the flattened state, then the alpha features."""
        return th.cat([obs.reshape(len(obs), -1).to(feats.dtype), feats], dim=1)

    def _store_transition(self, replay_buffer, buffer_action, new_obs, reward, dones, infos) -> None:
        self.proposer.record((buffer_action.astype(np.float64) + 1.0) / 2.0, reward, dones)
        super()._store_transition(replay_buffer, buffer_action, new_obs, reward, dones, infos)

    # -- learning ----------------------------------------------------------------------------
    def train(self, gradient_steps: int, batch_size: int) -> None:
        """C mini-batches, each one critic (pinball) step and then one actor step."""
        buffer = self.replay_buffer
        if buffer is None:
            raise RuntimeError("L2NAS.train() needs the replay buffer: set up the model first (_setup_model)")
        stored = buffer.size()
        n_updates = n_gradient_steps(stored * self.n_envs, self.batch_size, self.config.c_max)
        self.policy.set_training_mode(True)
        critic_losses, actor_losses = [], []
        history = buffer.rewards[:stored].reshape(-1)  # every reward so far: the rank objective's reference
        train_critic = self.config.critic_screening or self.config.actor_objective == "critic"
        loc, scale = self._target_scaling(history)
        for _ in range(n_updates):
            rows = self._rng.integers(0, stored, self.batch_size)
            cols = self._rng.integers(0, self.n_envs, self.batch_size)
            obs = th.as_tensor(buffer.observations[rows, cols], device=self.device)
            alpha = (buffer.actions[rows, cols] + 1.0) / 2.0
            reward = th.as_tensor(buffer.rewards[rows, cols], device=self.device)

            if train_critic and self.config.critic_bootstrap:
                critic_losses.append(self._bootstrap_critic_step(stored, loc, scale))
            elif train_critic:
                feats = th.as_tensor(self._critic_features(alpha), device=self.device)
                q = self.policy.q_values(self._with_state(obs, feats) if self.config.critic_state else feats)
                critic_loss = pinball_loss(((reward - loc) / scale).unsqueeze(0) - q, self.config.quantile)
                self.policy.critic_optimizer.zero_grad()
                critic_loss.backward()
                self.policy.critic_optimizer.step()
                critic_losses.append(critic_loss.item())

            mu = self.policy.alpha(obs)
            if self.config.actor_objective == "rank":
                actor_loss = self._rank_loss(mu, alpha, buffer.rewards[rows, cols], history)
            else:
                relaxed = self._relax(mu)
                actor_loss = -self.policy.q_values(
                    self._with_state(obs, relaxed) if self.config.critic_state else relaxed
                ).mean()
            if self.config.actor_entropy > 0:
                actor_loss = actor_loss - self.config.actor_entropy * self._entropy(mu)
            self.policy.actor_optimizer.zero_grad()
            actor_loss.backward()
            self.policy.actor_optimizer.step()
            actor_losses.append(actor_loss.item())
        self._n_updates += n_updates
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        if critic_losses:
            self.logger.record("train/critic_loss", float(np.mean(critic_losses)))
        if actor_losses:
            self.logger.record("train/actor_loss", float(np.mean(actor_losses)))

    def _target_scaling(self, history: np.ndarray) -> tuple[float, float]:
        """``(loc, scale)`` the critics' targets are ``(r - loc) / scale`` of: ``(0, 1)`` for raw rewards,
        the mean and standard deviation of every reward so far for ``critic_targets="standardised"``."""
        if self.config.critic_targets == "raw" or len(history) < 2:
            return 0.0, 1.0
        std = float(history.std())
        return float(history.mean()), std if std > 1e-8 else 1.0

    def _bootstrap_critic_step(self, stored: int, loc: float = 0.0, scale: float = 1.0) -> float:
        """One pinball step of every ensemble member on its own mini-batch draw (``critic_bootstrap``)."""
        buffer, n = self.replay_buffer, self.config.n_critics
        assert buffer is not None  # train() checked it
        rows = self._rng.integers(0, stored, (n, self.batch_size))
        cols = self._rng.integers(0, self.n_envs, (n, self.batch_size))
        alpha = (buffer.actions[rows, cols].reshape(n * self.batch_size, -1) + 1.0) / 2.0
        feats = th.as_tensor(self._critic_features(alpha), device=self.device)
        if self.config.critic_state:
            obs = th.as_tensor(buffer.observations[rows, cols], device=self.device)
            feats = self._with_state(obs.reshape(n * self.batch_size, *obs.shape[2:]), feats)
        q = self.policy.q_values_each(feats.reshape(n, self.batch_size, -1))
        reward = th.as_tensor(buffer.rewards[rows, cols], device=self.device)
        loss = pinball_loss((reward - loc) / scale - q, self.config.quantile)
        self.policy.critic_optimizer.zero_grad()
        loss.backward()
        self.policy.critic_optimizer.step()
        return loss.item()

    def _rank_loss(self, mu: th.Tensor, alpha: np.ndarray, rewards: np.ndarray, history: np.ndarray) -> th.Tensor:
        """Rank-based policy gradient on the real rewards: ``-mean(w * log pi(arch | s))`` with the
        centred elite weights ``w`` of :func:`~agents.l2nas.distribution.elite_weights`."""
        assert self._distribution is not None  # set with the proposer once the model has an env
        weights = th.as_tensor(elite_weights(rewards, history, self.config.actor_elite), device=self.device)
        one_hot = th.as_tensor(self._one_hot(alpha), device=self.device)
        return -(weights.to(mu.dtype) * self._distribution.log_prob(mu, one_hot)).mean()

    def _critic_features(self, alpha: np.ndarray) -> np.ndarray:
        """What the critic sees of executed alphas ``(B, alpha_dim)``: alpha, or its architecture's one-hot."""
        if self.config.critic_input == "alpha":
            return alpha.astype(np.float32)
        if self.config.critic_input == "encoding":
            return encode(self._space, self._space.discretize(alpha.reshape(len(alpha), *self._space.alpha_shape)))
        return self._one_hot(alpha)

    def _one_hot(self, alpha: np.ndarray) -> np.ndarray:
        """The one-hot alpha ``(B, alpha_dim)`` of the architectures executed alphas discretize to."""
        codes = self._space.discretize(alpha.reshape(len(alpha), *self._space.alpha_shape))
        return self._space.one_hot(codes).reshape(len(alpha), -1).astype(np.float32)

    def _relax(self, alpha: th.Tensor) -> th.Tensor:
        """Differentiable stand-in of :meth:`_critic_features` for the actor's alpha."""
        if self.config.critic_input == "alpha":
            return alpha
        rows = alpha.reshape(len(alpha), -1, self._space.alpha_shape[-1])
        return th.softmax(rows / self.config.relax_temperature, dim=-1).reshape(len(alpha), -1)

    def _entropy(self, alpha: th.Tensor) -> th.Tensor:
        """Mean entropy of the actor's per-row op distributions ``softmax(mu / relax_temperature)``."""
        rows = alpha.reshape(len(alpha), -1, self._space.alpha_shape[-1]) / self.config.relax_temperature
        return -(th.softmax(rows, dim=-1) * th.log_softmax(rows, dim=-1)).sum(dim=-1).mean()

    def learn(
        self: SelfL2NAS,
        total_timesteps: int,
        callback: MaybeCallback = None,
        log_interval: int = 4,
        tb_log_name: str = "L2NAS",
        reset_num_timesteps: bool = True,
        progress_bar: bool = False,
    ) -> SelfL2NAS:
        """SB3's ``learn`` on ``torch_threads`` threads; the caller's thread count is restored."""
        threads = th.get_num_threads()
        th.set_num_threads(self.config.torch_threads)
        try:
            return super().learn(
                total_timesteps, callback, log_interval, tb_log_name, reset_num_timesteps, progress_bar
            )
        finally:
            th.set_num_threads(threads)

    def set_env(self, env: GymEnv | VecEnv, force_reset: bool = True) -> None:
        super().set_env(env, force_reset)
        self._space = _search(self._vec_env()).search_space
        self._new_proposer()

    def _get_torch_save_params(self) -> tuple[list[str], list[str]]:
        return ["policy", "policy.actor_optimizer", "policy.critic_optimizer"], []
