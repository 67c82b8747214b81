"""The harness is two layers with every import arrow pointing one way.

Description (what a study is and how a file is read and checked) never imports running (the
store, the backends, the runner); no harness module imports another one that imports it back,
counting the imports inside functions, where a cycle would otherwise hide.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[1] / "nas_gym" / "harness"
DESCRIPTION = {"spec", "yaml_source", "transfer", "study", "preflight"}
# mo_study reads and runs multi-objective studies by itself; it imports no other harness module.
RUNNING = {"run_dir", "cell", "store", "backends", "transfer_run", "runner", "mo_study"}


def harness_imports(module: str) -> set[str]:
    """The harness modules ``module`` imports anywhere in its body (top level or inside functions)."""
    tree = ast.parse((HARNESS / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        found |= {n.split(".")[2] for n in names if n.startswith("nas_gym.harness.") and n.count(".") >= 2}
    return found & (DESCRIPTION | RUNNING)


def test_every_harness_module_is_in_one_layer():
    modules = {p.stem for p in HARNESS.glob("*.py")} - {"__init__"}
    assert modules == DESCRIPTION | RUNNING


def test_harness_imports_have_no_cycle():
    graph = {m: harness_imports(m) - {m} for m in DESCRIPTION | RUNNING}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as err:
        pytest.fail(f"import cycle in nas_gym.harness: {err.args[1]}")
    assert order[-1] == "runner" and graph["spec"] == set()  # the data model at the bottom, the runner on top


def test_description_never_imports_running():
    arrows = {(m, dep) for m in DESCRIPTION for dep in harness_imports(m) if dep in RUNNING}
    assert not arrows, f"description modules import running ones: {sorted(arrows)}"


@pytest.mark.parametrize("module", sorted(DESCRIPTION | RUNNING))
def test_each_harness_module_imports_alone(module):
    """A fresh interpreter imports the module first, so no other import can mask a cycle."""
    code = f"import nas_gym.harness.{module}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
