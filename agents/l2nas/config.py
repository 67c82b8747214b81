"""``L2NASConfig``: every L2NAS setting in one typed, validated, immutable record.

Presets (:mod:`agents.l2nas.presets`) are instances of it; keyword overrides are applied with
:func:`dataclasses.replace`, which re-runs the validation, so a wrong name or type fails before
any model is built, with a message naming the field and what it accepts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

CRITIC_INPUTS = ("alpha", "onehot", "encoding")
ACTOR_PROPOSALS = ("actor", "constant", "random")
NOISE_EDGES = ("clip", "reflect")
MUTATION_OPS = ("uniform", "actor", "neighbourhood")
ACTOR_OBJECTIVES = ("critic", "rank")
ACTOR_CANDIDATES = ("perturb", "sample")
SCREEN_ACQUISITIONS = ("mean", "ucb", "thompson")
CRITIC_TARGETS = ("raw", "standardised")


def _number(name: str, value: Any, kind: type) -> float | int:
    """``value`` as ``kind`` (int or float); bools and strings are refused, ints pass as floats."""
    ok = isinstance(value, int) if kind is int else isinstance(value, int | float)
    if isinstance(value, bool) or not ok:
        raise TypeError(f"L2NAS setting {name!r} must be {'an int' if kind is int else 'a number'}, got {value!r}")
    return kind(value)


def _tuple(name: str, value: Any, kinds: tuple[type, ...]) -> tuple:
    """A list/tuple of exactly ``len(kinds)`` numbers (YAML and JSON give lists)."""
    if not isinstance(value, list | tuple) or len(value) != len(kinds):
        raise TypeError(f"L2NAS setting {name!r} must be a list of {len(kinds)} numbers, got {value!r}")
    return tuple(_number(name, v, k) for v, k in zip(value, kinds, strict=True))


@dataclass(frozen=True)
class L2NASConfig:
    """The L2NAS hyperparameters. Defaults are the paper's NAS-Bench-201 table (Sec. 4.1)."""

    quantile: float = 0.9
    """tau of the pinball loss: the critic tracks the tau-quantile (the upper tail) of the reward."""
    batch_size: int = 8
    """|B_R|, the mini-batch size; training starts once the buffer holds one batch."""
    c_max: int = 10
    """Most mini-batches per env step: ``C = min(|R| // B, C_max)``."""
    buffer_size: int = 100_000
    """Replay capacity, most recent kept (paper: 5000 on DARTS; NB201 unstated, so all is kept)."""
    actor_lr: float = 1e-8
    """Adam rate of the actor; 1e-8 as printed freezes the actor at its random init."""
    critic_lr: float = 1e-4
    """Adam rate of the critic(s)."""
    adam_betas: tuple[float, float] = (0.9, 0.99)
    """Adam betas of both networks (paper: 0.9, 0.99)."""
    net_arch: tuple[int, ...] = (128, 128, 128)
    """Hidden ReLU widths of actor and critic (paper: 3 x 128 on NB201, 3 x 256 on DARTS/OFA)."""
    n_critics: int = 1
    """Quantile critics in the ensemble; the actor ascends their mean (1 = the paper)."""
    critic_input: str = "alpha"
    """``"alpha"``: Q sees the executed alpha (paper). ``"onehot"``: Q sees the one-hot of the
    architecture alpha discretizes to, i.e. exactly what the reward depends on. ``"encoding"``: the
    space's predictor encoding of that architecture (BANANAS's path encoding on NB201, the canonical
    one-hot elsewhere, :mod:`agents.baselines.encodings`); not differentiable in alpha, so only with
    ``actor_objective="rank"``."""
    relax_temperature: float = 0.1
    """Softmax temperature relaxing the actor's alpha to a one-hot for an ``onehot`` critic."""
    # -- acting (agents/l2nas/acting.py) ---------------------------------------------------------
    noise: float = 1e-4
    """xi: half-width of the uniform noise added to mu(s) (Eq. 4)."""
    noise_edge: str = "clip"
    """What happens to ``mu + noise`` outside [0, 1]: ``"clip"`` (the action box clips it; a
    saturated mu then yields exact ties, which the argmax resolves to the lowest op) or
    ``"reflect"`` (mirrored back inside, so saturated entries stay distinct and random)."""
    epsilon: tuple[float, float, int] | None = (1.0, 0.05, 175)
    """``(start, end, anneal_steps)`` of the cosine epsilon-greedy schedule; None for none."""
    warmup_steps: int = 0
    """W: the first W steps draw a uniform random alpha (paper: 3000 on DARTS/OFA)."""
    avoid_repeats: bool = False
    """Re-draw an exploring alpha (doubling the noise) while its architecture was already queried."""
    screen_candidates: int = 0
    """When > 0, an exploiting step draws this many perturbations of mu(s) and queries the one the
    critic ranks highest (only new architectures with ``avoid_repeats``)."""
    screen_noise: tuple[float, float] = (1e-4, 1.0)
    """Smallest and largest half-width of the screened perturbations (log-spaced)."""
    mutation_candidates: int = 0
    """One-op mutations of the search's best architectures added to the screened pool (with
    ``screen_candidates``): the critic ranks the actor's proposals and these together."""
    mutation_parents: int = 10
    """How many of the search's best architectures (by reward) the mutations start from."""
    mutation_ops: str = "uniform"
    """Where a mutation's new op comes from: ``"uniform"`` (any other op, as REA) or ``"actor"``
    (drawn from the actor's distribution over the position's other options,
    ``softmax(<one_hot(child), mu(s)> / mutation_temperature)``), so the learned actor steers
    which neighbours of the best architectures the critic gets to screen. ``"neighbourhood"``: the
    actor decides both *which* position to change and *to which* op: a child is drawn from all one-op
    neighbours of the parent with probability ``softmax(<one_hot(child), mu(s)> / mutation_temperature)``,
    i.e. the actor's own distribution restricted to the parent's neighbourhood. These actor-guided
    mutations replace the uniform ones (they do not sit beside them), so the pool depends on the actor:
    a constant actor (``actor_proposals="constant"``) makes them uniform over the neighbourhood (the
    BANANAS/REA local search), and ``actor_proposals="random"`` replaces them, like the actor's samples,
    by uniform random alphas (no local search), so the ablation rows measure what the learning adds."""
    mutation_temperature: float = 0.25
    """Temperature of the actor's op distribution for ``mutation_ops="actor"`` (mu lies in (0, 1),
    so 0.25 lets one op be at most e^4 ~ 55 times as likely as another)."""
    actor_entropy: float = 0.0
    """Weight of an entropy bonus on the actor's per-row op distribution ``softmax(mu / relax_temperature)``
    in its loss: it keeps mu from saturating on one architecture, so its distribution stays informative."""
    actor_proposals: str = "actor"
    """Ablation switch: ``"actor"`` (mu(s)), ``"constant"`` (mu replaced by 0.5 everywhere) or
    ``"random"`` (screened proposals drawn uniformly instead of around mu(s))."""
    # -- v3: an actor trained on the real rewards, a distribution the critic screens (issue 19) ----
    actor_objective: str = "critic"
    """What the actor learns from: ``"critic"`` (ascend ``mean Q(mu(s))``, the paper) or ``"rank"``
    (raise the likelihood, under its per-row distribution ``softmax(mu(s) / actor_temperature)``, of
    the queried architectures whose real reward is in the best ``actor_elite`` fraction of the
    search, and lower it for the rest: a rank-based policy gradient that never reads the critic)."""
    actor_temperature: float = 0.25
    """Temperature of the actor's per-row distribution (``actor_objective="rank"`` and
    ``actor_candidates="sample"``); mu lies in (0, 1), so one op is at most e^(1/T) times as likely."""
    actor_elite: float = 0.25
    """Fraction of the search's best rewards whose architectures the rank objective makes likelier."""
    actor_candidates: str = "perturb"
    """The actor's share of the screened pool: ``"perturb"`` (perturbations of mu(s), half-widths
    log-spaced over ``screen_noise``) or ``"sample"`` (architectures drawn from the actor's
    distribution): the actor decides where to look, the critic which one to query."""
    feasible_only: bool = False
    """On an env with a latency limit, never screen or query an architecture over it: the latency
    table costs no query (as in OFA's evolution), so infeasible candidates are dropped before the
    critic ranks them and uniform exploration re-draws until feasible."""
    critic_state: bool = False
    """Ablation switch: the critic sees the top-K state with its input, ``Q(s, a)`` as in DDPG,
    instead of the state-free surrogate ``Q(a)``."""
    critic_screening: bool = True
    """Ablation switch: False picks a uniformly random new candidate of the screened pool instead
    of the critic's best (critic off)."""
    # -- v4: an ensemble of quantile critics that knows its uncertainty (issue 19) -------------------
    screen_acquisition: str = "mean"
    """How the ensemble of ``n_critics`` critics scores a screened candidate: ``"mean"`` (their mean
    estimate, the paper's and v3's), ``"ucb"`` (mean + ``ucb_beta`` x the members' standard
    deviation: optimism where the members disagree) or ``"thompson"`` (one member drawn at random
    per query ranks the whole pool, a Thompson draw from the ensemble as BANANAS's acquisition)."""
    ucb_beta: float = 1.0
    """Weight of the members' standard deviation in ``screen_acquisition="ucb"``."""
    critic_bootstrap: bool = False
    """Each ensemble member trains on its own mini-batch draw from the replay buffer (a bootstrap of
    the data), not the shared one: the members then differ in their data, not only their init, so
    their spread measures how little the search knows about a candidate."""
    # -- v5: the critic's targets (issue 19) ---------------------------------------------------------
    critic_targets: str = "raw"
    """What the critics regress on: ``"raw"`` (the env reward, the paper's; ``exp100`` rewards of good
    DARTS cells are ~72-86, so a freshly initialised critic spends its first steps learning the offset)
    or ``"standardised"`` (the reward minus the mean over every reward of the search so far, divided by
    their standard deviation, recomputed at each training step, as BANANAS standardises its targets).
    The transform is increasing and shared by every candidate, so it changes what the critic learns, not
    how a fitted critic ranks."""
    # -- v6: a local search that moves on (issue 19) ------------------------------------------------
    skip_searched_parents: bool = False
    """Mutations start from the ``mutation_parents`` best architectures that still have an unqueried
    one-op neighbour (feasible ones only with ``feasible_only``), not from the best ones outright. With
    one parent, once every neighbour of the incumbent is queried, its mutations are all repeats and the
    pool is the actor's samples alone: measured on DARTS, 4 of 10 searches stayed on one local optimum
    from 1000 to 5000 queries that way. Skipping searched-out parents moves the local search to the
    next best cell, as a local search moves on when its neighbourhood is exhausted."""
    # -- runtime ------------------------------------------------------------------------------------
    torch_threads: int = 1
    """Torch threads inside ``learn`` (the caller's count is restored afterwards): these MLPs are
    10-20x faster on one thread than on a shared multi-core CPU."""
    expected_env: dict[str, Any] = field(default_factory=lambda: {"top_k": 64, "reward": "exp100"})
    """Env kwargs the preset was written for (top-K of the state, reward); L2NAS warns on a mismatch."""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in _FLOATS or f.name in _INTS:
                set_(self, f.name, _number(f.name, value, float if f.name in _FLOATS else int))
        set_(self, "adam_betas", _tuple("adam_betas", self.adam_betas, (float, float)))
        set_(self, "screen_noise", _tuple("screen_noise", self.screen_noise, (float, float)))
        if self.epsilon is not None:
            set_(self, "epsilon", _tuple("epsilon", self.epsilon, (float, float, int)))
        if not isinstance(self.net_arch, list | tuple) or not self.net_arch:
            raise TypeError(f"L2NAS setting 'net_arch' must be a non-empty list of widths, got {self.net_arch!r}")
        set_(self, "net_arch", tuple(_number("net_arch", w, int) for w in self.net_arch))
        switches = ("avoid_repeats", "feasible_only", "critic_state", "critic_screening", "critic_bootstrap")
        for name in (*switches, "skip_searched_parents"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"L2NAS setting {name!r} must be true or false, got {getattr(self, name)!r}")
        if not isinstance(self.expected_env, dict):
            raise TypeError(f"L2NAS setting 'expected_env' must be a mapping of env kwargs, got {self.expected_env!r}")
        self._check_ranges()

    def _check_ranges(self) -> None:
        choices = (
            ("critic_input", CRITIC_INPUTS),
            ("noise_edge", NOISE_EDGES),
            ("actor_proposals", ACTOR_PROPOSALS),
            ("mutation_ops", MUTATION_OPS),
            ("actor_objective", ACTOR_OBJECTIVES),
            ("actor_candidates", ACTOR_CANDIDATES),
            ("screen_acquisition", SCREEN_ACQUISITIONS),
            ("critic_targets", CRITIC_TARGETS),
        )
        for name, allowed in choices:
            if getattr(self, name) not in allowed:
                raise ValueError(f"L2NAS setting {name!r} must be one of {allowed}, got {getattr(self, name)!r}")
        if not 0.0 < self.quantile < 1.0:
            raise ValueError(f"L2NAS setting 'quantile' must lie in (0, 1), got {self.quantile}")
        for name in ("batch_size", "c_max", "buffer_size", "n_critics", "torch_threads", "mutation_parents"):
            if getattr(self, name) < 1:
                raise ValueError(f"L2NAS setting {name!r} must be >= 1, got {getattr(self, name)}")
        non_negative = ("noise", "warmup_steps", "screen_candidates", "mutation_candidates", "actor_lr", "critic_lr")
        for name in (*non_negative, "actor_entropy", "ucb_beta"):
            if getattr(self, name) < 0:
                raise ValueError(f"L2NAS setting {name!r} must be >= 0, got {getattr(self, name)}")
        temperatures = (self.relax_temperature, self.mutation_temperature, self.actor_temperature)
        if min(*temperatures, *self.screen_noise) <= 0 or min(self.net_arch) < 1:
            raise ValueError(
                "L2NAS settings 'relax_temperature', 'mutation_temperature', 'actor_temperature', 'screen_noise' "
                "and 'net_arch' must be positive"
            )
        if not 0.0 < self.actor_elite < 1.0:
            raise ValueError(f"L2NAS setting 'actor_elite' must lie in (0, 1), got {self.actor_elite}")

    @classmethod
    def field_names(cls) -> frozenset[str]:
        """Every setting name: what a study's ``hyperparams`` for an L2NAS agent may contain."""
        return frozenset(f.name for f in dataclasses.fields(cls))

    @classmethod
    def validate_overrides(cls, overrides: dict[str, Any]) -> None:
        """Raise a ``ValueError``/``TypeError`` naming the first unknown or ill-typed setting.

        For validators that check hyperparameters before any env exists (the study loader):
        the overrides are applied to the default config, so every type and range check runs.
        """
        unknown = sorted(set(overrides) - cls.field_names())
        if unknown:
            raise ValueError(
                f"unknown L2NAS hyperparameter(s) {unknown}; known: {', '.join(sorted(cls.field_names()))}"
            )
        dataclasses.replace(cls(), **overrides)

    def with_overrides(self, **overrides: Any) -> L2NASConfig:
        """This config with ``overrides`` applied (validated; unknown names refused)."""
        type(self).validate_overrides(overrides)
        return dataclasses.replace(self, **overrides)

    def check_combination(self) -> None:
        """Refuse settings that are valid one by one but not together (checked once a preset is resolved)."""
        if self.critic_input == "encoding" and self.actor_objective != "rank":
            raise ValueError(
                "L2NAS setting critic_input='encoding' is not differentiable in alpha, so the actor cannot ascend "
                "it: use it with actor_objective='rank'"
            )
        if self.screen_acquisition != "mean" and self.n_critics < 2:
            raise ValueError(
                f"L2NAS setting screen_acquisition={self.screen_acquisition!r} needs an ensemble to measure "
                f"uncertainty, but n_critics={self.n_critics}: set n_critics to 2 or more (e.g. 5)"
            )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready settings (tuples as lists), for run summaries."""
        out = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


_FLOATS = frozenset(
    {
        "quantile",
        "actor_lr",
        "critic_lr",
        "relax_temperature",
        "noise",
        "mutation_temperature",
        "actor_entropy",
        "actor_temperature",
        "actor_elite",
        "ucb_beta",
    }
)
_INTS = frozenset(
    {
        "batch_size",
        "c_max",
        "buffer_size",
        "n_critics",
        "warmup_steps",
        "screen_candidates",
        "torch_threads",
        "mutation_candidates",
        "mutation_parents",
    }
)
