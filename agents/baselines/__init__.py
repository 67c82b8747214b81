"""Classic NAS baselines as ask/tell searchers driven through the search env by :func:`run_search`."""

from agents.baselines.base import ActionEncoder, Searcher, run_search
from agents.baselines.evolution import RegularizedEvolution
from agents.baselines.local_search import LocalSearch
from agents.baselines.random_search import RandomSearch
from agents.baselines.reinforce import Reinforce

SEARCHERS: dict[str, type[Searcher]] = {
    "rs": RandomSearch,
    "rea": RegularizedEvolution,
    "reinforce": Reinforce,
    "ls": LocalSearch,
}

__all__ = [
    "SEARCHERS",
    "ActionEncoder",
    "LocalSearch",
    "RandomSearch",
    "RegularizedEvolution",
    "Reinforce",
    "Searcher",
    "run_search",
]
