"""Relabel an agent's finished cells in a results folder, so a renamed agent's runs stay valid for ``--resume``.

When a preset moves to a new agent name (``l2nas`` -> ``l2nas-v3`` at v4), the study YAMLs name
the new agent, and a cell's spec holds the agent name, so every finished cell would be redone. The
preset's settings are unchanged, so the runs are still the new name's: this moves each cell folder
``cells/<protocol>/<env>/<old>/`` to ``<new>/``, rewrites the agent in its spec and
``summary.json``, and recomputes the manifest's key and checksums. Only cells that ran with the new
agent's settings are moved: on the cell's env's search space, its recorded preset with its overrides
resolves to the same ``L2NASConfig`` as the new agent's preset with them (a preset holds every
family, so v5 cells run as v4 + v5's DARTS overrides are v5 cells on DARTS); any other is reported
and left alone. ``--old`` matches a cell's agent or its label (a study row ``agent: l2nas, label:
l2nas-v5`` becomes agent ``l2nas``, label ``l2nas``).

    python bench/l2nas_relabel_results.py results/l2nas-v3 --old l2nas --new l2nas-v3 [--study NAME]
    python bench/l2nas_relabel_results.py results/l2nas-v5 --old l2nas-v5 --new l2nas --study l2nas-v5

``--study`` also replaces the folder's saved ``study.yaml`` with the bundled study of that name.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

from nas_gym.agents.registry import L2NASAgent, agent_entry
from nas_gym.harness.spec import Cell


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def ran_as(new: str, spec: dict) -> bool:
    """Whether the cell of ``spec`` ran with agent ``new``'s settings on its env's search space: its
    recorded preset with its overrides gives the same ``L2NASConfig`` as ``new``'s preset with them."""
    recorded = (spec.get("agent_settings") or {}).get("preset")
    agent = agent_entry(new)
    if recorded is None or not isinstance(agent, L2NASAgent):
        return False
    hyperparams = spec["hyperparams"]
    return agent.config_for(spec["env_id"], {**hyperparams, "preset": recorded}) == agent.config_for(
        spec["env_id"], {k: v for k, v in hyperparams.items() if k != "preset"}
    )


def relabel_cell(folder: Path, old: str, new: str) -> Path | None:
    """Move one cell folder to the ``new`` label; None (untouched) when it did not run with ``new``'s settings."""
    manifest = json.loads((folder / "cell.json").read_text())
    spec = manifest["spec"]
    if not ran_as(new, spec):
        print(f"skipped {folder}: it did not run with {new!r}'s settings")
        return None
    label = new if spec["agent_label"] in (old, spec["agent"]) else spec["agent_label"]
    cell = Cell(spec["protocol"], spec["env_id"], label, new, spec["seed"], spec["budget"], spec["env_kwargs"],
                spec["hyperparams"])  # fmt: skip
    spec = manifest["spec"] = cell.spec()  # as a fresh cell of the new agent records it
    manifest["key"] = cell.key
    summary_path = folder / "summary.json"
    summary = json.loads(summary_path.read_text())
    summary["agent"] = new
    summary_path.write_text(json.dumps(summary, indent=2) + "\n")
    manifest["files"]["summary.json"] = md5(summary_path)
    (folder / "cell.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    target = folder.parent.parent / spec["agent_label"] / folder.name
    if target != folder:
        target.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path)
    parser.add_argument("--old", required=True)
    parser.add_argument("--new", required=True)
    parser.add_argument("--study", default=None, help="bundled study whose YAML replaces the saved study.yaml")
    args = parser.parse_args()
    moved = 0
    for manifest in sorted(args.results.glob("cells/*/*/*/seed-*/cell.json")):
        spec = json.loads(manifest.read_text())["spec"]
        if args.old in (spec["agent"], spec["agent_label"]):
            moved += relabel_cell(manifest.parent, args.old, args.new) is not None
    for empty in sorted(args.results.glob(f"cells/*/*/{args.old}")):
        if not any(empty.iterdir()):
            empty.rmdir()
    if args.study:
        bundled = Path(__file__).resolve().parent.parent / "nas_gym" / "studies" / f"{args.study}.yaml"
        shutil.copyfile(bundled, args.results / "study.yaml")
    print(f"{args.results}: {moved} cell(s) relabelled {args.old} -> {args.new}")


if __name__ == "__main__":
    main()
