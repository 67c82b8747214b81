"""nas-gym: neural architecture search as reinforcement learning, in Gymnasium envs.

``import nas_gym`` registers every env id (``NB201-cifar10-v0``, ...). Heavy dependencies
(torch, stable-baselines3, onnxruntime) are imported only where they are used.
"""

from envs_registry import register_all
from envs_registry.mo import register_mo

__version__ = "0.1.0"

ENV_IDS = register_all()
MO_ENV_IDS = register_mo()

__all__ = ["ENV_IDS", "MO_ENV_IDS", "__version__"]
