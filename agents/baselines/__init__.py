"""Classic NAS baselines as ask/tell searchers driven through the search env by :func:`run_search`."""

from nas_gym.agents.baselines.bananas import Bananas
from nas_gym.agents.baselines.base import ActionEncoder, Searcher, run_search
from nas_gym.agents.baselines.evolution import RegularizedEvolution
from nas_gym.agents.baselines.local_search import LocalSearch
from nas_gym.agents.baselines.optuna_samplers import OptunaRandom, OptunaTPE
from nas_gym.agents.baselines.random_search import RandomSearch
from nas_gym.agents.baselines.reinforce import Reinforce
from nas_gym.agents.baselines.smac_rf import SMACRandomForest

SEARCHERS: dict[str, type[Searcher]] = {
    "rs": RandomSearch,
    "rea": RegularizedEvolution,
    "reinforce": Reinforce,
    "ls": LocalSearch,
    "bananas": Bananas,
    "tpe": OptunaTPE,
    "optuna-rs": OptunaRandom,
    "smac": SMACRandomForest,
}

__all__ = [
    "SEARCHERS",
    "ActionEncoder",
    "Bananas",
    "LocalSearch",
    "OptunaRandom",
    "OptunaTPE",
    "RandomSearch",
    "RegularizedEvolution",
    "Reinforce",
    "SMACRandomForest",
    "Searcher",
    "run_search",
]
