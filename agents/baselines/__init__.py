"""Classic NAS baselines as ask/tell searchers driven through the search env by :func:`run_search`."""

from agents.baselines.bananas import Bananas
from agents.baselines.base import ActionEncoder, Searcher, run_search
from agents.baselines.evolution import RegularizedEvolution
from agents.baselines.local_search import LocalSearch
from agents.baselines.optuna_samplers import OptunaRandom, OptunaTPE
from agents.baselines.random_search import RandomSearch
from agents.baselines.reinforce import Reinforce

SEARCHERS: dict[str, type[Searcher]] = {
    "rs": RandomSearch,
    "rea": RegularizedEvolution,
    "reinforce": Reinforce,
    "ls": LocalSearch,
    "bananas": Bananas,
    "tpe": OptunaTPE,
    "optuna-rs": OptunaRandom,
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
    "Searcher",
    "run_search",
]
