"""Splice the leaderboard's summary into the README's Results section, so no result is typed by hand.

Reads ``docs/results/leaderboard.md`` (written by ``nas-gym leaderboard``, via
``bash scripts/reports.sh``), takes its caption (the protocol) and its first overall table, and
adds one figure of the ``nb201-paper`` study, between the ``<!-- results:begin -->`` and
``<!-- results:end -->`` markers of README.md. ``tests/test_docs.py`` fails when the README's
copy differs from what this script would write, so refreshing the results is::

    bash scripts/reports.sh RESULTS_ROOT && python scripts/readme_results.py
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
LEADERBOARD = ROOT / "docs" / "results" / "leaderboard.md"
FIGURE = "docs/results/nb201-paper/plots/val12-unique_best_so_far.png"
FIGURE_CAPTION = "best-so-far on NB201, signal val12 (honest), reported test200, budget in unique architectures"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def summary(leaderboard: str) -> str:
    """The leaderboard's caption, the heading and lead line of its first table, and that table."""
    paragraphs = leaderboard.split("\n\n")
    caption = next(p for p in paragraphs if p.startswith("*"))
    body = leaderboard.split("## Overall", 1)[-1]
    match = re.search(r"^### ([^\n]+)\n\n([^\n]+)\n\n((?:\|[^\n]*\n?)+)", body, re.MULTILINE)
    if match is None:
        raise SystemExit(f"{LEADERBOARD}: no table under '## Overall'; regenerate it with scripts/reports.sh")
    heading, lead, table = match.groups()
    return (
        f"{caption.strip()}\n\n**{heading.strip()}.** {lead.strip()}\n\n{table.strip()}\n\n"
        f"Full tables, per protocol: [docs/results/leaderboard.md](docs/results/leaderboard.md).\n\n"
        f"![{FIGURE_CAPTION}]({FIGURE})"
    )


def with_results(readme: str, leaderboard: str) -> str:
    if BEGIN not in readme or END not in readme:
        raise SystemExit(f"README.md needs the markers {BEGIN} and {END}")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{summary(leaderboard)}\n{END}{tail}"


def main() -> None:
    README.write_text(with_results(README.read_text(), LEADERBOARD.read_text()))
    print(f"README.md: Results section rebuilt from {LEADERBOARD.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
