"""Search agents over nas-gym envs: L2NAS (an SB3 algorithm), classic NAS baselines and SB3 baselines.

Installed as ``nas_gym.agents`` (the repository's ``agents/`` folder; ``nas_gym/agents`` links to
it), never as a top-level ``agents`` package, whose name ``openai-agents`` also installs.
``nas_gym.agents.registry`` maps the names of ``nas-gym search --agent`` to a runner; torch and SB3
are imported only by the agents that need them, so ``L2NAS`` is loaded on first access.
"""

from typing import Any

__all__ = ["L2NAS"]


def __getattr__(name: str) -> Any:
    if name == "L2NAS":
        from nas_gym.agents.l2nas import L2NAS

        return L2NAS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
