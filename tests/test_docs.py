"""The docs cannot rot: every Python and shell block of README.md and docs/ runs, generated tables
match the code, and every relative link resolves.

A block runs in a fresh process in a temporary folder that links the checkout's folders (so
``python examples/x.py`` works and ``--out runs/x`` lands in the temporary folder), with the session's data cache as
``$NAS_GYM_DATA`` (the real data a block's env ids need is imported first; absent data skips).
Two markers on the line above a block's opening fence change that:

* ``<!-- doctest: skip REASON -->``: not run (it installs packages, needs a cluster or runs for
  hours); the reason is the skip message, so nothing is skipped silently;
* ``<!-- doctest: continue -->``: a Python block run after the previous Python block of the
  same page, in one process (a page that builds an env, then uses it).
"""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(python|bash)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
MARKER = re.compile(r"<!-- doctest: (skip|continue)\s*(.*?)\s*-->\s*$")
# The real data an env id needs, by a part of the id (the trained env trains on CIFAR-10 images).
DATA_OF_ID = {"NB201-": "nb201", "DARTS-": "nb301", "OFA-": "ofa", "-trained-": "cifar10"}
TIMEOUT_S = 300


@dataclass
class Block:
    page: Path
    line: int
    language: str
    code: str
    marker: str = ""
    reason: str = ""

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def blocks() -> list[Block]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in FENCE.finditer(text):
            line = text[: match.start()].count("\n") + 1
            above = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            marker = MARKER.search(above)
            block = Block(page, line, match.group(1), match.group(2))
            if marker:
                block.marker, block.reason = marker.group(1), marker.group(2)
            found.append(block)
    return found


def program(block: Block, every: list[Block]) -> str:
    """The block's code, after the Python blocks it continues (``doctest: continue``)."""
    if block.marker != "continue":
        return block.code
    same_page = [b for b in every if b.page == block.page and b.language == "python" and b.line < block.line]
    if not same_page:
        raise AssertionError(f"{block.id} continues no earlier Python block")
    return program(same_page[-1], every) + block.code


BLOCKS = blocks()
RUN = [b for b in BLOCKS if b.marker != "skip"]


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.marker == "skip"], ids=lambda b: b.id)
def test_skipped_blocks_say_why(block):
    assert len(block.reason) > 10, f"{block.id}: give the reason it is not run"
    pytest.skip(f"{block.id}: {block.reason}")


@pytest.mark.parametrize("block", RUN, ids=lambda b: b.id)
def test_doc_block_runs(block, real_data, tmp_path):
    code = program(block, BLOCKS)
    for part, dataset in DATA_OF_ID.items():
        if part in code:
            real_data.require(dataset)
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "NAS_GYM_DATA": str(real_data.cache),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "REPO": str(REPO),
        "MPLBACKEND": "Agg",
    }
    for folder in ("examples", "scripts", "bench", "nas_gym", "agents"):  # paths as in a checkout
        (tmp_path / folder).symlink_to(REPO / folder)
    runner = {"python": [sys.executable, "-c"], "bash": ["bash", "-euo", "pipefail", "-c"]}[block.language]
    command = [*runner, code]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert done.returncode == 0, f"{block.id} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"


def test_every_page_is_read():
    assert len(BLOCKS) >= 10 and {b.page.name for b in BLOCKS} >= {"README.md", "agents.md"}


def test_agent_table_of_the_docs_is_the_registry():
    script = runpy.run_path(str(REPO / "scripts" / "agent_table.py"))
    doc = (REPO / "docs" / "agents.md").read_text()
    assert script["with_table"](doc) == doc, "run `python scripts/agent_table.py` and commit docs/agents.md"
    assert "| `l2nas` | l2nas | continuous | yes | all |" in doc


def test_relative_links_of_readme_and_docs_resolve():
    broken = []
    for page in PAGES:
        for target in re.findall(r"\]\((?!https?:|mailto:|#)([^)#\s]+)", page.read_text()):
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPO)} -> {target}")
    assert not broken, broken


def test_readme_results_are_the_leaderboards():
    script = runpy.run_path(str(REPO / "scripts" / "readme_results.py"))
    readme, leaderboard = (REPO / "README.md").read_text(), (REPO / "docs/results/leaderboard.md").read_text()
    assert script["with_results"](readme, leaderboard) == readme, "run `python scripts/readme_results.py`"


def test_readme_is_a_front_door():
    from nas_gym.agents.registry import AGENTS

    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    assert not [name for name in AGENTS if f"`{name}`" not in readme], "every agent of the table is named"
    assert not re.search(r"\bissue \d+|\b20\d\d-\d\d-\d\d\b|load average", readme)
