"""L2NAS: learning to optimize neural architectures via continuous-action RL (Mills et al., CIKM 2021)."""

from agents.l2nas.l2nas import L2NAS
from agents.l2nas.policies import L2NASPolicy, MlpPolicy, pinball_loss
from agents.l2nas.presets import PRESETS, resolve_preset
from agents.l2nas.schedules import cosine_epsilon, n_gradient_steps

__all__ = [
    "L2NAS",
    "PRESETS",
    "L2NASPolicy",
    "MlpPolicy",
    "cosine_epsilon",
    "n_gradient_steps",
    "pinball_loss",
    "resolve_preset",
]
