"""Splice the generated reports into the README's Results section, so no result is typed by hand.

Reads the markdown that ``nas-gym report`` and ``nas-gym transfer`` wrote under ``docs/results/``,
rewrites their relative links to be relative to the repository root, and replaces the text
between the ``<!-- results:begin -->`` and ``<!-- results:end -->`` markers of README.md.

    python scripts/readme_results.py
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
SOURCES = ("docs/results/report.md", "docs/results/transfer-improved/transfer.md")


def rebased(markdown: str, folder: str) -> str:
    """Headings two levels down (they sit under the README's Results heading); links from the root."""
    markdown = re.sub(r"^(#+) ", r"##\1 ", markdown, flags=re.MULTILINE)
    return re.sub(r"\]\((?!https?:|/)([^)]+)\)", lambda m: f"]({folder}/{m.group(1)})", markdown)


def main() -> None:
    parts = [rebased((ROOT / src).read_text().strip(), str(Path(src).parent)) for src in SOURCES]
    readme = (ROOT / "README.md").read_text()
    if BEGIN not in readme or END not in readme:
        raise SystemExit(f"README.md needs the markers {BEGIN} and {END}")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    generated = "\n\n".join(parts)
    (ROOT / "README.md").write_text(f"{head}{BEGIN}\n{generated}\n{END}{tail}")
    print(f"README.md: Results section rebuilt from {', '.join(SOURCES)}")


if __name__ == "__main__":
    main()
