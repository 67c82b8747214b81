"""Multi-objective searchers for the MO envs (``mo-NB201-*``, ``mo-OFA-*``), told only the reward vector."""

from nas_gym.agents.mo.base import MORandomSearch, MOSearcher, run_mo_search
from nas_gym.agents.mo.l2nas import MOL2NAS
from nas_gym.agents.mo.optuna_mo import OptunaMOTPE, OptunaNSGAII

MO_SEARCHERS: dict[str, type[MOSearcher]] = {
    "mo-rs": MORandomSearch,
    "mo-nsga2": OptunaNSGAII,
    "mo-tpe": OptunaMOTPE,
    "mo-l2nas": MOL2NAS,
}
"""Every multi-objective agent by the name studies and ``nas-gym mo-bench`` use."""

__all__ = ["MOL2NAS", "MO_SEARCHERS", "MORandomSearch", "MOSearcher", "OptunaMOTPE", "OptunaNSGAII", "run_mo_search"]
