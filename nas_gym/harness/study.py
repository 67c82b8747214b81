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

from pathlib import Path
from typing import Any

from nas_gym.harness.spec import AgentSpec, Cell, EnvSpec, ProtocolSpec, Study, StudyError
from nas_gym.harness.transfer import is_transfer_study, parse_transfer_study
from nas_gym.harness.yaml_source import LocatedYAML, Path_, check_name, entries, int_list, known_keys, mapping

TOP_KEYS = ("name", "description", "seeds", "budgets", "agents", "envs", "protocols")
# Env kwargs a study may not set: the harness sets the budget, the data cache is a property of the machine.
RESERVED_ENV_KWARGS = {
    "max_queries": "set by `budgets` (each cell runs the largest budget)",
    "cache": "machine-specific: pass --cache to nas-gym bench",
    "render_mode": "the harness does not render",
}


def env_kwarg_names(env_id: str) -> set[str]:
    """Keyword arguments ``gym.make(env_id, ...)`` accepts for a nas-gym id: search and benchmark kwargs."""
    import gymnasium as gym

    from nas_gym.envs.families import accepted_kwargs

    spec = gym.spec(env_id)
    return set(accepted_kwargs(spec.kwargs["benchmark"])) | set(spec.kwargs)


def _check_env_kwargs(doc: LocatedYAML, kwargs: dict, env_ids: list[str], path: Path_) -> None:
    for key in kwargs:
        if key in RESERVED_ENV_KWARGS:
            raise doc.error((*path, key), f"env kwarg {key!r} cannot be set in a study: {RESERVED_ENV_KWARGS[key]}")
        for env_id in env_ids:
            known = env_kwarg_names(env_id)
            if key not in known:
                raise doc.error(
                    (*path, key), f"unknown env kwarg {key!r} for {env_id}; known: {', '.join(sorted(known))}"
                )


def _agent_budget(doc: LocatedYAML, value: Any, path: Path_, budgets: tuple[int, ...]) -> int | None:
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


def _parse_agent(doc: LocatedYAML, raw: Any, path: Path_, taken: set[str], budgets: tuple[int, ...]) -> AgentSpec:
    from nas_gym.agents.registry import AGENTS, hyperparameter_problem

    entry = mapping(doc, raw, path, "an agent entry")
    known_keys(doc, entry, ("agent", "label", "hyperparams", "budget"), path, "agent")
    agent = entry.get("agent")
    if agent not in AGENTS:
        raise doc.error((*path, "agent"), f"unknown agent {agent!r}; choose one of {', '.join(AGENTS)}")
    label = check_name(doc, entry.get("label", agent), (*path, "label"), "label")
    if label in taken:
        raise doc.error(path, f"two agents are labelled {label!r}; give each a distinct label:")
    hyperparams = mapping(doc, entry.get("hyperparams"), (*path, "hyperparams"), "hyperparams")
    for key, value in hyperparams.items():
        problem = hyperparameter_problem(agent, key, value)
        if problem is not None:
            raise doc.error((*path, "hyperparams", key), problem)
    budget = _agent_budget(doc, entry.get("budget"), (*path, "budget"), budgets)
    return AgentSpec(label, agent, dict(hyperparams), budget)


def _parse_env(doc: LocatedYAML, raw: Any, path: Path_, taken: set[str]) -> EnvSpec:
    import nas_gym

    entry = mapping(doc, raw, path, "an env entry")
    known_keys(doc, entry, ("id", "kwargs"), path, "env")
    env_id = entry.get("id")
    if env_id not in nas_gym.ENV_IDS:
        raise doc.error((*path, "id"), f"unknown env {env_id!r}; registered: {', '.join(nas_gym.ENV_IDS)}")
    if env_id in taken:
        raise doc.error(path, f"env {env_id!r} is listed twice; vary env kwargs through protocols")
    kwargs = mapping(doc, entry.get("kwargs"), (*path, "kwargs"), "env kwargs")
    _check_env_kwargs(doc, kwargs, [env_id], (*path, "kwargs"))
    return EnvSpec(env_id, dict(kwargs))


def _parse_protocol(doc: LocatedYAML, raw: Any, path: Path_, envs: list[EnvSpec], taken: set[str]) -> ProtocolSpec:
    entry = mapping(doc, raw, path, "a protocol entry")
    known_keys(doc, entry, ("name", "env_kwargs"), path, "protocol")
    pname = check_name(doc, entry.get("name"), (*path, "name"), "a protocol name")
    if pname in taken:
        raise doc.error((*path, "name"), f"two protocols are named {pname!r}")
    kwargs = mapping(doc, entry.get("env_kwargs"), (*path, "env_kwargs"), "protocol env_kwargs")
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
    doc = LocatedYAML(text, filename)
    top = mapping(doc, doc.data, (), "a study")
    known_keys(doc, top, TOP_KEYS, (), "study")
    for key in ("name", "seeds", "budgets", "agents", "envs"):
        if key not in top:
            raise doc.error((), f"the study has no {key!r}; required keys: name, seeds, budgets, agents, envs")
    name = check_name(doc, top["name"], ("name",), "name")
    seeds = int_list(doc, top["seeds"], ("seeds",), "seeds")
    budgets = int_list(doc, top["budgets"], ("budgets",), "budgets")
    agents: list[AgentSpec] = []
    for i, raw in enumerate(entries(doc, top, "agents", "{agent: NAME, label:, hyperparams:, budget:}")):
        agents.append(_parse_agent(doc, raw, ("agents", i), {a.label for a in agents}, budgets))
    envs: list[EnvSpec] = []
    for i, raw in enumerate(entries(doc, top, "envs", "{id: ENV_ID, kwargs: {...}}")):
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
    if is_transfer_study(text):
        return parse_transfer_study(text, str(path))
    return parse_study(text, str(path))


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


# The data model is re-exported: a reader of study files gets the types it returns from one place.
__all__ = [
    "Cell",
    "Study",
    "StudyError",
    "bundled_studies",
    "env_kwarg_names",
    "load_study",
    "parse_study",
    "read_study_text",
    "resolve_study_path",
]
