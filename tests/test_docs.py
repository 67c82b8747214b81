"""The docs cannot rot: generated tables match the code, and every link between docs pages resolves."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_agent_table_of_the_docs_is_the_registry():
    script = runpy.run_path(str(REPO / "scripts" / "agent_table.py"))
    doc = (REPO / "docs" / "agents.md").read_text()
    assert script["with_table"](doc) == doc, "run `python scripts/agent_table.py` and commit docs/agents.md"
    assert "| `l2nas` | l2nas | continuous | yes | all |" in doc


def test_relative_links_of_readme_and_docs_resolve():
    pages = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\((?!https?:|mailto:|#)([^)#\s]+)", page.read_text()):
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPO)} -> {target}")
    assert not broken, broken
