"""L2NAS (Mills et al., CIKM 2021) as a Stable-Baselines3 off-policy algorithm.

Each env step proposes one architecture: ``alpha = mu(s) + U(-xi, xi)`` (or a uniform random
alpha with probability epsilon / during a warm-up), the env discretizes and evaluates it and
pays ``r``. The transition ``(s, alpha, r)`` enters the replay buffer; then
``C = min(|R| // B, C_max)`` mini-batches, drawn with replacement, each update the quantile
critic(s) by the pinball loss on ``r`` (no bootstrap, no discount, no target network) and then
the actor by ascending ``mean Q(mu(s))``. It is a learned black-box optimizer wrapped in DDPG
machinery, so the SB3 loop (callbacks, logger, save/load, seeding, ``predict``) applies as is.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar, TypeVar

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.policies import BasePolicy
from stable_baselines3.common.type_aliases import GymEnv, MaybeCallback
from stable_baselines3.common.vec_env import VecEnv

from agents.l2nas.policies import L2NASPolicy, pinball_loss
from agents.l2nas.presets import resolve_preset
from agents.l2nas.schedules import cosine_epsilon, n_gradient_steps
from nas_gym.envs.api import SearchEnvAPI

SelfL2NAS = TypeVar("SelfL2NAS", bound="L2NAS")

# Fused Adam (torch >= 2.4 on CPU) takes ~27% off a mini-batch of these small MLPs.
_FUSED_ADAM = tuple(int(p) for p in th.__version__.split(".")[:2]) >= (2, 4)

# Tries of ``avoid_repeats`` before falling back to a uniform random alpha; the noise doubles
# at each try, from xi up to 0.5 (a uniform alpha is the limit).
_REPEAT_TRIES = 16


class L2NAS(OffPolicyAlgorithm):
    """L2NAS on any nas-gym env with the continuous action.

    Args:
        policy: ``"MlpPolicy"`` or an :class:`~agents.l2nas.policies.L2NASPolicy` class.
        env: the env or its id.
        preset: ``"paper"`` (the paper's table for the env's search space), ``"paper-transfer"``
            or ``"improved"`` (see :mod:`agents.l2nas.presets`). Every keyword below overrides it.
        quantile: tau of the pinball loss.
        batch_size: B, the mini-batch size.
        noise: xi, half-width of the uniform noise added to mu(s).
        c_max: most mini-batches per env step.
        epsilon: ``(start, end, anneal_steps)`` of the cosine epsilon-greedy schedule, or None.
        warmup_steps: W, initial steps with uniform random alpha.
        actor_lr, critic_lr: Adam learning rates (betas ``adam_betas``).
        n_critics: quantile critics in the ensemble (1 = the paper); the actor ascends their mean.
        critic_input: ``"alpha"`` (the paper: Q sees the raw alpha) or ``"onehot"`` (Q sees the
            one-hot of the architecture alpha discretizes to, i.e. exactly what the reward
            depends on; the actor's alpha reaches it relaxed by a per-row softmax at
            ``relax_temperature``).
        avoid_repeats: re-draw an exploring alpha (doubling noise) while its architecture was
            already queried in this search.
        screen_candidates: when > 0, an exploiting step draws this many perturbations of mu(s)
            (uniform noise of half-widths log-spaced over ``screen_noise``) and queries the one
            the critic ranks highest (among new architectures with ``avoid_repeats``).
        net_arch: hidden layer widths of actor and critic.
        buffer_size: replay capacity (the most recent experiences are kept).
    """

    policy_aliases: ClassVar[dict[str, type[BasePolicy]]] = {"MlpPolicy": L2NASPolicy}
    policy: L2NASPolicy

    def __init__(
        self,
        policy: str | type[L2NASPolicy],
        env: GymEnv | str,
        preset: str = "paper",
        *,
        quantile: float | None = None,
        batch_size: int | None = None,
        noise: float | None = None,
        c_max: int | None = None,
        epsilon: tuple[float, float, int] | str | None = "preset",
        warmup_steps: int | None = None,
        actor_lr: float | None = None,
        critic_lr: float | None = None,
        adam_betas: tuple[float, float] | None = None,
        n_critics: int | None = None,
        avoid_repeats: bool | None = None,
        critic_input: str | None = None,
        relax_temperature: float | None = None,
        screen_candidates: int | None = None,
        screen_noise: tuple[float, float] | None = None,
        net_arch: list[int] | None = None,
        buffer_size: int | None = None,
        policy_kwargs: dict[str, Any] | None = None,
        tensorboard_log: str | None = None,
        verbose: int = 0,
        seed: int | None = None,
        device: th.device | str = "auto",
        _init_setup_model: bool = True,
    ):
        super().__init__(
            policy,
            env,
            learning_rate=1e-4,  # replaced by critic_lr below, before the model is built
            buffer_size=1,
            learning_starts=0,
            batch_size=1,
            gamma=0.0,
            train_freq=1,
            gradient_steps=1,
            policy_kwargs=policy_kwargs,
            tensorboard_log=tensorboard_log,
            verbose=verbose,
            device=device,
            seed=seed,
            support_multi_env=True,
            sde_support=False,
            supported_action_spaces=(spaces.Box,),
        )
        if self.env is None:
            if _init_setup_model:
                raise ValueError("L2NAS needs a nas-gym env to resolve its preset; pass env=")
            return  # ``L2NAS.load`` without an env: every setting comes from the saved model
        unwrapped = self.env.get_attr("unwrapped")[0]
        if not isinstance(unwrapped, SearchEnvAPI):
            raise ValueError("L2NAS runs on nas-gym search envs (ArchSearchEnv); this env has no search_space")
        space = unwrapped.search_space
        cfg = resolve_preset(preset, space.name)
        overrides = {
            "quantile": quantile,
            "batch_size": batch_size,
            "noise": noise,
            "c_max": c_max,
            "warmup_steps": warmup_steps,
            "actor_lr": actor_lr,
            "critic_lr": critic_lr,
            "adam_betas": adam_betas,
            "n_critics": n_critics,
            "avoid_repeats": avoid_repeats,
            "critic_input": critic_input,
            "relax_temperature": relax_temperature,
            "screen_candidates": screen_candidates,
            "screen_noise": screen_noise,
            "net_arch": net_arch,
            "buffer_size": buffer_size,
        }
        cfg.update({k: v for k, v in overrides.items() if v is not None})
        if epsilon != "preset":
            cfg["epsilon"] = epsilon
        self.preset, self.config = preset, cfg
        self._warn_env_mismatch(cfg.pop("env"))
        self.quantile, self.noise, self.c_max = float(cfg["quantile"]), float(cfg["noise"]), int(cfg["c_max"])
        self.epsilon = None if cfg["epsilon"] is None else tuple(cfg["epsilon"])
        self.warmup_steps, self.avoid_repeats = int(cfg["warmup_steps"]), bool(cfg["avoid_repeats"])
        self.critic_input, self.relax_temperature = cfg["critic_input"], float(cfg["relax_temperature"])
        self.screen_candidates = int(cfg["screen_candidates"])
        self.screen_noise = tuple(cfg["screen_noise"])
        if self.critic_input not in ("alpha", "onehot"):
            raise ValueError(f"critic_input must be 'alpha' or 'onehot', got {self.critic_input!r}")
        self.batch_size, self.buffer_size = int(cfg["batch_size"]), int(cfg["buffer_size"])
        # SB3 trains once num_timesteps > learning_starts: with B - 1 that is once |R| >= B.
        self.learning_starts = self.batch_size - 1
        self.learning_rate = float(cfg["critic_lr"])
        self.policy_kwargs.update(
            net_arch=list(cfg["net_arch"]),
            n_critics=int(cfg["n_critics"]),
            actor_lr=float(cfg["actor_lr"]),
            optimizer_kwargs={"betas": tuple(cfg["adam_betas"]), "fused": _FUSED_ADAM},
        )
        self._space = space
        if not 0.0 < self.quantile < 1.0:
            raise ValueError(f"quantile must lie in (0, 1), got {self.quantile}")
        if self.batch_size < 1 or self.c_max < 1:
            raise ValueError(f"batch_size and c_max must be >= 1, got {self.batch_size} and {self.c_max}")
        if _init_setup_model:
            self._setup_model()

    def _warn_env_mismatch(self, expected: dict[str, Any]) -> None:
        config = self.env.get_attr("search_config")[0]
        for key, value in expected.items():
            if getattr(config, key) != value:
                warnings.warn(
                    f"L2NAS preset {self.preset!r} expects the env kwarg {key}={value!r}, the env has "
                    f"{getattr(config, key)!r}; pass {key}={value!r} to the env to match the paper",
                    stacklevel=3,
                )

    def _setup_model(self) -> None:
        super()._setup_model()
        self._rng = np.random.default_rng(self.seed)
        self._seen: list[set[int]] = [set() for _ in range(self.n_envs)]

    def _excluded_save_params(self) -> list[str]:
        return [*super()._excluded_save_params(), "_space", "_seen"]

    def hyperparameters(self) -> dict[str, Any]:
        """The resolved settings (preset plus overrides), JSON-ready, for run summaries."""
        cfg = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.config.items()}
        return {"preset": self.preset, **cfg}

    # -- acting ------------------------------------------------------------------------------
    def exploration_rate(self, step: int) -> float:
        """Probability that the action at ``step`` is a uniform random alpha."""
        if step < self.warmup_steps:
            return 1.0
        return 0.0 if self.epsilon is None else cosine_epsilon(step, *self.epsilon)

    def _sample_action(
        self, learning_starts: int, action_noise: Any = None, n_envs: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        dim = self.action_space.shape[0]
        obs = th.as_tensor(self._last_obs, device=self.device)
        with th.no_grad():
            mu = self.policy.alpha(obs).cpu().numpy().astype(np.float64)
        eps = self.exploration_rate(self.num_timesteps)
        alpha = np.empty((n_envs, dim))
        for i in range(n_envs):
            if self._rng.random() < eps:
                alpha[i] = self._rng.uniform(0.0, 1.0, dim)
            elif self.screen_candidates > 0:
                alpha[i] = self._screen(mu[i], i)
            else:
                alpha[i] = self._perturb(mu[i], self.noise, i)
        action = np.clip(2.0 * alpha - 1.0, -1.0, 1.0).astype(np.float32)
        self.logger.record("rollout/epsilon", eps)
        return action, action

    def _perturb(self, mu: np.ndarray, xi: float, env_index: int) -> np.ndarray:
        """``mu + U(-xi, xi)``; with ``avoid_repeats``, re-drawn with doubled noise until new."""
        alpha = mu + self._rng.uniform(-xi, xi, mu.shape)
        if not self.avoid_repeats:
            return alpha
        seen = self._seen[env_index]
        for _ in range(_REPEAT_TRIES):
            if self._arch_key(alpha) not in seen:
                return alpha
            xi = min(2.0 * xi, 0.5)
            alpha = mu + self._rng.uniform(-xi, xi, mu.shape)
        return self._rng.uniform(0.0, 1.0, mu.shape)

    def _screen(self, mu: np.ndarray, env_index: int) -> np.ndarray:
        """The perturbation of mu(s) that the critic(s) rank highest (new architectures only with avoid_repeats)."""
        n, dim = self.screen_candidates, mu.shape[0]
        half_widths = np.geomspace(self.screen_noise[0], self.screen_noise[1], n)[:, None]
        candidates = mu + self._rng.uniform(-1.0, 1.0, (n, dim)) * half_widths
        with th.no_grad():
            feats = th.as_tensor(self._critic_features(candidates), device=self.device)
            score = self.policy.q_values(feats).mean(dim=0).cpu().numpy()
        if self.avoid_repeats:
            seen = self._seen[env_index]
            codes = self._space.discretize(candidates.reshape(n, *self._space.alpha_shape))
            score[np.fromiter((k in seen for k in self._space.key(codes).tolist()), bool, n)] = -np.inf
            if np.isneginf(score).all():
                return self._rng.uniform(0.0, 1.0, dim)
        return candidates[int(score.argmax())]

    def _arch_key(self, alpha: np.ndarray) -> int:
        codes = self._space.discretize(alpha.reshape(1, *self._space.alpha_shape))
        return int(self._space.key(codes)[0])

    def _store_transition(self, replay_buffer, buffer_action, new_obs, reward, dones, infos) -> None:
        for i in range(self.n_envs):
            self._seen[i].add(self._arch_key((buffer_action[i].astype(np.float64) + 1.0) / 2.0))
            if dones[i]:  # a new search starts: nothing is known in it
                self._seen[i] = set()
        super()._store_transition(replay_buffer, buffer_action, new_obs, reward, dones, infos)

    # -- learning ----------------------------------------------------------------------------
    def train(self, gradient_steps: int, batch_size: int) -> None:
        """C mini-batches, each one critic (pinball) step and then one actor step."""
        buffer = self.replay_buffer
        stored = buffer.size()
        n_updates = n_gradient_steps(stored * self.n_envs, self.batch_size, self.c_max)
        self.policy.set_training_mode(True)
        critic_losses, actor_losses = [], []
        for _ in range(n_updates):
            rows = self._rng.integers(0, stored, self.batch_size)
            cols = self._rng.integers(0, self.n_envs, self.batch_size)
            obs = th.as_tensor(buffer.observations[rows, cols], device=self.device)
            alpha = (buffer.actions[rows, cols] + 1.0) / 2.0
            reward = th.as_tensor(buffer.rewards[rows, cols], device=self.device)

            q = self.policy.q_values(th.as_tensor(self._critic_features(alpha), device=self.device))
            critic_loss = pinball_loss(reward.unsqueeze(0) - q, self.quantile)
            self.policy.critic_optimizer.zero_grad()
            critic_loss.backward()
            self.policy.critic_optimizer.step()

            actor_loss = -self.policy.q_values(self._relax(self.policy.alpha(obs))).mean()
            self.policy.actor_optimizer.zero_grad()
            actor_loss.backward()
            self.policy.actor_optimizer.step()
            critic_losses.append(critic_loss.item())
            actor_losses.append(actor_loss.item())
        self._n_updates += n_updates
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        if n_updates:
            self.logger.record("train/critic_loss", float(np.mean(critic_losses)))
            self.logger.record("train/actor_loss", float(np.mean(actor_losses)))

    def _critic_features(self, alpha: np.ndarray) -> np.ndarray:
        """What the critic sees of executed alphas ``(B, alpha_dim)``: alpha, or its architecture's one-hot."""
        if self.critic_input == "alpha":
            return alpha.astype(np.float32)
        codes = self._space.discretize(alpha.reshape(len(alpha), *self._space.alpha_shape))
        return self._space.one_hot(codes).reshape(len(alpha), -1).astype(np.float32)

    def _relax(self, alpha: th.Tensor) -> th.Tensor:
        """Differentiable stand-in of :meth:`_critic_features` for the actor's alpha."""
        if self.critic_input == "alpha":
            return alpha
        rows = alpha.reshape(len(alpha), -1, self._space.alpha_shape[-1])
        return th.softmax(rows / self.relax_temperature, dim=-1).reshape(len(alpha), -1)

    def learn(
        self: SelfL2NAS,
        total_timesteps: int,
        callback: MaybeCallback = None,
        log_interval: int = 4,
        tb_log_name: str = "L2NAS",
        reset_num_timesteps: bool = True,
        progress_bar: bool = False,
    ) -> SelfL2NAS:
        return super().learn(total_timesteps, callback, log_interval, tb_log_name, reset_num_timesteps, progress_bar)

    def set_env(self, env: GymEnv | VecEnv, force_reset: bool = True) -> None:
        super().set_env(env, force_reset)
        self._space = self.env.get_attr("search_space")[0]
        self._seen = [set() for _ in range(self.n_envs)]

    def _get_torch_save_params(self) -> tuple[list[str], list[str]]:
        return ["policy", "policy.actor_optimizer", "policy.critic_optimizer"], []
