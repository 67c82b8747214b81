"""Add your own search space: a new Benchmark + SearchSpace, registered as an env, searched by l2nas and rea.

    python examples/own_search_space.py

The space is a chain of 4 layers, each one of 3 ops (conv3x3, conv1x1, skip): 3^4 = 81
architectures. Its "table" holds two accuracies per architecture, as a researcher's own
benchmark would (here made up from a seeded formula, so the file needs no data):

* ``val`` drives the search (the honest signal, the benchmark's ``default_signal``);
* ``test`` is what results report, and is listed in ``test_metrics``: a search on it is
  test-set selection, and every run summary says so.

Everything else (the top-K state, rewards, budgets, the agent table, ``queries.csv``) is the
generic env's: a new space needs only the two classes below and one ``gym.register``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from nas_gym.benchmarks.base import Benchmark
from nas_gym.envs.search_env import ArchSearchEnv
from nas_gym.spaces.base import SearchSpace

OPS = ("conv3x3", "conv1x1", "skip")
LAYERS = 4


class ChainSpace(SearchSpace):
    """``LAYERS`` positions, one op each; alpha holds one weight per (layer, op)."""

    name = "chain"
    alpha_shape = (LAYERS, len(OPS))
    code_length = LAYERS
    code_nvec = (len(OPS),) * LAYERS
    num_archs = len(OPS) ** LAYERS

    def discretize(self, alpha: np.ndarray) -> np.ndarray:
        return np.asarray(alpha).argmax(axis=-1)  # the strongest op of each layer, lowest index on ties

    def one_hot(self, codes: np.ndarray) -> np.ndarray:
        return np.eye(len(OPS), dtype=np.float32)[np.asarray(codes)]

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, len(OPS), size=(n, LAYERS))

    def key(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes)
        if codes.shape[-1] != LAYERS or codes.min(initial=0) < 0 or codes.max(initial=0) >= len(OPS):
            raise ValueError(f"chain codes are {LAYERS} integers in [0, {len(OPS)}), got {codes.tolist()}")
        return (codes * len(OPS) ** np.arange(LAYERS)).sum(axis=-1).astype(np.int64)  # base-3 number

    def to_string(self, codes: np.ndarray) -> list[str]:
        return ["|".join(OPS[op] for op in row) for row in np.asarray(codes)]

    def all_codes(self) -> np.ndarray:
        keys = np.arange(self.num_archs)
        return (keys[:, None] // len(OPS) ** np.arange(LAYERS)) % len(OPS)  # key order


class ChainBenchmark(Benchmark):
    """A table of ``val`` and ``test`` accuracy (%) per architecture of :class:`ChainSpace`."""

    name = "chain"
    metrics = ("val", "test")
    default_signal = "val"
    report_metric = "test"
    signal_metrics = ("val", "test")
    test_metrics = ("test",)
    tabular = True

    def __init__(self, seed: int = 0):
        self.search_space = ChainSpace()
        rng = np.random.default_rng(seed)
        codes = self.search_space.all_codes()
        gain = rng.normal(0, 1.5, size=(LAYERS, len(OPS)))  # what each op adds at each layer
        test = 80 + gain[np.arange(LAYERS), codes].sum(axis=1) - 2.0 * (codes == 2).all(axis=1)
        self.table = {"test": test, "val": test - 5 + rng.normal(0, 0.5, size=len(test))}

    def _query(self, archs: np.ndarray, metrics: tuple[str, ...]) -> dict[str, np.ndarray]:
        keys = self.search_space.key(archs)
        return {m: self.table[m][keys] for m in metrics}

    def optimum(self, metric: str) -> float | None:
        return float(self.table[self.check_metric(metric)].max())


def make_chain_env(**kwargs) -> ArchSearchEnv:
    """The generic search env over the chain benchmark; kwargs are the usual search kwargs."""
    return ArchSearchEnv(benchmark=ChainBenchmark(), **kwargs)


def register() -> None:
    """``gym.make("Chain-v0")`` and its discrete form, as for the bundled ids (idempotent)."""
    for env_id, kwargs in {"Chain-v0": {}, "Chain-discrete-v0": {"action_type": "discrete"}}.items():
        if env_id not in gym.registry:
            gym.register(env_id, entry_point=make_chain_env, kwargs={"max_queries": 40, **kwargs})


def give_l2nas_settings() -> None:
    """L2NAS keeps its settings per space family (agents/l2nas/presets.py); this small space takes NB201's."""
    from nas_gym.agents.l2nas.presets import PRESETS

    for families in PRESETS.values():
        if "nb201" in families:
            families.setdefault("chain", families["nb201"])


def search(agent: str, env_id: str = "Chain-v0", seed: int = 0) -> dict:
    """One search of ``agent`` (any name of the agent table); returns the run's last record."""
    from nas_gym.agents.registry import check_fits, run_agent
    from nas_gym.search_log import SearchRecorder

    check_fits(agent, env_id)  # refuses e.g. l2nas on Chain-discrete-v0, naming the agents that fit
    env = SearchRecorder(gym.make(env_id))
    run_agent(agent, env, env_id, seed)
    env.close()
    last = env.records[-1]
    return {"agent": agent, "queries": last.step, "best_arch": last.best_arch, "test": last.best_report_acc}


if __name__ == "__main__":
    import torch

    torch.set_num_threads(1)
    register()
    give_l2nas_settings()
    optimum = ChainBenchmark().optimum("test")
    for agent in ("l2nas", "rea", "rs"):
        result = search(agent)
        print(f"{agent:6} best by val after {result['queries']} queries: {result['best_arch']:32} "
              f"test {result['test']:.2f} (optimum {optimum:.2f})")  # fmt: skip
