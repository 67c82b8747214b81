"""Relabel an agent's finished cells in a results folder, so a renamed agent's runs stay valid for ``--resume``.

When a preset moves to a new agent name (``l2nas`` -> ``l2nas-v3`` at v4), the study YAMLs name
the new agent, and a cell's spec holds the agent name, so every finished cell would be redone. The
preset's settings are unchanged, so the runs are still the new name's: this moves each cell folder
``cells/<protocol>/<env>/<old>/`` to ``<new>/``, rewrites the agent in its spec and
``summary.json``, and recomputes the manifest's key and checksums. Only cells whose recorded agent
settings equal the new agent's current ones are moved; any other is reported and left alone.

    python bench/l2nas_relabel_results.py results/l2nas-v3 --old l2nas --new l2nas-v3 [--study NAME]

``--study`` also replaces the folder's saved ``study.yaml`` with the bundled study of that name.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

from nas_gym.agents.registry import agent_settings


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def relabel_cell(folder: Path, old: str, new: str) -> Path | None:
    """Move one cell folder to the ``new`` label; None (untouched) when its settings are not ``new``'s."""
    manifest = json.loads((folder / "cell.json").read_text())
    spec = manifest["spec"]
    current = json.loads(json.dumps(agent_settings(new, spec["env_id"], spec["hyperparams"]), sort_keys=True))
    if spec.get("agent_settings") != current:  # compared as the manifest stores it: JSON (tuples as lists)
        print(f"skipped {folder}: its agent settings are not {new!r}'s")
        return None
    spec["agent"] = new
    if spec["agent_label"] == old:
        spec["agent_label"] = new
    manifest["key"] = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
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
        if json.loads(manifest.read_text())["spec"]["agent"] == args.old:
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
