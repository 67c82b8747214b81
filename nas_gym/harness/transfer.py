"""Policy transfer as a study (L2NAS paper, Sec. 4.4 and Eq. 7): pretrain, fine-tune, scratch.

A transfer study file looks like::

    name: transfer-nb201
    seeds: 10                       # fine-tune and scratch seeds per target (a count or a list)
    transfer:
      source: NB201-cifar10-v0      # pretrain here
      targets: [NB201-cifar100-v0, NB201-ImageNet16-120-v0]
      preset: paper                 # L2NAS preset of every arm
      signal: test200               # search signal (the paper's; val12 is the honest one)
      pretrain_steps: 1000
      pretrain_seed: 0
      steps: 1000                   # of each fine-tune / scratch search
      warmup: 500                   # W: uniform random steps before the policy acts

Its cells are ordinary cells of the runner, backends and store, one folder each under
``OUT/cells/<signal>/<env id>/<arm>/seed-<k>``:

1. ``pretrain``: L2NAS on the source with the Eq. 7 reward ``r = 100 ** (acc / acc_env) / 100 - 1``;
   the cell also commits the trained model (``model.zip``, md5 in its manifest).
2. ``transfer``: the saved actor and critic fine-tuned on a target (K = 100, a random warm-up of
   W steps, the target's own ``acc_env``; the replay buffer and top-K history start empty).
3. ``scratch``: the same search on the same target and seeds from a fresh initialisation.

``acc_env`` of every cell is the optimum of the signal on its env's dataset (the paper used the
best supernet validation accuracy, a dataset-level constant playing the same role); it is looked
up where the cell runs and recorded in the cell's ``summary.json``.

The spec of a ``transfer`` cell holds the key of the pretraining cell, so changing anything of
the pretraining (preset, signal, source, steps, seed) makes every fine-tune cell stale, while
the scratch cells, which do not depend on it, stay finished. This module only describes and
parses the study; :mod:`nas_gym.harness.transfer_run` runs it: the pretraining cells in a first
stage, then the fine-tune cells, handed the committed model only after its md5 matched the
pretraining cell's manifest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from nas_gym.harness.spec import AgentSpec, Cell, EnvSpec, ProtocolSpec, Study
from nas_gym.harness.yaml_source import LocatedYAML, int_list, known_keys, mapping

PRETRAIN, TRANSFER, SCRATCH = "pretrain", "transfer", "scratch"
ARMS = (TRANSFER, SCRATCH)
TOP_K = 100  # K of the paper's fine-tuning
# Steps after the warm-up at which the arms are compared (besides the last step): the policy
# only acts after the warm-up, and both arms find the optimum by the end on easy targets.
CHECKPOINT_OFFSETS = (10, 50, 100, 250)
TRANSFER_KEYS = ("source", "targets", "preset", "signal", "pretrain_steps", "pretrain_seed", "steps", "warmup")
DEFAULTS: dict[str, Any] = {
    "preset": "paper",
    "signal": "test200",
    "pretrain_steps": 1000,
    "pretrain_seed": 0,
    "steps": 1000,
    "warmup": 500,
}


@dataclass(frozen=True)
class TransferSpec:
    """The ``transfer:`` section of a transfer study."""

    source: str
    targets: tuple[str, ...]
    preset: str
    signal: str
    pretrain_steps: int
    pretrain_seed: int
    steps: int
    warmup: int

    @property
    def checkpoints(self) -> tuple[int, ...]:
        """Queries at which the arms are compared: shortly after the warm-up, and the last step."""
        early = [self.warmup + d for d in CHECKPOINT_OFFSETS if self.warmup + d < self.steps]
        return (*early, self.steps)

    @property
    def settings(self) -> dict[str, Any]:
        """L2NAS overrides of every arm: the random warm-up replaces epsilon-greedy."""
        return {"preset": self.preset, "warmup_steps": self.warmup, "epsilon": None}

    @property
    def env_kwargs(self) -> dict[str, Any]:
        """Env kwargs of every cell but ``acc_env`` (looked up where the cell runs) and the budget."""
        return {"signal": self.signal, "reward": "transfer", "top_k": TOP_K, "budget": "steps"}


@dataclass(frozen=True)
class TransferCell(Cell):
    """A cell of a transfer study; ``agent_label`` is its arm (pretrain, transfer or scratch).

    ``pretrained`` is the key of the pretraining cell whose model a ``transfer`` cell loads; as
    part of the spec it ties the fine-tune cell to that exact pretraining.
    """

    pretrained: str | None = None


@dataclass(frozen=True)
class TransferStudy(Study):
    """A study whose cells are the pretraining, fine-tune and scratch runs of one transfer experiment."""

    transfer: TransferSpec | None = None

    @property
    def config(self) -> TransferSpec:
        assert self.transfer is not None, "a TransferStudy always has its transfer section"
        return self.transfer

    def _cell(self, arm: str, env_id: str, seed: int, budget: int, pretrained: str | None = None) -> TransferCell:
        kwargs = {**self.config.env_kwargs, "max_queries": budget}
        return TransferCell(
            self.config.signal, env_id, arm, "l2nas", seed, budget, kwargs, self.config.settings, pretrained
        )

    def pretrain_cell(self) -> TransferCell:
        return self._cell(PRETRAIN, self.config.source, self.config.pretrain_seed, self.config.pretrain_steps)

    def cells(self) -> Iterator[Cell]:
        pretrain = self.pretrain_cell()
        yield pretrain
        for target in self.config.targets:
            for arm in ARMS:
                for seed in self.seeds:
                    yield self._cell(arm, target, seed, self.config.steps, pretrain.key if arm == TRANSFER else None)


def is_transfer_study(text: str) -> bool:
    """Whether a study file is a transfer study (it has a top-level ``transfer:`` section)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return False  # parse_study reports the syntax error with its line
    return isinstance(data, dict) and "transfer" in data


def _env_id(doc: LocatedYAML, value: Any, path: tuple, what: str) -> str:
    import nas_gym

    if value not in nas_gym.ENV_IDS:
        raise doc.error(path, f"unknown {what} env {value!r}; registered: {', '.join(nas_gym.ENV_IDS)}")
    return value


def _int(doc: LocatedYAML, section: dict, key: str, low: int) -> int:
    value = section.get(key, DEFAULTS[key])
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise doc.error(("transfer", key), f"transfer.{key} must be an integer >= {low}, got {value!r}")
    return value


def _transfer_spec(doc: LocatedYAML, raw: Any) -> TransferSpec:
    from nas_gym.agents.l2nas import PRESETS

    section = mapping(doc, raw, ("transfer",), "transfer")
    known_keys(doc, section, TRANSFER_KEYS, ("transfer",), "transfer")
    for key in ("source", "targets"):
        if key not in section:
            raise doc.error(("transfer",), f"transfer has no {key!r}: name the env to pretrain on and the targets")
    source = _env_id(doc, section["source"], ("transfer", "source"), "source")
    targets = section["targets"]
    if not isinstance(targets, list) or not targets:
        raise doc.error(("transfer", "targets"), "transfer.targets must be a non-empty list of env ids")
    for i, target in enumerate(targets):
        _env_id(doc, target, ("transfer", "targets", i), "target")
        if target == source:
            raise doc.error(("transfer", "targets", i), f"the source {source} is also a target")
        if target in targets[:i]:
            raise doc.error(("transfer", "targets", i), f"target {target} is listed twice")
    preset = section.get("preset", DEFAULTS["preset"])
    if preset not in PRESETS:
        raise doc.error(("transfer", "preset"), f"unknown L2NAS preset {preset!r}; choose one of {', '.join(PRESETS)}")
    signal = section.get("signal", DEFAULTS["signal"])
    if not isinstance(signal, str) or not signal:
        raise doc.error(("transfer", "signal"), f"transfer.signal must be a metric name such as val12, got {signal!r}")
    steps, warmup = _int(doc, section, "steps", 1), _int(doc, section, "warmup", 0)
    if warmup >= steps:
        message = f"transfer.steps ({steps}) must exceed the random warm-up transfer.warmup ({warmup})"
        raise doc.error(("transfer", "warmup"), message)
    return TransferSpec(
        source,
        tuple(targets),
        preset,
        signal,
        _int(doc, section, "pretrain_steps", 1),
        _int(doc, section, "pretrain_seed", 0),
        steps,
        warmup,
    )


def parse_transfer_study(text: str, filename: str = "<study>") -> TransferStudy:
    """Parse and statically check a transfer study; problems are reported as ``file:line: message``."""
    doc = LocatedYAML(text, filename)
    top = mapping(doc, doc.data, (), "a study")
    known_keys(doc, top, ("name", "description", "seeds", "transfer"), (), "transfer study")
    for key in ("name", "seeds"):
        if key not in top:
            raise doc.error((), f"the transfer study has no {key!r}; required keys: name, seeds, transfer")
    name = top["name"]
    if not isinstance(name, str) or not name or "/" in name:
        raise doc.error(("name",), f"name must be a non-empty string without '/', got {name!r}")
    seeds = int_list(doc, top["seeds"], ("seeds",), "seeds")
    if len(seeds) < 2:
        raise doc.error(("seeds",), f"a transfer study needs >= 2 seeds to compare its arms, got {list(seeds)}")
    spec = _transfer_spec(doc, top["transfer"])
    agents = tuple(AgentSpec(arm, "l2nas", spec.settings) for arm in (PRETRAIN, *ARMS))
    envs = tuple(EnvSpec(env_id) for env_id in (spec.source, *spec.targets))
    # What check_envs makes before anything runs (acc_env, hence the Eq. 7 reward, is per env).
    protocol = ProtocolSpec(spec.signal, {"signal": spec.signal, "top_k": TOP_K, "budget": "steps"})
    description = str(top.get("description", ""))
    return TransferStudy(
        name, description, seeds, spec.checkpoints, agents, envs, (protocol,), text, filename, transfer=spec
    )


def transfer_study_yaml(name: str, seeds: int | list[int], description: str = "", **transfer: Any) -> str:
    """The YAML of a transfer study (what ``nas-gym transfer`` runs for its flags)."""
    study = {"name": name, "description": description, "seeds": seeds, "transfer": transfer}
    return yaml.safe_dump(study, sort_keys=False, default_flow_style=None)


__all__ = [
    "ARMS",
    "PRETRAIN",
    "SCRATCH",
    "TRANSFER",
    "TransferCell",
    "TransferSpec",
    "TransferStudy",
    "is_transfer_study",
    "parse_transfer_study",
    "transfer_study_yaml",
]
