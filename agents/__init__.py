"""Search agents over nas-gym envs: L2NAS (an SB3 algorithm), classic NAS baselines and SB3 baselines.

``agents.registry`` maps the names of ``nas-gym search --agent`` to a runner; torch and SB3 are
imported only by the agents that need them.
"""
