"""What a study is, as data: its agents, envs, protocols and seeds, and the cells they make.

The bottom of the harness: this module imports no other harness module. Reading a study file is
:mod:`nas_gym.harness.study`; running its cells is :mod:`nas_gym.harness.runner`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Names (study, agent label, protocol) become folders of OUT/cells, so they must be one plain path part.
NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+=@-]{0,99}")
MAX_SEED = 2**32 - 1  # numpy's and SB3's seed range
MAX_SEEDS = 10_000  # a count, or a list length: far above any study, far below an allocation problem
MAX_BUDGET = 10**9


class StudyError(ValueError):
    """A study file that cannot run; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class AgentSpec:
    """One agent entry; ``budget`` caps its cells' queries (None: the study's largest budget)."""

    label: str
    agent: str
    hyperparams: dict[str, Any] = field(default_factory=dict)
    budget: int | None = None


@dataclass(frozen=True)
class EnvSpec:
    id: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProtocolSpec:
    name: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cell:
    """One search: an agent on an env under a protocol with a seed, at the study's largest budget."""

    protocol: str
    env_id: str
    agent_label: str
    agent: str
    seed: int
    budget: int
    env_kwargs: dict[str, Any]
    hyperparams: dict[str, Any]

    @property
    def relpath(self) -> Path:
        """Folder of the cell inside ``OUT/cells``."""
        return Path(self.protocol) / self.env_id / self.agent_label / f"seed-{self.seed}"

    def spec(self) -> dict[str, Any]:
        """Everything that determines the cell's result (JSON-ready).

        Besides the fields, the values of the agent's preset or YAML entry
        (:func:`~nas_gym.agents.registry.agent_settings`): a redefined preset makes the cell stale.
        """
        from nas_gym.agents.registry import agent_settings

        spec = asdict(self)
        settings = agent_settings(self.agent, self.env_id, self.hyperparams)
        if settings is not None:
            spec["agent_settings"] = settings
        return json.loads(json.dumps(spec, sort_keys=True))

    @property
    def key(self) -> str:
        """Short hash of :meth:`spec`: a finished cell whose spec changed is stale and redone."""
        return hashlib.sha256(json.dumps(self.spec(), sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Study:
    name: str
    description: str
    seeds: tuple[int, ...]
    budgets: tuple[int, ...]
    agents: tuple[AgentSpec, ...]
    envs: tuple[EnvSpec, ...]
    protocols: tuple[ProtocolSpec, ...]
    source: str = ""  # the YAML text, saved beside the results
    filename: str = "<study>"  # where it was read from, for error messages

    @property
    def max_budget(self) -> int:
        return max(self.budgets)

    def agent_budget(self, label: str) -> int:
        """Queries the cells of agent ``label`` run: its ``budget`` cap, else the largest budget.

        Checkpoints above it are *cut* for that agent (reports say so), not unfinished.
        """
        for agent in self.agents:
            if agent.label == label:
                return agent.budget if agent.budget is not None else self.max_budget
        raise KeyError(f"no agent labelled {label!r} in study {self.name!r}")

    def cells(self) -> Iterator[Cell]:
        """Every cell; a capped agent's cells run its cap, the others the largest budget (so an
        uncapped cell's spec, and the key of a finished cell, is the same as before caps existed)."""
        for protocol in self.protocols:
            for env in self.envs:
                for agent in self.agents:
                    budget = self.agent_budget(agent.label)
                    kwargs = {**env.kwargs, **protocol.env_kwargs, "max_queries": budget}
                    for seed in self.seeds:
                        yield Cell(
                            protocol.name, env.id, agent.label, agent.agent, seed, budget, kwargs, agent.hyperparams
                        )
