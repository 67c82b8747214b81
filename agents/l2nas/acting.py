"""The acting side of L2NAS in one place: exploration, the box edge, screening and repeats.

Given the actor's ``mu(s)`` for each env, :class:`Proposer` returns the alpha to execute:
a uniform random alpha (warm-up / epsilon-greedy), the best critic-ranked perturbation of mu
(``screen_candidates``), or ``mu + U(-xi, xi)`` (Eq. 4), optionally re-drawn until its
architecture is new to the search. It keeps the per-env set of queried architectures.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nas_gym.agents.baselines.base import code_choices, mutate, neighbours
from nas_gym.agents.l2nas.config import L2NASConfig
from nas_gym.agents.l2nas.distribution import ActorDistribution
from nas_gym.agents.l2nas.schedules import cosine_epsilon
from nas_gym.spaces.base import SearchSpace

# Tries of ``avoid_repeats`` before falling back to a uniform random alpha; the noise doubles
# at each try, from xi up to 0.5 (a uniform alpha is the limit).
_REPEAT_TRIES = 16
# ``feasible_only`` exploration: batches of uniform alphas drawn until one is under the limit.
_FEASIBLE_BATCH, _FEASIBLE_TRIES = 64, 16
# ``skip_searched_parents``: the best architectures kept as possible parents, so the mutations can
# move down the ranking as the best ones' neighbourhoods are searched out (each takes ~100+ queries).
_PARENT_POOL = 256

Feasible = Callable[[np.ndarray], np.ndarray]
"""Op codes ``(n, code_length)`` -> bool ``(n,)``: under the env's latency limit (a table, no query)."""


def reflect_into_unit_box(alpha: np.ndarray) -> np.ndarray:
    """Mirror values outside [0, 1] back inside (a triangle wave of period 2).

    Clipping ``mu + noise`` maps every saturated entry (mu at 0 or 1) plus outward noise to the
    same edge value; the argmax then breaks those exact ties toward the lowest op. Reflection
    keeps the noise's randomness, so ties among saturated ops are broken uniformly instead.
    """
    return 1.0 - np.abs(np.mod(alpha, 2.0) - 1.0)


class Proposer:
    """Turns ``mu(s)`` into the executed alpha; see the module docstring.

    Args:
        config: the L2NAS settings (the acting fields are used).
        space: the env's search space (discretize/key for repeat checks and screening).
        rng: the model's generator (shared with mini-batch sampling, so a seed fixes both).
        n_envs: parallel searches, each with its own record of queried architectures.
        score: critic score of a batch of alphas of one env ``(alphas (n, dim), env index) -> (n,)``;
            used by screening.
        feasible: the env's latency check, for ``feasible_only`` (None: the env has no limit).
    """

    def __init__(
        self,
        config: L2NASConfig,
        space: SearchSpace | None,
        rng: np.random.Generator,
        n_envs: int,
        score: Callable[[np.ndarray, int], np.ndarray],
        feasible: Feasible | None = None,
    ):
        self.config, self.space, self.rng, self.score = config, space, rng, score
        self.feasible = feasible if config.feasible_only else None
        self.distribution = (
            ActorDistribution(space, config.actor_temperature)
            if config.actor_candidates == "sample" and space is not None
            else None
        )
        self.seen: list[set[int]] = [set() for _ in range(n_envs)]
        # Each search's best architectures by reward, ``(reward, codes)`` best first: the parents
        # of the mutation candidates (the architectures the top-K state is the mean of).
        self.top: list[list[tuple[float, np.ndarray]]] = [[] for _ in range(n_envs)]
        self._nvec = code_choices(space) if config.mutation_candidates and space is not None else None
        self._kept = _PARENT_POOL if config.skip_searched_parents else config.mutation_parents
        # skip_searched_parents: each search's parents with no unqueried neighbour left, and the keys of
        # every (feasible) one-op neighbour of a parent (they depend on it alone), both by the parent's
        # op codes as bytes (cheaper than its key: parents() walks past every searched-out one per query).
        self.searched_out: list[set[bytes]] = [set() for _ in range(n_envs)]
        self._neighbour_keys: dict[bytes, np.ndarray] = {}

    @property
    def search_space(self) -> SearchSpace:
        """The env's search space; recording and screening need it to turn alphas into architectures."""
        if self.space is None:
            raise ValueError("L2NAS's Proposer has no search space: give the model a nas-gym env (set_env)")
        return self.space

    def exploration_rate(self, step: int) -> float:
        """Probability that the action at ``step`` is a uniform random alpha."""
        if step < self.config.warmup_steps:
            return 1.0
        return 0.0 if self.config.epsilon is None else cosine_epsilon(step, *self.config.epsilon)

    def propose(self, mu: np.ndarray, step: int) -> np.ndarray:
        """Alphas ``(n_envs, dim)`` in [0, 1] to execute at ``step`` given ``mu`` ``(n_envs, dim)``."""
        if self.config.actor_proposals == "constant":  # ablation: the actor replaced by a constant
            mu = np.full_like(mu, 0.5)
        elif self.config.actor_proposals == "random":  # ablation: ... or by random preferences
            mu = self.rng.uniform(0.0, 1.0, mu.shape)
        eps = self.exploration_rate(step)
        alpha = np.empty_like(mu, dtype=np.float64)
        for i in range(len(mu)):
            if self.rng.random() < eps:
                alpha[i] = self._uniform(mu.shape[1])
            elif self.config.screen_candidates > 0 or self.config.mutation_candidates > 0:
                alpha[i] = self._screen(mu[i], i)
            else:
                alpha[i] = self._perturb(mu[i], i)
        return self._edge(alpha)

    def record(self, alpha: np.ndarray, rewards: np.ndarray, dones: np.ndarray) -> None:
        """Note the executed alphas ``(n_envs, dim)`` and their rewards; a finished search forgets."""
        for i in range(len(alpha)):
            codes = self.search_space.discretize(alpha[i].reshape(1, *self.search_space.alpha_shape))
            key = int(self.search_space.key(codes)[0])
            if key not in self.seen[i]:
                self.seen[i].add(key)
                self._keep_top(i, float(rewards[i]), codes[0])
            if dones[i]:
                self.seen[i], self.top[i], self.searched_out[i] = set(), [], set()

    def _keep_top(self, env_index: int, reward: float, codes: np.ndarray) -> None:
        top, n = self.top[env_index], self._kept
        if self._nvec is None or (len(top) >= n and reward <= top[-1][0]):
            return
        at = next((j for j, (r, _) in enumerate(top) if reward > r), len(top))
        top.insert(at, (reward, codes))
        del top[n:]

    def parents(self, env_index: int) -> list[np.ndarray]:
        """The op codes the mutations start from: the ``mutation_parents`` best architectures, or with
        ``skip_searched_parents`` the best ones that still have an unqueried (feasible) neighbour."""
        top, n = self.top[env_index], self.config.mutation_parents
        if not self.config.skip_searched_parents:
            return [codes for _, codes in top[:n]]
        out: list[np.ndarray] = []
        for _, codes in top:
            if self._has_open_neighbours(codes, env_index):
                out.append(codes)
                if len(out) == n:
                    break
        return out

    def _has_open_neighbours(self, codes: np.ndarray, env_index: int) -> bool:
        tag = codes.tobytes()
        if tag in self.searched_out[env_index]:
            return False  # the seen set only grows: searched out stays searched out
        keys = self._neighbour_keys.get(tag)
        if keys is None:
            assert self._nvec is not None  # top is empty without mutations
            nb = neighbours(codes, self._nvec)
            if self.feasible is not None:
                nb = nb[self.feasible(nb)]
            keys = self._neighbour_keys[tag] = self.search_space.key(nb)
        seen = self.seen[env_index]
        if all(k in seen for k in keys.tolist()):
            self.searched_out[env_index].add(tag)
            return False
        return True

    def _uniform(self, dim: int) -> np.ndarray:
        """A uniform random alpha; with a latency check, the first feasible one of a few batches."""
        if self.feasible is None:
            return self.rng.uniform(0.0, 1.0, dim)
        for _ in range(_FEASIBLE_TRIES):
            batch = self.rng.uniform(0.0, 1.0, (_FEASIBLE_BATCH, dim))
            codes = self.search_space.discretize(batch.reshape(_FEASIBLE_BATCH, *self.search_space.alpha_shape))
            ok = self.feasible(codes)
            if ok.any():
                return batch[int(ok.argmax())]
        return batch[0]  # none feasible in the tries: query one anyway (the env pays it as invalid)

    def arch_key(self, alpha: np.ndarray) -> int:
        codes = self.search_space.discretize(alpha.reshape(1, *self.search_space.alpha_shape))
        return int(self.search_space.key(codes)[0])

    def _edge(self, alpha: np.ndarray) -> np.ndarray:
        if self.config.noise_edge == "reflect":
            return reflect_into_unit_box(alpha)
        return np.clip(alpha, 0.0, 1.0)

    def _perturb(self, mu: np.ndarray, env_index: int) -> np.ndarray:
        """``mu + U(-xi, xi)``; with ``avoid_repeats``, re-drawn with doubled noise until new."""
        xi = self.config.noise
        alpha = mu + self.rng.uniform(-xi, xi, mu.shape)
        if not self.config.avoid_repeats:
            return alpha
        seen = self.seen[env_index]
        for _ in range(_REPEAT_TRIES):
            if self.arch_key(self._edge(alpha)) not in seen:
                return alpha
            xi = min(2.0 * xi, 0.5)
            alpha = mu + self.rng.uniform(-xi, xi, mu.shape)
        return self.rng.uniform(0.0, 1.0, mu.shape)

    def _actor_candidates(self, mu: np.ndarray) -> np.ndarray:
        """``screen_candidates`` perturbations of mu(s), half-widths log-spaced over ``screen_noise``."""
        n, dim = self.config.screen_candidates, mu.shape[0]
        if self.config.actor_proposals == "random":  # ablation: the actor replaced by random proposals
            return self.rng.uniform(0.0, 1.0, (n, dim))
        if self.distribution is not None:  # draws of the actor's distribution
            return self.distribution.sample(mu, n, self.rng)
        lo, hi = self.config.screen_noise
        half_widths = np.geomspace(lo, hi, n)[:, None]
        return self._edge(mu + self.rng.uniform(-1.0, 1.0, (n, dim)) * half_widths)

    def _mutation_candidates(self, mu: np.ndarray, env_index: int) -> np.ndarray:
        """One-op mutations of the search's best architectures, as their one-hot alphas."""
        m, nvec = self.config.mutation_candidates, self._nvec
        tops = self.parents(env_index) if m and nvec is not None else []  # no _nvec: no parents kept
        if not tops or nvec is None:
            return np.empty((0, self.search_space.alpha_dim))
        if self.config.mutation_ops == "neighbourhood" and self.config.actor_proposals == "random":
            return self.rng.uniform(0.0, 1.0, (m, self.search_space.alpha_dim))  # ablation: no local search
        parents = self.rng.integers(0, len(tops), m)
        if self.config.mutation_ops == "neighbourhood":
            children = self._neighbourhood_mutations(tops, parents, mu)
        elif self.config.mutation_ops == "actor":
            children = self._actor_mutations(np.stack([tops[p] for p in parents]), mu)
        else:
            children = np.stack([mutate(tops[p], nvec, self.rng) for p in parents])
        return self.search_space.one_hot(children).reshape(m, -1).astype(np.float64)

    def _neighbourhood_mutations(self, tops: list[np.ndarray], parents: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """For each parent index in ``parents`` (into ``tops``), a child drawn from every one-op neighbour of
        that parent with probability ``softmax(<one_hot(child), mu> / mutation_temperature)``
        (``mutation_ops="neighbourhood"``): the actor's distribution restricted to the neighbourhood, so it
        picks the position and the op together. A constant mu makes the draw uniform over the neighbours
        (every space's one-hot has a fixed number of ones). Sampled by Gumbel-max, ``(m, code_length)``."""
        nvec = self._nvec
        assert nvec is not None  # _mutation_candidates returns before this without parents
        children = np.empty((len(parents), len(tops[0])), dtype=np.int64)
        for p in np.unique(parents).tolist():
            rows = np.flatnonzero(parents == p)
            nb = neighbours(tops[p], nvec)
            logits = self.search_space.one_hot(nb).reshape(len(nb), -1) @ mu / self.config.mutation_temperature
            noisy = logits[None, :] + self.rng.gumbel(size=(len(rows), len(nb)))
            children[rows] = nb[noisy.argmax(axis=1)]
        return children

    def _actor_mutations(self, parents: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """Each parent ``(m, code_length)`` with one uniformly chosen position changed to an op drawn
        from the actor's distribution over that position's other options.

        An option's logit is ``<one_hot(child), mu> / mutation_temperature``: how strongly mu(s)
        prefers the child, which works for every space's alpha layout (per-edge op rows on NB201,
        ops and inputs on DARTS, the flat blocks of OFA). Sampled by Gumbel-max.
        """
        nvec, m = self._nvec, len(parents)
        assert nvec is not None  # _mutation_candidates returns before this without parents
        mutable = np.flatnonzero(nvec > 1)
        pos = mutable[self.rng.integers(0, len(mutable), m)]
        width = int(nvec.max())
        options = np.broadcast_to(np.arange(width), (m, width))
        valid = (options < nvec[pos][:, None]) & (options != parents[np.arange(m), pos][:, None])
        children = np.repeat(parents[:, None, :], width, axis=1)
        children[np.arange(m)[:, None], np.arange(width)[None, :], pos[:, None]] = np.where(valid, options, 0)
        onehot = self.search_space.one_hot(children.reshape(m * width, -1)).reshape(m, width, -1)
        logits = onehot @ mu / self.config.mutation_temperature
        logits = np.where(valid, logits + self.rng.gumbel(size=logits.shape), -np.inf)
        return children[np.arange(m), logits.argmax(axis=1)]

    def _screen(self, mu: np.ndarray, env_index: int) -> np.ndarray:
        """The candidate the critic ranks highest (new architectures only with avoid_repeats, feasible
        ones only with feasible_only; a random one with the critic off)."""
        candidates = np.concatenate([self._actor_candidates(mu), self._mutation_candidates(mu, env_index)])
        n, dim = candidates.shape
        score = self.score(candidates, env_index) if self.config.critic_screening else np.asarray(self.rng.random(n))
        if self.config.avoid_repeats or self.feasible is not None:
            codes = self.search_space.discretize(candidates.reshape(n, *self.search_space.alpha_shape))
            if self.config.avoid_repeats:
                seen = self.seen[env_index]
                score[np.fromiter((k in seen for k in self.search_space.key(codes).tolist()), np.bool_, n)] = -np.inf
            if self.feasible is not None:
                score[~self.feasible(codes)] = -np.inf
            if np.isneginf(score).all():
                return self._uniform(int(dim))  # int: numpy's stubs type shapes as Any
        return candidates[int(score.argmax())]
