"""The installed package: agents ship as ``nas_gym.agents``, never as a top-level ``agents``.

``agents`` is also the import name of ``openai-agents``; two distributions that ship one
top-level package overwrite each other's files when both are installed (issue 13 item 7).
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _setuptools_version() -> tuple[int, ...]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return tuple(int(part) for part in version("setuptools").split(".")[:2])
    except (PackageNotFoundError, ValueError):  # not installed, or a non-numeric version
        return (0,)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    # build with the venv's setuptools when it is new enough for pyproject's [build-system]
    # (torch brings one), else let pip fetch it into an isolated build environment
    isolation = ["--no-build-isolation"] if _setuptools_version() >= (77,) else []
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", *isolation, "-q", "-w", str(out)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("nas_gym-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_installs_agents_inside_nas_gym_only(wheel):
    names = wheel.namelist()
    top_level = {name.split("/")[0] for name in names}
    assert "agents" not in top_level
    assert top_level == {"nas_gym", "envs_registry", "nas_gym-0.1.0.dist-info"}
    for needed in (
        "nas_gym/agents/registry.py",
        "nas_gym/agents/l2nas/l2nas.py",
        "nas_gym/agents/baselines/bananas.py",
        "nas_gym/agents/hyperparams/ppo.yml",
    ):
        assert needed in names


def test_wheel_ships_every_package_of_the_checkout(wheel):
    names = set(wheel.namelist())
    on_disk = {
        init.relative_to(REPO).as_posix()
        for root in ("nas_gym", "envs_registry")
        for init in (REPO / root).rglob("__init__.py")
    }
    assert on_disk and on_disk <= names


def test_readme_import_line_works_outside_the_checkout(tmp_path):
    readme = (REPO / "README.md").read_text()
    line = "from nas_gym.agents import L2NAS"
    assert f"`{line}`" in readme
    code = f"{line}; import importlib.util as u; print(L2NAS.__module__, u.find_spec('agents') is None)"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["nas_gym.agents.l2nas.l2nas", "True"]


def test_no_source_imports_the_top_level_agents_name():
    # a module imported as both `agents.x` and `nas_gym.agents.x` would exist twice in one process
    pattern = re.compile(r"^\s*(from|import) agents\b", re.MULTILINE)
    offenders = [
        path.relative_to(REPO).as_posix()
        for folder in ("nas_gym", "agents", "envs_registry", "tests", "bench", "examples", "scripts")
        for path in (REPO / folder).rglob("*.py")
        if "nas_gym/agents" not in path.as_posix() and pattern.search(path.read_text())
    ]
    assert offenders == []
