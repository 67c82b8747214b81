"""A study: agents x envs x protocols x seeds, read from YAML and checked before anything runs.

A study file looks like::

    name: smoke
    seeds: 2                      # or a list [0, 1, 5]
    budgets: [25, 50]             # each cell runs the largest; smaller ones are checkpoints of it
    agents:
      - agent: rs
      - agent: l2nas
        label: l2nas-lr1e-4       # optional; needed when one agent appears twice
        hyperparams: {actor_lr: 1.0e-4}
      - agent: tpe
        budget: 25                # optional cap: this agent's cells run 25 queries; larger budgets are "cut"
    envs:
      - id: NB201-cifar10-v0
        kwargs: {}
    protocols:                    # optional; each protocol is a set of env kwargs applied to every env
      - name: val12
        env_kwargs: {signal: val12, budget: steps}

Every problem is reported as ``file:line: message`` with the offending line, so a typo in a
500-cell study is refused in a second instead of after an hour of compute.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nas_gym.data.store import DataError

# Names (study, agent label, protocol) become folders of OUT/cells, so they must be one plain path part.
NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+=@-]{0,99}")
MAX_SEED = 2**32 - 1  # numpy's and SB3's seed range
MAX_SEEDS = 10_000  # a count, or a list length: far above any study, far below an allocation problem
MAX_BUDGET = 10**9

TOP_KEYS = ("name", "description", "seeds", "budgets", "agents", "envs", "protocols")
# Env kwargs a study may not set: the harness sets the budget, the data cache is a property of the machine.
RESERVED_ENV_KWARGS = {
    "max_queries": "set by `budgets` (each cell runs the largest budget)",
    "cache": "machine-specific: pass --cache to nas-gym bench",
    "render_mode": "the harness does not render",
}

Path_ = tuple[str | int, ...]


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

    def stages(self, todo: list[Cell], store: Any) -> Iterator[tuple[list[Cell], Any]]:
        """The pending cells ``todo`` in groups that run one after the other, each with how its cells
        run (``None``: the agent's own search). A plain study is one group; a transfer study
        (:mod:`nas_gym.harness.transfer`) first runs the pretraining that its fine-tuning cells load
        from ``store``, the :class:`~nas_gym.harness.store.ResultStore` of the run."""
        yield list(todo), None

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


class _Located:
    """The parsed YAML plus the line of every key and list item, for error messages.

    The node tree is indexed before anything is constructed, so a duplicate key or an alias
    (the ``*name`` of a "billion laughs" bomb) is refused at its line instead of silently
    keeping the last value or expanding without bound.
    """

    def __init__(self, text: str, filename: str):
        self.filename, self.lines_of_text = filename, text.splitlines()
        self.lines: dict[Path_, int] = {}
        self._seen: set[int] = set()
        try:
            loader = yaml.SafeLoader(text)
            try:
                node = loader.get_single_node()
                if node is not None:
                    self._index(node, ())
                self.data = loader.construct_document(node) if node is not None else None
            finally:
                loader.dispose()
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            detail = "; ".join(filter(None, (getattr(err, "context", None), getattr(err, "problem", None)))) or str(err)
            raise StudyError(self._format(line, f"not valid YAML: {detail}")) from None

    def _index(self, node: yaml.Node, path: Path_) -> None:
        line = node.start_mark.line + 1
        if id(node) in self._seen:
            raise StudyError(self._format(line, "YAML aliases (*name) are not allowed in a study; write the value out"))
        self._seen.add(id(node))
        self.lines.setdefault(path, line)
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in keys:
                    raise StudyError(self._format(key_node.start_mark.line + 1, f"duplicate key {key!r}; keep one"))
                keys.add(key)
                child = (*path, key)
                self.lines[child] = key_node.start_mark.line + 1
                self._index(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._index(item, (*path, i))

    def line(self, path: Path_) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def _format(self, line: int, message: str) -> str:
        text = self.lines_of_text[line - 1].rstrip() if 0 < line <= len(self.lines_of_text) else ""
        return f"{self.filename}:{line}: {message}\n    {line:>4} | {text}"

    def error(self, path: Path_, message: str) -> StudyError:
        return StudyError(self._format(self.line(path), message))


def _mapping(doc: _Located, value: Any, path: Path_, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise doc.error(path, f"{what} must be a mapping (key: value), got {type(value).__name__}")
    return value


def _known_keys(doc: _Located, value: dict, allowed: tuple[str, ...], path: Path_, what: str) -> None:
    for key in value:
        if key not in allowed:
            raise doc.error((*path, str(key)), f"unknown {what} key {key!r}; allowed: {', '.join(allowed)}")


def _entries(doc: _Located, top: dict, key: str, shape: str) -> list:
    value = top[key]
    if not isinstance(value, list) or not value:
        raise doc.error((key,), f"{key} must be a non-empty list of {shape}")
    return value


def agent_kwarg_names(agent: str) -> set[str]:
    """Keyword overrides agent ``agent`` accepts (``hyperparams`` of a study, ``--hyperparams`` of search)."""
    from nas_gym.agents.registry import hyperparameter_names

    return hyperparameter_names(agent)


def hyperparam_problem(agent: str, key: str, value: Any) -> str | None:
    """Why ``key: value`` is not a valid override of ``agent`` (unknown name, wrong type), or None."""
    from nas_gym.agents.registry import hyperparameter_problem

    return hyperparameter_problem(agent, key, value)


def env_kwarg_names(env_id: str) -> set[str]:
    """Keyword arguments ``gym.make(env_id, ...)`` accepts for a nas-gym id: search and benchmark kwargs."""
    import gymnasium as gym

    from nas_gym.envs.families import accepted_kwargs

    spec = gym.spec(env_id)
    return set(accepted_kwargs(spec.kwargs["benchmark"])) | set(spec.kwargs)


def _check_env_kwargs(doc: _Located, kwargs: dict, env_ids: list[str], path: Path_) -> None:
    for key in kwargs:
        if key in RESERVED_ENV_KWARGS:
            raise doc.error((*path, key), f"env kwarg {key!r} cannot be set in a study: {RESERVED_ENV_KWARGS[key]}")
        for env_id in env_ids:
            known = env_kwarg_names(env_id)
            if key not in known:
                raise doc.error(
                    (*path, key), f"unknown env kwarg {key!r} for {env_id}; known: {', '.join(sorted(known))}"
                )


def _check_name(doc: _Located, value: Any, path: Path_, what: str) -> str:
    """A name that becomes a folder of ``OUT/cells``: no '/', no '.' or '..', no hidden or odd characters."""
    if not isinstance(value, str) or not NAME_RE.fullmatch(value):
        raise doc.error(
            path,
            f"{what} must be 1-100 letters, digits or _ . + = @ - and start with a letter, digit or _ "
            f"(it names a results folder), got {value!r}",
        )
    return value


def _int_list(doc: _Located, value: Any, path: Path_, what: str) -> tuple[int, ...]:
    low, high = (1, MAX_BUDGET) if what == "budgets" else (0, MAX_SEED)
    if isinstance(value, int) and not isinstance(value, bool) and what == "seeds":
        if not 1 <= value <= MAX_SEEDS:
            raise doc.error(path, f"seeds must be a count in 1..{MAX_SEEDS} or a list of seeds, got {value}")
        return tuple(range(value))
    if not isinstance(value, list) or not value:
        raise doc.error(path, f"{what} must be a non-empty list of integers")
    if len(value) > MAX_SEEDS:
        raise doc.error(path, f"{what} lists {len(value)} entries; at most {MAX_SEEDS}")
    for i, item in enumerate(value):
        if not isinstance(item, int) or isinstance(item, bool) or not low <= item <= high:
            raise doc.error((*path, i), f"{what} entries must be integers in {low}..{high}, got {item!r}")
    if len(set(value)) != len(value):
        raise doc.error(path, f"{what} has duplicates: {value}")
    return tuple(sorted(value)) if what == "budgets" else tuple(value)


def _agent_budget(doc: _Located, value: Any, path: Path_, budgets: tuple[int, ...]) -> int | None:
    """An agent's ``budget`` cap: an integer up to the study's largest budget (None: no cap)."""
    if value is None:
        return None
    top = max(budgets)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
        raise doc.error(
            path,
            f"an agent's budget caps its cells' queries: an integer in 1..{top} (the study's largest budget), "
            f"got {value!r}; drop it to run the largest budget",
        )
    return value


def _parse_agent(doc: _Located, raw: Any, path: Path_, taken: set[str], budgets: tuple[int, ...]) -> AgentSpec:
    from nas_gym.agents.registry import AGENTS

    entry = _mapping(doc, raw, path, "an agent entry")
    _known_keys(doc, entry, ("agent", "label", "hyperparams", "budget"), path, "agent")
    agent = entry.get("agent")
    if agent not in AGENTS:
        raise doc.error((*path, "agent"), f"unknown agent {agent!r}; choose one of {', '.join(AGENTS)}")
    label = _check_name(doc, entry.get("label", agent), (*path, "label"), "label")
    if label in taken:
        raise doc.error(path, f"two agents are labelled {label!r}; give each a distinct label:")
    hyperparams = _mapping(doc, entry.get("hyperparams"), (*path, "hyperparams"), "hyperparams")
    for key, value in hyperparams.items():
        problem = hyperparam_problem(agent, key, value)
        if problem is not None:
            raise doc.error((*path, "hyperparams", key), problem)
    budget = _agent_budget(doc, entry.get("budget"), (*path, "budget"), budgets)
    return AgentSpec(label, agent, dict(hyperparams), budget)


def _parse_env(doc: _Located, raw: Any, path: Path_, taken: set[str]) -> EnvSpec:
    import nas_gym

    entry = _mapping(doc, raw, path, "an env entry")
    _known_keys(doc, entry, ("id", "kwargs"), path, "env")
    env_id = entry.get("id")
    if env_id not in nas_gym.ENV_IDS:
        raise doc.error((*path, "id"), f"unknown env {env_id!r}; registered: {', '.join(nas_gym.ENV_IDS)}")
    if env_id in taken:
        raise doc.error(path, f"env {env_id!r} is listed twice; vary env kwargs through protocols")
    kwargs = _mapping(doc, entry.get("kwargs"), (*path, "kwargs"), "env kwargs")
    _check_env_kwargs(doc, kwargs, [env_id], (*path, "kwargs"))
    return EnvSpec(env_id, dict(kwargs))


def _parse_protocol(doc: _Located, raw: Any, path: Path_, envs: list[EnvSpec], taken: set[str]) -> ProtocolSpec:
    entry = _mapping(doc, raw, path, "a protocol entry")
    _known_keys(doc, entry, ("name", "env_kwargs"), path, "protocol")
    pname = _check_name(doc, entry.get("name"), (*path, "name"), "a protocol name")
    if pname in taken:
        raise doc.error((*path, "name"), f"two protocols are named {pname!r}")
    kwargs = _mapping(doc, entry.get("env_kwargs"), (*path, "env_kwargs"), "protocol env_kwargs")
    _check_env_kwargs(doc, kwargs, [e.id for e in envs], (*path, "env_kwargs"))
    for env_index, env in enumerate(envs):
        clash = sorted(set(kwargs) & set(env.kwargs))
        if clash:
            raise doc.error(
                (*path, "env_kwargs", clash[0]),
                f"protocol {pname!r} and env {env.id} (envs[{env_index}]) both set {clash}; set it in one place",
            )
    return ProtocolSpec(pname, dict(kwargs))


def parse_study(text: str, filename: str = "<study>") -> Study:
    """Parse and statically check a study (agent names, env ids, kwarg names, budgets, seeds)."""
    doc = _Located(text, filename)
    top = _mapping(doc, doc.data, (), "a study")
    _known_keys(doc, top, TOP_KEYS, (), "study")
    for key in ("name", "seeds", "budgets", "agents", "envs"):
        if key not in top:
            raise doc.error((), f"the study has no {key!r}; required keys: name, seeds, budgets, agents, envs")
    name = _check_name(doc, top["name"], ("name",), "name")
    seeds = _int_list(doc, top["seeds"], ("seeds",), "seeds")
    budgets = _int_list(doc, top["budgets"], ("budgets",), "budgets")
    agents: list[AgentSpec] = []
    for i, raw in enumerate(_entries(doc, top, "agents", "{agent: NAME, label:, hyperparams:, budget:}")):
        agents.append(_parse_agent(doc, raw, ("agents", i), {a.label for a in agents}, budgets))
    envs: list[EnvSpec] = []
    for i, raw in enumerate(_entries(doc, top, "envs", "{id: ENV_ID, kwargs: {...}}")):
        envs.append(_parse_env(doc, raw, ("envs", i), {e.id for e in envs}))
    raw_protocols = top.get("protocols") or [{"name": "default", "env_kwargs": {}}]
    if not isinstance(raw_protocols, list):
        raise doc.error(("protocols",), "protocols must be a list of {name: NAME, env_kwargs: {...}}")
    protocols: list[ProtocolSpec] = []
    for i, raw in enumerate(raw_protocols):
        protocols.append(_parse_protocol(doc, raw, ("protocols", i), envs, {p.name for p in protocols}))
    description = top.get("description", "")
    return Study(name, str(description), seeds, budgets, tuple(agents), tuple(envs), tuple(protocols), text, filename)


def read_study_text(path: Path) -> str:
    """The study file as text; a file that is not UTF-8 is refused at the line of its first bad byte."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise StudyError(
            f"{path}:{line}: the file is not UTF-8 text (byte {data[err.start]:#04x} at offset {err.start}); "
            "save it as UTF-8"
        ) from None


def load_study(path: str | Path) -> Study:
    """Read and statically check the study file ``path`` (see :func:`parse_study`)."""
    path = Path(path)
    if not path.is_file():
        raise StudyError(f"{path}: no such study file; bundled studies: {', '.join(bundled_studies())}")
    text = read_study_text(path)
    from nas_gym.harness.transfer import is_transfer_study, parse_transfer_study

    if is_transfer_study(text):
        return parse_transfer_study(text, str(path))
    return parse_study(text, str(path))


def check_envs(study: Study, cache: str | None = None) -> None:
    """Make every (env, protocol) pair once, so bad kwarg *values* (``signal=foo``) and missing data
    stop the study before any cell runs. Errors name the offending line of the study file."""

    from nas_gym.agents.registry import check_fits
    from nas_gym.envs.api import make_env

    doc = _Located(study.source, study.filename) if study.source else None
    for p_index, protocol in enumerate(study.protocols):
        for e_index, env in enumerate(study.envs):
            kwargs = {**env.kwargs, **protocol.env_kwargs, "max_queries": study.max_budget}
            try:
                for agent in study.agents:
                    check_fits(agent.agent, env.id, kwargs)
                make_env(env.id, kwargs, cache).close()
            except (ValueError, TypeError, OSError, DataError) as err:
                message = f"cannot make {env.id} with {kwargs} (protocol {protocol.name!r}): {err}"
                if doc is None:
                    raise StudyError(message) from None
                where = ("protocols", p_index, "env_kwargs") if protocol.env_kwargs else ("envs", e_index)
                raise doc.error(where, message) from None


STUDIES_DIR = Path(__file__).resolve().parents[1] / "studies"


def bundled_studies() -> dict[str, Path]:
    """The studies shipped with the package (``nas_gym/studies/*.yaml``), by file stem."""
    return {p.stem: p for p in sorted(STUDIES_DIR.glob("*.yaml"))}


def resolve_study_path(name_or_path: str) -> Path:
    """A path as given, or the bundled study of that name (``nas-gym bench smoke``)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    return bundled_studies().get(name_or_path, path)
