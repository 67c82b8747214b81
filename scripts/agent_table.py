"""Write the agent table of docs/agents.md from ``nas_gym.agents.registry.AGENTS``, so it cannot drift.

Replaces the text between the ``agent-table:start`` and ``agent-table:end`` markers;
``tests/test_docs.py`` fails when the committed table differs from :func:`agent_table`.

    python scripts/agent_table.py
"""

from __future__ import annotations

import re
from pathlib import Path

from nas_gym.agents.registry import AGENTS

DOC = Path(__file__).resolve().parents[1] / "docs" / "agents.md"
MARKERS = re.compile(r"(<!-- agent-table:start[^>]*-->\n).*?(<!-- agent-table:end -->)", re.DOTALL)


def agent_table() -> str:
    """One row per agent: its kind, the action spaces it acts in, the env families it searches."""
    rows = ["| Agent | Kind | Action types | Delta actions | Env families | What it is |", "|---|---|---|---|---|---|"]
    for agent in AGENTS.values():
        families = ", ".join(agent.benchmarks) if agent.benchmarks else "all"
        delta = "yes" if agent.delta_ok else "no"
        rows.append(
            f"| `{agent.name}` | {agent.kind} | {', '.join(agent.action_types)} | {delta} | {families} "
            f"| {agent.summary} |"
        )
    return "\n".join(rows) + "\n"


def with_table(markdown: str) -> str:
    if not MARKERS.search(markdown):
        raise SystemExit(f"{DOC} needs the agent-table:start and agent-table:end markers")
    return MARKERS.sub(lambda m: m.group(1) + agent_table() + m.group(2), markdown)


if __name__ == "__main__":
    DOC.write_text(with_table(DOC.read_text()))
    print(f"{DOC}: agent table rebuilt from {len(AGENTS)} agents")
