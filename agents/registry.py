"""The one agent table: every name of ``nas-gym search --agent`` and of a study's ``agents``.

Each agent is an object of its kind (:class:`SearcherAgent`, :class:`EnvSearcherAgent`,
:class:`L2NASAgent`, :class:`SB3Agent`). The kind holds everything that differs between
kinds: which hyperparameters it accepts and how they are checked, which outside settings make a
finished study cell stale, and how one search runs. Adding a kind is one new class here; adding
an agent is one line of :data:`AGENTS`.

Every agent also says which action spaces it supports, so the CLI and the study validator refuse
an impossible agent/env pair (L2NAS on a ``-discrete-v0`` id, SAC on op codes) before anything
runs, listing the agents that fit.

Every ``run`` takes an env made by ``gym.make`` (already wrapped by the recorder), a seed and
keyword overrides, runs exactly one search episode and returns the hyperparameters it used.
torch and SB3 are imported only by the agents that need them.
"""

from __future__ import annotations

import functools
import inspect
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from nas_gym.agents.baselines import SEARCHERS, Searcher, run_search
from nas_gym.agents.ofa_evolution import OFAEvolution
from nas_gym.envs.api import search_env

_BOTH = ("continuous", "discrete")

# Scalar annotations a hyperparameter value is checked against; anything richer is left to the agent.
_SCALARS: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "str": (str,),
    "None": (type(None),),
}


def _accepted_types(param: inspect.Parameter) -> tuple[str, ...] | None:
    """The scalar type names ``param`` is annotated with (``'float | None'``), or None when not all scalar."""
    annotation = param.annotation
    if annotation is inspect.Parameter.empty:
        return None
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    names = tuple(part.strip() for part in text.split("|"))
    return names if all(n in _SCALARS for n in names) else None


def _keyword(name: str) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY)


def _overrides_of(params: Mapping[str, inspect.Parameter], skip: set[str]) -> dict[str, inspect.Parameter]:
    """The constructor parameters a user may override: all but the ones the runner passes itself."""
    return {k: v for k, v in params.items() if k not in skip and v.kind != v.VAR_KEYWORD}


def _run_one_episode(model: Any, env: gym.Env) -> None:
    """``learn`` an SB3-style model for exactly one search episode (the env's step cap)."""
    from stable_baselines3.common.callbacks import StopTrainingOnMaxEpisodes

    model.learn(total_timesteps=search_env(env).step_cap, callback=StopTrainingOnMaxEpisodes(max_episodes=1))


@dataclass(frozen=True)
class Agent(ABC):
    """One agent of the table; subclasses are the kinds.

    Attributes:
        name: the name of ``--agent`` and of a study's ``agent``.
        summary: one line for help texts.
        action_types: env ``action_type`` values it can act in (``continuous`` alpha, ``discrete`` op codes).
        delta_ok: whether it can act in ``action_mode="delta"`` (searchers propose whole architectures).
        benchmarks: the env families (``benchmark`` of the env id) it can search; None: every one.
            A space-specific searcher (OFA's evolution reads the env's latency table) names its own.
    """

    kind: ClassVar[str]
    uses_torch: ClassVar[bool] = True
    """Whether a run builds torch networks (the CLI then pins torch to one thread)."""

    name: str
    summary: str
    action_types: tuple[str, ...] = _BOTH
    delta_ok: bool = True
    benchmarks: tuple[str, ...] | None = None

    def fits(self, action_type: str, action_mode: str, benchmark: str | None = None) -> bool:
        """Whether it can act in that action space (and, when given, search that env family)."""
        if benchmark is not None and self.benchmarks is not None and benchmark not in self.benchmarks:
            return False
        return action_type in self.action_types and (self.delta_ok or action_mode == "absolute")

    @functools.cached_property
    def hyperparameters(self) -> dict[str, inspect.Parameter]:
        """Every override it accepts with its declaration (name and type annotation)."""
        return self._declare_hyperparameters()

    @abstractmethod
    def _declare_hyperparameters(self) -> dict[str, inspect.Parameter]:
        """Read the overrides from the code that takes them (a constructor's signature, a config's fields)."""

    def hyperparameter_problem(self, key: str, value: Any) -> str | None:
        """Why ``key: value`` is not a valid override (unknown name, wrong type), or None."""
        params = self.hyperparameters
        if key not in params:
            return f"agent {self.name!r} has no hyperparameter {key!r}; known: {', '.join(sorted(params))}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"hyperparameter {key!r} of {self.name!r} must be finite, got {value!r}"
        names = _accepted_types(params[key])
        if names is None:
            return None
        ok = any(isinstance(value, _SCALARS[n]) and (n == "bool" or not isinstance(value, bool)) for n in names)
        return None if ok else f"hyperparameter {key!r} of {self.name!r} must be {' or '.join(names)}, got {value!r}"

    def settings(self, env_id: str, hyperparams: Mapping[str, Any]) -> dict[str, Any] | None:
        """The settings it reads from outside the study file, as data (see :func:`agent_settings`).

        None: its settings are its code's defaults, as for any code change.
        """
        return None

    @abstractmethod
    def run(self, env: gym.Env, env_id: str, seed: int, overrides: dict[str, Any]) -> dict:
        """One search episode on ``env``; returns the hyperparameters used."""


@dataclass(frozen=True)
class SearcherAgent(Agent):
    """An ask/tell baseline built from the env's search space: it proposes whole architectures as op codes."""

    kind: ClassVar[str] = "searcher"
    uses_torch: ClassVar[bool] = False
    searcher: type[Searcher] = field(kw_only=True)
    delta_ok: bool = False

    def _declare_hyperparameters(self) -> dict[str, inspect.Parameter]:
        return _overrides_of(inspect.signature(self.searcher).parameters, {"space", "rng"})

    def run(self, env: gym.Env, env_id: str, seed: int, overrides: dict[str, Any]) -> dict:
        searcher = self.searcher(search_env(env).search_space, np.random.default_rng(seed), **overrides)
        run_search(searcher, env, seed=seed)
        return overrides


@dataclass(frozen=True)
class EnvSearcherAgent(SearcherAgent):
    """An ask/tell searcher built from the env itself (OFA's evolution reads its latency model and limit)."""

    kind: ClassVar[str] = "env-searcher"

    def _declare_hyperparameters(self) -> dict[str, inspect.Parameter]:
        skip = {"space", "rng", "latency_fn", "limit_ms"}
        return _overrides_of(inspect.signature(self.searcher).parameters, skip)

    def run(self, env: gym.Env, env_id: str, seed: int, overrides: dict[str, Any]) -> dict:
        from nas_gym.agents.ofa_evolution import make_searcher

        run_search(make_searcher(self.name, env, seed, **overrides), env, seed=seed)
        return overrides


@dataclass(frozen=True)
class L2NASAgent(Agent):
    """L2NAS with one of its presets (:mod:`nas_gym.agents.l2nas.presets`); any ``L2NASConfig`` field overrides."""

    kind: ClassVar[str] = "l2nas"
    preset: str = "improved"
    action_types: tuple[str, ...] = ("continuous",)

    def _declare_hyperparameters(self) -> dict[str, inspect.Parameter]:
        from nas_gym.agents.l2nas.config import L2NASConfig

        # ``preset``: a study row may run another preset than the agent's (an ablation of an older one)
        return {n: _keyword(n) for n in sorted((*L2NASConfig.field_names(), "preset"))}

    def hyperparameter_problem(self, key: str, value: Any) -> str | None:
        problem = super().hyperparameter_problem(key, value)
        if problem is not None:
            return problem
        from nas_gym.agents.l2nas.config import L2NASConfig
        from nas_gym.agents.l2nas.presets import PRESETS

        if key == "preset":
            if value in PRESETS:
                return None
            return f"agent {self.name!r}: unknown L2NAS preset {value!r}; choose one of {', '.join(PRESETS)}"

        try:  # the config's own checks: types, ranges, known choices
            L2NASConfig.validate_overrides({key: value})
        except (TypeError, ValueError) as err:
            return f"agent {self.name!r}: {err}"
        return None

    def settings(self, env_id: str, hyperparams: Mapping[str, Any]) -> dict[str, Any] | None:
        """Every family's settings of its preset (which family an env id has is known only once the env is
        built), as the fields that differ from :class:`L2NASConfig`'s defaults, the paper's NB201 table:
        a new switch whose default keeps today's behaviour leaves finished cells valid."""
        from nas_gym.agents.l2nas.config import L2NASConfig
        from nas_gym.agents.l2nas.presets import PRESETS

        preset = hyperparams.get("preset", self.preset)
        if preset not in PRESETS:
            return None  # refused by the agent's own checks, with the known presets
        defaults = asdict(L2NASConfig())
        return {
            "preset": preset,
            **{
                family: {key: value for key, value in asdict(cfg).items() if value != defaults[key]}
                for family, cfg in sorted(PRESETS[preset].items())
            },
        }

    def config_for(self, env_id: str, hyperparams: Mapping[str, Any]) -> Any:
        """The :class:`L2NASConfig` this agent runs ``env_id`` with: its preset (or ``hyperparams["preset"]``)
        resolved for the env's search space, with the ``L2NASConfig`` fields of ``hyperparams`` applied.
        Two agents (or two recorded cells) with equal configs here make the same search on that env, even
        where :meth:`settings`, which holds every family of a preset, differ. Builds the env once."""
        from nas_gym.agents.l2nas.config import L2NASConfig
        from nas_gym.agents.l2nas.presets import resolve_preset

        env = gym.make(env_id)
        try:
            space = search_env(env).search_space.name
        finally:
            env.close()
        config = resolve_preset(hyperparams.get("preset", self.preset), space)
        return replace(config, **{k: v for k, v in hyperparams.items() if k in L2NASConfig.field_names()})

    def run(self, env: gym.Env, env_id: str, seed: int, overrides: dict[str, Any]) -> dict:
        from nas_gym.agents.l2nas import L2NAS

        settings = dict(overrides)
        model = L2NAS("MlpPolicy", env, preset=settings.pop("preset", self.preset), seed=seed, **settings)
        _run_one_episode(model, env)
        return model.hyperparameters()


@dataclass(frozen=True)
class SB3Agent(Agent):
    """A Stable-Baselines3 algorithm with its tuned settings of ``agents/hyperparams/<name>.yml``."""

    kind: ClassVar[str] = "sb3"

    def _declare_hyperparameters(self) -> dict[str, inspect.Parameter]:
        from nas_gym.agents.sb3 import ZOO_ONLY, algorithm_class

        extra = {n: _keyword(n) for n in (*ZOO_ONLY, "noise_type", "noise_std")}
        return _overrides_of({**inspect.signature(algorithm_class(self.name)).parameters, **extra}, {"env", "seed"})

    def settings(self, env_id: str, hyperparams: Mapping[str, Any]) -> dict[str, Any] | None:
        """Its YAML entry for ``env_id``: editing ``hyperparams/<algo>.yml`` makes cells that used it stale."""
        from nas_gym.agents.sb3 import load_hyperparams

        try:
            return load_hyperparams(self.name, env_id)
        except ValueError:
            return None  # a missing YAML entry is refused when the cell runs, naming the file

    def run(self, env: gym.Env, env_id: str, seed: int, overrides: dict[str, Any]) -> dict:
        from nas_gym.agents.sb3 import make_sb3

        model, used = make_sb3(self.name, env, env_id, seed, overrides)
        _run_one_episode(model, env)
        return used


def _summary(cls: type) -> str:
    return (cls.__doc__ or cls.__name__).strip().splitlines()[0]


AGENTS: dict[str, Agent] = {
    agent.name: agent
    for agent in (
        L2NASAgent(
            "l2nas", "L2NAS, our improved preset (v6: v5 with a local search that moves on, on DARTS)", preset="v6"
        ),
        L2NASAgent("l2nas-v5", "L2NAS, preset v5 (v4 with standardised critic targets on DARTS)", preset="v5"),
        L2NASAgent("l2nas-v4", "L2NAS, preset v4 (critic ensemble, Thompson screening)", preset="v4"),
        L2NASAgent("l2nas-v3", "L2NAS, preset v3 (rank-trained actor distribution)", preset="v3"),
        L2NASAgent("l2nas-v2", "L2NAS, the previous improved preset (v2)", preset="improved"),
        L2NASAgent("l2nas-paper", "L2NAS with the paper's printed hyperparameters", preset="paper"),
        L2NASAgent(
            "l2nas-paper-lr1e-4", "L2NAS as printed but actor lr 1e-4 and reflected noise", preset="paper-lr1e-4"
        ),
        # every ask/tell baseline proposes whole architectures as op codes: any absolute action space
        *(SearcherAgent(name, _summary(cls), searcher=cls) for name, cls in SEARCHERS.items()),
        # OFA's own search: bound to the env's latency table and limit, so only for OFA ids
        EnvSearcherAgent(
            "ofa-evolution",
            "OFA tutorial's evolution under the env's latency limit",
            searcher=OFAEvolution,
            benchmarks=("ofa",),
        ),
        SB3Agent("ppo", "SB3 PPO with agents/hyperparams/ppo.yml"),
        SB3Agent("a2c", "SB3 A2C with agents/hyperparams/a2c.yml"),
        SB3Agent("sac", "SB3 SAC with agents/hyperparams/sac.yml", action_types=("continuous",)),
        SB3Agent("td3", "SB3 TD3 with agents/hyperparams/td3.yml", action_types=("continuous",)),
        SB3Agent("ddpg", "SB3 DDPG with agents/hyperparams/ddpg.yml", action_types=("continuous",)),
    )
}
"""Every agent by name. The order is the order of help texts and of the docs' agent table."""


def agent_entry(name: str) -> Agent:
    if name not in AGENTS:
        raise ValueError(f"unknown agent {name!r}; choose one of {', '.join(AGENTS)}")
    return AGENTS[name]


def agents_that_fit(action_type: str, action_mode: str = "absolute", benchmark: str | None = None) -> list[str]:
    """Agents that can act in that action space (and search env family ``benchmark``, when given)."""
    return [name for name, agent in AGENTS.items() if agent.fits(action_type, action_mode, benchmark)]


def check_fits(name: str, env_id: str, env_kwargs: Mapping[str, Any] | None = None) -> None:
    """Refuse ``name`` on ``env_id`` (with ``env_kwargs``) when it cannot act in that action space
    or cannot search that env family, listing the agents that fit."""
    agent = agent_entry(name)
    kwargs = {**gym.spec(env_id).kwargs, **(env_kwargs or {})}
    action_type, action_mode = kwargs.get("action_type", "continuous"), kwargs.get("action_mode", "absolute")
    benchmark = kwargs.get("benchmark")
    fitting = ", ".join(agents_that_fit(action_type, action_mode, benchmark))
    if agent.benchmarks is not None and benchmark not in agent.benchmarks:
        raise ValueError(
            f"agent {name!r} searches only {' or '.join(agent.benchmarks)} envs, not {env_id} "
            f"(benchmark {benchmark!r}); agents that fit {env_id}: {fitting}"
        )
    if not agent.fits(action_type, action_mode):
        raise ValueError(
            f"agent {name!r} cannot act on {env_id} (action_type={action_type!r}, action_mode={action_mode!r}): "
            f"it supports action_type {' or '.join(agent.action_types)}"
            f"{'' if agent.delta_ok else ' with action_mode=absolute'}; "
            f"agents that fit: {fitting}"
        )


def hyperparameter_names(name: str) -> set[str]:
    """Keyword overrides agent ``name`` accepts (``hyperparams`` of a study, ``--hyperparams`` of search)."""
    return set(agent_entry(name).hyperparameters)


def hyperparameter_problem(name: str, key: str, value: Any) -> str | None:
    """Why ``key: value`` is not a valid override of agent ``name`` (unknown name, wrong type), or None."""
    return agent_entry(name).hyperparameter_problem(key, value)


def check_hyperparameters(name: str, hyperparams: Mapping[str, Any]) -> None:
    """Refuse overrides agent ``name`` does not accept or whose type is wrong, naming what it accepts."""
    for key, value in hyperparams.items():
        problem = hyperparameter_problem(name, key, value)
        if problem is not None:
            raise ValueError(problem)


def agent_settings(name: str, env_id: str, hyperparams: Mapping[str, Any]) -> dict[str, Any] | None:
    """The settings agent ``name`` reads from outside the study file, as data; None for searchers.

    A study cell names an L2NAS preset (or an SB3 YAML entry), not its values. These values go
    into the cell's spec, so redefining a preset or editing ``hyperparams/<algo>.yml`` makes the
    cells that used it stale and ``--resume`` redoes them instead of keeping old results.
    """
    return agent_entry(name).settings(env_id, hyperparams)


def run_agent(name: str, env: gym.Env, env_id: str, seed: int, overrides: dict[str, Any] | None = None) -> dict:
    """Run one search of agent ``name``; returns the hyperparameters used (for the run summary)."""
    return agent_entry(name).run(env, env_id, seed, dict(overrides or {}))
