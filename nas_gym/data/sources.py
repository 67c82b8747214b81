"""What a dataset is made of: its source files (md5-pinned) and the converter that caches them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

Converter = Callable[[Mapping[str, Path], Path], dict]
"""``convert(files, out_dir) -> metadata``: read verified source files, write cache arrays."""


def github_raw(repo: str, commit: str, path: str) -> str:
    """Download URL of one file of a public GitHub repository, pinned to a commit."""
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


@dataclass(frozen=True)
class SourceFile:
    """One third-party file, addressed by its path inside a data folder laid out like ``shared/data``."""

    path: str
    md5: str
    size: int
    url: str
    recipe: str | None = None
    """How to rebuild the file when no URL serves it byte for byte (then ``url`` is only its provenance)."""


@dataclass(frozen=True)
class DatasetSpec:
    """A group of source files that is imported (verified and converted) as a unit.

    Attributes:
        name: cache folder name and CLI name, e.g. ``"nb201"``.
        description: one line for ``nas-gym data status``.
        files: every source file the converter reads.
        convert: the converter; it must write only into the directory it is given.
        outputs: file names the converter writes (checked by ``status``).
        license: licence summary of the sources, shown by ``status`` and the README.
    """

    name: str
    description: str
    files: tuple[SourceFile, ...]
    convert: Converter
    outputs: tuple[str, ...]
    license: str
