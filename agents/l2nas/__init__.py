"""L2NAS: learning to optimize neural architectures via continuous-action RL (Mills et al., CIKM 2021)."""

from nas_gym.agents.l2nas.acting import Proposer, reflect_into_unit_box
from nas_gym.agents.l2nas.config import L2NASConfig
from nas_gym.agents.l2nas.l2nas import L2NAS
from nas_gym.agents.l2nas.policies import L2NASPolicy, MlpPolicy, pinball_loss
from nas_gym.agents.l2nas.presets import PRESETS, resolve_preset
from nas_gym.agents.l2nas.schedules import cosine_epsilon, n_gradient_steps

__all__ = [
    "L2NAS",
    "PRESETS",
    "L2NASConfig",
    "L2NASPolicy",
    "MlpPolicy",
    "Proposer",
    "cosine_epsilon",
    "n_gradient_steps",
    "pinball_loss",
    "reflect_into_unit_box",
    "resolve_preset",
]
