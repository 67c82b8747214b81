"""The one agent table: every name of ``nas-gym search --agent`` and of a study's ``agents``.

Each entry says how the agent runs, which hyperparameters it accepts and which action spaces
it supports, so the CLI and the study validator refuse an impossible agent/env pair (L2NAS on a
``-discrete-v0`` id, SAC on op codes) before anything runs, listing the agents that fit.

Every runner takes an env made by ``gym.make`` (already wrapped by the recorder), a seed and
keyword overrides, runs exactly one search episode and returns the hyperparameters it used.
torch and SB3 are imported only by the agents that need them.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from nas_gym.agents.baselines import SEARCHERS, Searcher, run_search
from nas_gym.agents.ofa_evolution import OFAEvolution
from nas_gym.envs.api import search_env


@dataclass(frozen=True)
class AgentEntry:
    """One agent.

    Attributes:
        kind: ``"searcher"`` (ask/tell baseline), ``"l2nas"`` or ``"sb3"``.
        action_types: env ``action_type`` values it can act in (``continuous`` alpha, ``discrete`` op codes).
        delta_ok: whether it can act in ``action_mode="delta"`` (searchers propose whole architectures).
        summary: one line for help texts.
        benchmarks: the env families (``benchmark`` of the env id) it can search; None: every one.
            A space-specific searcher (OFA's evolution reads the env's latency table) names its own.
    """

    kind: str
    action_types: tuple[str, ...]
    delta_ok: bool
    summary: str
    benchmarks: tuple[str, ...] | None = None

    def fits(self, action_type: str, action_mode: str, benchmark: str | None = None) -> bool:
        """Whether it can act in that action space (and, when given, search that env family)."""
        if benchmark is not None and self.benchmarks is not None and benchmark not in self.benchmarks:
            return False
        return action_type in self.action_types and (self.delta_ok or action_mode == "absolute")


_BOTH = ("continuous", "discrete")
ENV_SEARCHERS: dict[str, type[Searcher]] = {"ofa-evolution": OFAEvolution}
"""Ask/tell searchers built from the env (its latency model and limit), not from the space alone."""
L2NAS_PRESETS = {
    "l2nas": "improved",
    "l2nas-v2": "improved",
    "l2nas-paper": "paper",
    "l2nas-paper-lr1e-4": "paper-lr1e-4",
}

AGENTS: dict[str, AgentEntry] = {
    "l2nas": AgentEntry("l2nas", ("continuous",), True, "L2NAS, our improved preset"),
    "l2nas-v2": AgentEntry("l2nas", ("continuous",), True, "L2NAS, the previous improved preset (v2, issue 14)"),
    "l2nas-paper": AgentEntry("l2nas", ("continuous",), True, "L2NAS with the paper's printed hyperparameters"),
    "l2nas-paper-lr1e-4": AgentEntry(
        "l2nas", ("continuous",), True, "L2NAS as printed but actor lr 1e-4 and reflected noise (reproduces Table 1)"
    ),
    # every ask/tell baseline proposes whole architectures as op codes: any absolute action space
    **{
        name: AgentEntry("searcher", _BOTH, False, (cls.__doc__ or name).strip().splitlines()[0])
        for name, cls in SEARCHERS.items()
    },
    # OFA's own search: bound to the env's latency table and limit, so only for OFA ids
    "ofa-evolution": AgentEntry(
        "searcher", _BOTH, False, "OFA tutorial's evolution under the env's latency limit", benchmarks=("ofa",)
    ),
    "ppo": AgentEntry("sb3", _BOTH, True, "SB3 PPO with agents/hyperparams/ppo.yml"),
    "a2c": AgentEntry("sb3", _BOTH, True, "SB3 A2C with agents/hyperparams/a2c.yml"),
    "sac": AgentEntry("sb3", ("continuous",), True, "SB3 SAC with agents/hyperparams/sac.yml"),
    "td3": AgentEntry("sb3", ("continuous",), True, "SB3 TD3 with agents/hyperparams/td3.yml"),
    "ddpg": AgentEntry("sb3", ("continuous",), True, "SB3 DDPG with agents/hyperparams/ddpg.yml"),
}


def agent_entry(name: str) -> AgentEntry:
    if name not in AGENTS:
        raise ValueError(f"unknown agent {name!r}; choose one of {', '.join(AGENTS)}")
    return AGENTS[name]


def agents_that_fit(action_type: str, action_mode: str = "absolute", benchmark: str | None = None) -> list[str]:
    """Agents that can act in that action space (and search env family ``benchmark``, when given)."""
    return [name for name, entry in AGENTS.items() if entry.fits(action_type, action_mode, benchmark)]


def check_fits(name: str, env_id: str, env_kwargs: Mapping[str, Any] | None = None) -> None:
    """Refuse ``name`` on ``env_id`` (with ``env_kwargs``) when it cannot act in that action space
    or cannot search that env family, listing the agents that fit."""
    entry = agent_entry(name)
    kwargs = {**gym.spec(env_id).kwargs, **(env_kwargs or {})}
    action_type, action_mode = kwargs.get("action_type", "continuous"), kwargs.get("action_mode", "absolute")
    benchmark = kwargs.get("benchmark")
    fitting = ", ".join(agents_that_fit(action_type, action_mode, benchmark))
    if entry.benchmarks is not None and benchmark not in entry.benchmarks:
        raise ValueError(
            f"agent {name!r} searches only {' or '.join(entry.benchmarks)} envs, not {env_id} "
            f"(benchmark {benchmark!r}); agents that fit {env_id}: {fitting}"
        )
    if not entry.fits(action_type, action_mode):
        raise ValueError(
            f"agent {name!r} cannot act on {env_id} (action_type={action_type!r}, action_mode={action_mode!r}): "
            f"it supports action_type {' or '.join(entry.action_types)}"
            f"{'' if entry.delta_ok else ' with action_mode=absolute'}; "
            f"agents that fit: {fitting}"
        )


def hyperparameter_names(name: str) -> set[str]:
    """Keyword overrides agent ``name`` accepts (``hyperparams`` of a study, ``--hyperparams`` of search)."""
    return set(_hyperparameters(name))


@functools.cache
def _hyperparameters(name: str) -> dict[str, inspect.Parameter]:
    """Every override of agent ``name`` with its declaration (name and type annotation)."""
    entry = agent_entry(name)
    params: Mapping[str, inspect.Parameter]
    if name in ENV_SEARCHERS:  # the env gives its latency model and limit
        params, skip = inspect.signature(ENV_SEARCHERS[name]).parameters, {"space", "rng", "latency_fn", "limit_ms"}
    elif entry.kind == "searcher":
        params, skip = inspect.signature(SEARCHERS[name]).parameters, {"space", "rng"}
    elif entry.kind == "l2nas":  # every L2NASConfig field; its own checks run in hyperparameter_problem
        from nas_gym.agents.l2nas.config import L2NASConfig

        names = sorted(L2NASConfig.field_names())
        return {n: inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in names}
    else:
        from nas_gym.agents.sb3 import ZOO_ONLY, algorithm_class

        extra = {
            n: inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in (*ZOO_ONLY, "noise_type", "noise_std")
        }
        params, skip = {**inspect.signature(algorithm_class(name)).parameters, **extra}, {"env", "seed"}
    return {k: v for k, v in params.items() if k not in skip and v.kind != v.VAR_KEYWORD}


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


def hyperparameter_problem(name: str, key: str, value: Any) -> str | None:
    """Why ``key: value`` is not a valid override of agent ``name`` (unknown name, wrong type), or None."""
    params = _hyperparameters(name)
    if key not in params:
        return f"agent {name!r} has no hyperparameter {key!r}; known: {', '.join(sorted(params))}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"hyperparameter {key!r} of {name!r} must be finite, got {value!r}"
    if agent_entry(name).kind == "l2nas":
        from nas_gym.agents.l2nas.config import L2NASConfig

        try:
            L2NASConfig.validate_overrides({key: value})
        except (TypeError, ValueError) as err:
            return f"agent {name!r}: {err}"
        return None
    names = _accepted_types(params[key])
    if names is None:
        return None
    ok = any(isinstance(value, _SCALARS[n]) and (n == "bool" or not isinstance(value, bool)) for n in names)
    return None if ok else f"hyperparameter {key!r} of {name!r} must be {' or '.join(names)}, got {value!r}"


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
    cells that used it stale and ``--resume`` redoes them instead of keeping old results. L2NAS
    gives every family's settings of its preset (which family an env id has is known only once
    the env is built) as the fields that differ from :class:`L2NASConfig`'s defaults, the
    paper's NB201 table: a new switch whose default keeps today's behaviour leaves finished
    cells valid. Searchers' settings are their code's defaults, as for any code change.
    """
    entry = agent_entry(name)
    if entry.kind == "l2nas":
        from dataclasses import asdict

        from nas_gym.agents.l2nas.config import L2NASConfig
        from nas_gym.agents.l2nas.presets import PRESETS

        preset = hyperparams.get("preset", L2NAS_PRESETS.get(name))
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
    if entry.kind == "sb3":
        from nas_gym.agents.sb3 import load_hyperparams

        try:
            return load_hyperparams(name, env_id)
        except ValueError:
            return None  # a missing YAML entry is refused when the cell runs, naming the file
    return None


def run_agent(name: str, env: gym.Env, env_id: str, seed: int, overrides: dict[str, Any] | None = None) -> dict:
    """Run one search of agent ``name``; returns the hyperparameters used (for the run summary)."""
    overrides = dict(overrides or {})
    entry = agent_entry(name)
    if name in ENV_SEARCHERS:
        from nas_gym.agents.ofa_evolution import make_searcher

        run_search(make_searcher(name, env, seed, **overrides), env, seed=seed)
        return overrides
    if entry.kind == "searcher":
        searcher = SEARCHERS[name](search_env(env).search_space, np.random.default_rng(seed), **overrides)
        run_search(searcher, env, seed=seed)
        return overrides
    from stable_baselines3.common.callbacks import StopTrainingOnMaxEpisodes

    stop = StopTrainingOnMaxEpisodes(max_episodes=1)
    steps = search_env(env).step_cap
    if entry.kind == "l2nas":
        from nas_gym.agents.l2nas import L2NAS

        model = L2NAS("MlpPolicy", env, preset=L2NAS_PRESETS[name], seed=seed, **overrides)
        model.learn(total_timesteps=steps, callback=stop)
        return model.hyperparameters()
    from nas_gym.agents.sb3 import make_sb3

    model, used = make_sb3(name, env, env_id, seed, overrides)
    model.learn(total_timesteps=steps, callback=stop)
    return used
