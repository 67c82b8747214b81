"""Should the env break exact argmax ties at random? A measurement for issue 14.

NB201's ``discretize`` gives a tie to the lowest op index (``none``). Agents whose continuous
actions are clipped to the box (SB3's SAC/TD3/DDPG/PPO, L2NAS with clipped noise) produce exact
ties whenever two entries of an edge sit at the +1 edge, so the rule biases them toward ``none``.

1. Monte Carlo: actions ``N(0, sigma)`` clipped to [-1, 1] (float32, as the env receives them);
   P(op) per edge under the lowest-index rule and under a uniformly random tie-break.
2. Real agents: SAC and TD3 (the project's YAML settings) on NB201-cifar10, signal test200,
   budget steps, with the env's rule and with :class:`RandomTieBreak` in front of the env;
   the fraction of tied edges among executed actions, P(none) among queried cells, distinct
   cells, and the best test200 accuracy.

Usage: ``python bench/tie_rule.py [--seeds 0-2] [--steps 500] [--cache DIR]``.
"""

from __future__ import annotations

import argparse
import warnings

import gymnasium as gym
import numpy as np
import torch as th

import nas_gym  # noqa: F401 (registers the env ids)
from nas_gym.agents.registry import run_agent
from nas_gym.search_log import SearchRecorder
from nas_gym.spaces.nb201 import strings_to_codes

OPS, EDGES = 5, 6


def lowest_index(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return alpha.argmax(axis=-1)


def random_ties(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Argmax with exact ties broken uniformly at random (a seeded generator)."""
    tied = alpha == alpha.max(axis=-1, keepdims=True)
    return (tied * rng.random(alpha.shape)).argmax(axis=-1)


def monte_carlo(sigmas: list[float], n: int = 200_000) -> None:
    rng = np.random.default_rng(0)
    print("P(op) per edge, actions N(0, sigma) clipped to [-1, 1]; ops none, skip, avg_pool, conv1x1, conv3x3")
    for sigma in sigmas:
        a = np.clip(rng.normal(0.0, sigma, (n, OPS)), -1.0, 1.0).astype(np.float32)
        alpha = (a.astype(np.float64) + 1.0) / 2.0
        tie = float(((alpha == alpha.max(axis=1, keepdims=True)).sum(axis=1) > 1).mean())
        for rule in (lowest_index, random_ties):
            p = np.bincount(rule(alpha, rng), minlength=OPS) / n
            print(f"  sigma {sigma:3.1f} {rule.__name__:12s} ties {tie:.3f}  P(op) {np.round(p, 3).tolist()}")


class RandomTieBreak(gym.ActionWrapper):
    """Lowers all but one (uniformly chosen) of each edge's tied maxima by 1e-6 before the env sees them."""

    def __init__(self, env: gym.Env, seed: int):
        super().__init__(env)
        self.rng = np.random.default_rng(seed)

    def action(self, action: np.ndarray) -> np.ndarray:
        a = np.clip(np.asarray(action, dtype=np.float32), -1.0, 1.0).reshape(EDGES, OPS).copy()
        keep = random_ties(a.astype(np.float64), self.rng)
        tied = a == a.max(axis=1, keepdims=True)
        tied[np.arange(EDGES), keep] = False
        a[tied] -= np.float32(1e-6)
        return a.reshape(-1)


def agents(seeds: list[int], steps: int, cache: str | None) -> None:
    env_id = "NB201-cifar10-v0"
    print(f"\n{env_id}, signal test200, budget {steps} steps, seeds {seeds}")
    for algo in ("sac", "td3"):
        for rule in ("lowest", "random"):
            stats = []
            for seed in seeds:
                base = gym.make(env_id, cache=cache, max_queries=steps, signal="test200", budget="steps")
                rec = SearchRecorder(base)
                env = RandomTieBreak(rec, seed) if rule == "random" else rec
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    run_agent(algo, env, env_id, seed)
                codes = strings_to_codes([r.arch for r in rec.records])
                stats.append((rec.records[-1].best_report_acc, rec.records[-1].unique, codes))
            best = np.array([s[0] for s in stats])
            unique = np.mean([s[1] for s in stats])
            p_none = np.mean([(s[2] == 0).mean() for s in stats])
            print(
                f"  {algo} tie rule {rule:6s}: best test200 {best.mean():.2f} ± {best.std():.2f}, "
                f"unique {unique:.0f}, P(none) among queried {p_none:.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="0-2")
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--cache", default=None)
    args = parser.parse_args()
    th.set_num_threads(1)
    lo, hi = (int(x) for x in args.seeds.split("-"))
    monte_carlo([0.3, 1.0, 3.0])
    agents(list(range(lo, hi + 1)), args.steps, args.cache)


if __name__ == "__main__":
    main()
