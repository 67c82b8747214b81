"""Once-for-All's evolutionary search, as an ask/tell searcher for the OFA envs.

A re-implementation of the ``EvolutionFinder`` of the OFA tutorial (Cai et al., ICLR 2020):
a population of feasible subnets (latency at most the limit); each generation keeps the best
``parent_ratio`` as parents and fills the population with mutants (each kernel size, expand
ratio, stage depth and the resolution resampled with probability ``mutate_prob``) and
crossovers (each gene from one of two parents), every child resampled until it is feasible.
Defaults are the tutorial's: population 100, parent ratio 0.25, mutation ratio 0.5,
mutate probability 0.1 (the tutorial's resolution mutates with its finder's default 0.5, since
its ``mutate_prob`` is not read; here the resolution uses ``mutate_prob`` too).

It is the agent ``ofa-evolution`` of the agent table (:mod:`nas_gym.agents.registry`), which
builds it with :func:`make_searcher` from the env's latency table and limit; OFA ids only.

Feasibility is checked on the latency lookup table, which costs nothing; only the accuracy
queries go through the env and count against its budget, as in OFA. :class:`ConstrainedRandomSearch`
is the matching baseline: feasible subnets drawn uniformly.

Run ``python -m nas_gym.agents.ofa_evolution --env OFA-MBv3-note10-lat25-v0 --budget 10000 --seeds 0 1 2``
to print the table of docs/ofa.md.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import gymnasium as gym
import numpy as np

from nas_gym.agents.baselines.base import Searcher, run_search
from nas_gym.envs.api import make_env, search_env
from nas_gym.spaces.ofa import CODE_LENGTH, NUM_BLOCKS, NUM_STAGES, OFASearchSpace

LatencyFn = Callable[[np.ndarray], np.ndarray]
"""Op codes ``(n, 26)`` -> latency in ms ``(n,)``."""


class FeasibleSampler:
    """Draws subnets of ``space`` whose latency is at most ``limit_ms`` (all of them when ``None``)."""

    def __init__(self, space: OFASearchSpace, latency_fn: LatencyFn | None, limit_ms: float | None, max_tries: int):
        if (latency_fn is None) != (limit_ms is None):
            raise ValueError("give both latency_fn and limit_ms for a latency limit, or neither")
        if max_tries < 1:
            raise ValueError(f"max_tries must be >= 1, got {max_tries}")
        self.space, self.latency_fn, self.limit_ms, self.max_tries = space, latency_fn, limit_ms, max_tries
        if latency_fn is not None:
            fastest = np.array([[0] * NUM_BLOCKS + [0] * NUM_STAGES + [0]])  # k3 e3, depth 2, lowest resolution
            floor = float(latency_fn(fastest)[0])
            if limit_ms is not None and limit_ms < floor:
                raise ValueError(
                    f"latency limit {limit_ms} ms is below the fastest subnet of this space ({floor:.2f} ms); "
                    "raise the limit or search lower resolutions"
                )

    def feasible(self, codes: np.ndarray) -> np.ndarray:
        if self.latency_fn is None:
            return np.ones(len(codes), dtype=bool)
        return self.latency_fn(codes) <= self.limit_ms

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` feasible subnets drawn uniformly (rejection sampling in batches)."""
        found: list[np.ndarray] = []
        for _ in range(self.max_tries):
            batch = self.space.sample(max(n, 256), rng)
            found.extend(batch[self.feasible(batch)])
            if len(found) >= n:
                return np.stack(found[:n])
        raise RuntimeError(
            f"fewer than {n} feasible subnets in {self.max_tries} batches; the latency limit {self.limit_ms} ms is "
            "too tight for random sampling"
        )

    def first_feasible(self, make: Callable[[], np.ndarray]) -> np.ndarray:
        """Call ``make`` until it returns a feasible subnet (at most ``max_tries`` times)."""
        for _ in range(self.max_tries):
            child = make()
            if self.feasible(child[None])[0]:
                return child
        raise RuntimeError(f"no feasible child in {self.max_tries} tries under {self.limit_ms} ms")


class OFAEvolution(Searcher):
    """OFA's evolutionary search under a latency limit.

    Args:
        space: the env's :class:`~nas_gym.spaces.ofa.OFASearchSpace`.
        rng: the only source of randomness.
        latency_fn, limit_ms: the latency model and its hard limit (both ``None``: unconstrained).
        population_size, parent_ratio, mutation_ratio, mutate_prob: as in OFA's ``EvolutionFinder``.
        max_tries: resampling attempts before giving up on a feasible child or batch.
    """

    def __init__(
        self,
        space: OFASearchSpace,
        rng: np.random.Generator,
        latency_fn: LatencyFn | None = None,
        limit_ms: float | None = None,
        population_size: int = 100,
        parent_ratio: float = 0.25,
        mutation_ratio: float = 0.5,
        mutate_prob: float = 0.1,
        max_tries: int = 10_000,
    ):
        super().__init__(space, rng)
        if not isinstance(space, OFASearchSpace):
            raise ValueError(f"OFAEvolution needs an OFA search space, got {space.name}")
        n_parents, n_mutants = round(parent_ratio * population_size), round(mutation_ratio * population_size)
        if population_size < 2 or n_parents < 1 or n_mutants < 0 or n_parents + n_mutants > population_size:
            raise ValueError(
                "need population_size >= 2, parent_ratio * population_size >= 1 and parent_ratio + mutation_ratio <= 1;"
                f" got {population_size}, {parent_ratio}, {mutation_ratio}"
            )
        if not 0.0 <= mutate_prob <= 1.0:
            raise ValueError(f"mutate_prob is a probability, got {mutate_prob}")
        self.sampler = FeasibleSampler(space, latency_fn, limit_ms, max_tries)
        self.population_size, self.n_parents, self.n_mutants = population_size, n_parents, n_mutants
        self.mutate_prob = mutate_prob
        self.nvec = np.asarray(space.code_nvec)
        self.population: list[tuple[np.ndarray, float]] = []
        self._queue: list[np.ndarray] = []
        self._told: list[tuple[np.ndarray, float]] = []
        self.generation = 0

    def ask(self) -> np.ndarray:
        if not self._queue:
            self._queue = list(self._next_batch())
        return self._queue[0]

    def tell(self, codes: np.ndarray, score: float) -> None:
        self._queue.pop(0)
        self._told.append((codes, score))
        if not self._queue:
            self.population = (self._parents() if self.population else []) + self._told
            self._told = []

    def _parents(self) -> list[tuple[np.ndarray, float]]:
        """The best ``n_parents`` members (stable: earlier members win ties)."""
        return sorted(self.population, key=lambda member: -member[1])[: self.n_parents]

    def _next_batch(self) -> np.ndarray:
        if not self.population:
            return self.sampler.sample(self.population_size, self.rng)
        self.generation += 1
        parents = np.stack([codes for codes, _ in self._parents()])
        children = [
            self.sampler.first_feasible(lambda: self._mutate(self._pick(parents))) for _ in range(self.n_mutants)
        ]
        n_cross = self.population_size - self.n_parents - self.n_mutants
        children += [
            self.sampler.first_feasible(lambda: self._crossover(self._pick(parents), self._pick(parents)))
            for _ in range(n_cross)
        ]
        return np.stack(children)

    def _pick(self, parents: np.ndarray) -> np.ndarray:
        return parents[self.rng.integers(len(parents))]

    def _mutate(self, parent: np.ndarray) -> np.ndarray:
        """Resample kernel size and expand ratio of each block, each depth and the resolution with ``mutate_prob``."""
        k, e = parent[:NUM_BLOCKS] % 3, parent[:NUM_BLOCKS] // 3
        k = np.where(self.rng.random(NUM_BLOCKS) < self.mutate_prob, self.rng.integers(0, 3, NUM_BLOCKS), k)
        e = np.where(self.rng.random(NUM_BLOCKS) < self.mutate_prob, self.rng.integers(0, 3, NUM_BLOCKS), e)
        rest = parent[NUM_BLOCKS:]
        resampled = self.rng.integers(0, self.nvec[NUM_BLOCKS:])
        rest = np.where(self.rng.random(len(rest)) < self.mutate_prob, resampled, rest)
        return np.concatenate([3 * e + k, rest]).astype(np.int64)

    def _crossover(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Each gene (kernel size, expand ratio, depth, resolution) from ``a`` or ``b`` with equal odds."""
        k = np.where(self.rng.random(NUM_BLOCKS) < 0.5, a[:NUM_BLOCKS] % 3, b[:NUM_BLOCKS] % 3)
        e = np.where(self.rng.random(NUM_BLOCKS) < 0.5, a[:NUM_BLOCKS] // 3, b[:NUM_BLOCKS] // 3)
        rest = np.where(self.rng.random(CODE_LENGTH - NUM_BLOCKS) < 0.5, a[NUM_BLOCKS:], b[NUM_BLOCKS:])
        return np.concatenate([3 * e + k, rest]).astype(np.int64)


class ConstrainedRandomSearch(Searcher):
    """Uniformly drawn feasible subnets: the baseline every constrained search must beat."""

    def __init__(
        self,
        space: OFASearchSpace,
        rng: np.random.Generator,
        latency_fn: LatencyFn | None = None,
        limit_ms: float | None = None,
        max_tries: int = 10_000,
    ):
        super().__init__(space, rng)
        self.sampler = FeasibleSampler(space, latency_fn, limit_ms, max_tries)

    def ask(self) -> np.ndarray:
        return self.sampler.sample(1, self.rng)[0]


SEARCHERS = {"ofa-evolution": OFAEvolution, "constrained-random": ConstrainedRandomSearch}


def make_searcher(name: str, env: gym.Env, seed: int, **kwargs) -> Searcher:
    """A searcher for an OFA env, bound to the env's own latency device and limit."""
    if name not in SEARCHERS:
        raise ValueError(f"unknown searcher {name!r}; choose one of {', '.join(SEARCHERS)}")
    search = search_env(env)
    config, benchmark = search.search_config, search.benchmark
    limit, metric = config.latency_limit_ms, f"latency/{config.latency_device}"
    latency_fn = None if limit is None else (lambda codes: benchmark.query(codes, metric))
    return SEARCHERS[name](
        search.search_space, np.random.default_rng(seed), latency_fn=latency_fn, limit_ms=limit, **kwargs
    )


def run(name: str, env_id: str, budget: int, seed: int, cache: str | None = None) -> dict:
    """One search of ``name`` on ``env_id``; returns the best architecture and its metrics."""
    import nas_gym  # noqa: F401 (registers the ids)

    env = make_env(env_id, {"max_queries": budget}, cache)
    info = run_search(make_searcher(name, env, seed), env, seed=seed)
    result = {"searcher": name, "env": env_id, "seed": seed, "queries": budget, "unique": info["unique_queries"]}
    if not info["best_arch"]:  # nothing feasible was queried
        return {**result, "best_predicted_acc": float("nan"), "best_arch": {}}
    costs = search_env(env).benchmark.arch_info(info["best_codes"][None])
    return {
        **result,
        "best_predicted_acc": info["best_signal_acc"],
        "best_arch": info["best_arch_dict"],
        **{key: float(value[0]) for key, value in costs.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="OFA evolution and constrained random search on an OFA env")
    parser.add_argument("--env", default="OFA-MBv3-note10-lat25-v0")
    parser.add_argument("--budget", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--cache", default=None)
    args = parser.parse_args(argv)
    print("| env | searcher | seed | queries | unique | best predicted acc (%) | Note10 (ms) | MACs (M) | best arch |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in SEARCHERS:
        for seed in args.seeds:
            r = run(name, args.env, args.budget, seed, args.cache)
            print(
                f"| {r['env']} | {name} | {seed} | {r['queries']} | {r['unique']} | {r['best_predicted_acc']:.2f} | "
                f"{r.get('latency_note10_ms', float('nan')):.2f} | {r.get('macs_m', float('nan')):.1f} | "
                f"`{r['best_arch']}` |"
            )


if __name__ == "__main__":
    main()
