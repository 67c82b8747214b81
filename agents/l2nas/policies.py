"""L2NAS networks: a sigmoid actor mu(s) -> alpha and quantile critics Q(alpha) (or Q(s, alpha))."""

from __future__ import annotations

from typing import Any

import torch as th
from gymnasium import spaces
from stable_baselines3.common.policies import BasePolicy
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor, FlattenExtractor, create_mlp
from stable_baselines3.common.type_aliases import PyTorchObs, Schedule
from torch import nn


def pinball_loss(residual: th.Tensor, quantile: float) -> th.Tensor:
    """Mean check loss ``rho_tau(x) = x * (tau - 1[x <= 0])`` of residuals ``x = r - Q`` (paper Eq. 5).

    Its minimiser over a constant Q is the tau-quantile of r, so the critic tracks the upper
    tail of the reward near alpha rather than its mean.
    """
    return (residual * (quantile - (residual <= 0).to(residual.dtype))).mean()


class L2NASPolicy(BasePolicy):
    """Actor ``mu(s) = sigmoid(MLP(s))`` in ``(0, 1)^{alpha_dim}`` and ``n_critics`` critics ``Q(alpha)``.

    The action is ``2 * alpha - 1`` (the env maps ``a`` back to ``alpha = (a + 1) / 2``). Both
    networks have ``net_arch`` hidden ReLU layers (paper: 3 x 128 on NB201, 3 x 256 on DARTS/OFA);
    the critic's output is linear. The critic input is alpha only: the paper drops the state
    from the DDPG critic because the target is the immediate reward; ``critic_state=True`` gives
    it the flattened state too, ``Q(s, alpha)`` (an ablation of that choice). ``critic_dim`` is the
    width of the critic's alpha features when they are not alpha itself (an encoding).
    """

    action_space: spaces.Box  # L2NAS declares supported_action_spaces=(spaces.Box,)

    def __init__(
        self,
        observation_space: spaces.Space,
        action_space: spaces.Box,
        lr_schedule: Schedule,
        net_arch: list[int] | None = None,
        n_critics: int = 1,
        actor_lr: float = 1e-8,
        critic_state: bool = False,
        critic_dim: int | None = None,
        activation_fn: type[nn.Module] = nn.ReLU,
        features_extractor_class: type[BaseFeaturesExtractor] = FlattenExtractor,
        features_extractor_kwargs: dict[str, Any] | None = None,
        optimizer_class: type[th.optim.Optimizer] = th.optim.Adam,
        optimizer_kwargs: dict[str, Any] | None = None,
    ):
        if not isinstance(action_space, spaces.Box) or not (
            (action_space.low == -1).all() and (action_space.high == 1).all()
        ):
            raise ValueError("L2NAS needs the continuous action Box(-1, 1) of a nas-gym env (action_type='continuous')")
        super().__init__(
            observation_space,
            action_space,
            features_extractor_class,
            features_extractor_kwargs,
            optimizer_class=optimizer_class,
            optimizer_kwargs={"betas": (0.9, 0.99), **(optimizer_kwargs or {})},
            squash_output=True,
        )
        self.net_arch = list(net_arch or [128, 128, 128])
        self.n_critics, self.actor_lr, self.activation_fn = n_critics, actor_lr, activation_fn
        self.critic_state, self.critic_dim = critic_state, critic_dim
        self._build(lr_schedule)

    def _build(self, lr_schedule: Schedule) -> None:
        self.features_extractor = self.make_features_extractor()
        dim = int(self.action_space.shape[0])
        self.actor = nn.Sequential(
            *create_mlp(self.features_extractor.features_dim, dim, self.net_arch, self.activation_fn), nn.Sigmoid()
        )
        q_dim = (self.critic_dim or dim) + (self.features_extractor.features_dim if self.critic_state else 0)
        self.critics = nn.ModuleList(
            nn.Sequential(*create_mlp(q_dim, 1, self.net_arch, self.activation_fn)) for _ in range(self.n_critics)
        )
        actor_params = [*self.features_extractor.parameters(), *self.actor.parameters()]
        # SB3 types optimizer_class as type[Optimizer], whose base __init__ takes no lr (every subclass does)
        self.actor_optimizer = self.optimizer_class(actor_params, lr=self.actor_lr, **self.optimizer_kwargs)  # type: ignore[call-arg]
        self.critic_optimizer = self.optimizer_class(  # type: ignore[call-arg]
            self.critics.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs
        )

    def _get_constructor_parameters(self) -> dict[str, Any]:
        data = super()._get_constructor_parameters()
        data.update(
            net_arch=self.net_arch,
            n_critics=self.n_critics,
            actor_lr=self.actor_lr,
            critic_state=self.critic_state,
            critic_dim=self.critic_dim,
            activation_fn=self.activation_fn,
            features_extractor_class=self.features_extractor_class,
            features_extractor_kwargs=self.features_extractor_kwargs,
            optimizer_class=self.optimizer_class,
            optimizer_kwargs=self.optimizer_kwargs,
        )
        return data

    def alpha(self, obs: PyTorchObs) -> th.Tensor:
        """mu(s): the architecture hyperparameters in (0, 1)."""
        return self.actor(self.extract_features(obs, self.features_extractor))

    def q_values(self, alpha: th.Tensor) -> th.Tensor:
        """Every critic's tau-quantile estimate of the reward of alpha, ``(n_critics, batch)``
        (``alpha`` is the critic input: the state's features first with ``critic_state``)."""
        return th.stack([critic(alpha).squeeze(-1) for critic in self.critics])

    def q_values_each(self, inputs: th.Tensor) -> th.Tensor:
        """Member ``m``'s estimates ``(n_critics, batch)`` on its own inputs ``inputs[m]``
        ``(n_critics, batch, features)`` (a bootstrapped ensemble trains each member on its own draw)."""
        return th.stack([critic(x).squeeze(-1) for critic, x in zip(self.critics, inputs, strict=True)])

    def _predict(self, observation: PyTorchObs, deterministic: bool = False) -> th.Tensor:
        return 2.0 * self.alpha(observation) - 1.0

    def set_training_mode(self, mode: bool) -> None:
        self.actor.train(mode)
        self.critics.train(mode)
        self.training = mode


MlpPolicy = L2NASPolicy
