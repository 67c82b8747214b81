"""The results folder of a study: one folder per cell, each committed atomically with a manifest.

Layout::

    OUT/study.yaml                                   the study as last run
    OUT/cells/<protocol>/<env id>/<agent label>/seed-<k>/
        queries.csv  summary.json  best_so_far.png   what `nas-gym search` writes
        cell.json                                    manifest: cell spec, its key, md5 of each file

A cell counts as finished only if its manifest exists, its spec equals the study's current
cell and every file still has the recorded md5. Anything else (a crash mid-write, a truncated
or edited file, a changed study) makes the cell unfinished, and ``--resume`` redoes it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

from nas_gym.harness.run_dir import RUN_FILES, is_scratch, replace_dir
from nas_gym.harness.spec import Cell, Study

MANIFEST = "cell.json"
STUDY_FILE = "study.yaml"


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


class ResultStore:
    """Reads and writes the cells of one study under ``root``."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.cells_dir = self.root / "cells"

    def cell_dir(self, cell: Cell) -> Path:
        return self.cells_dir / cell.relpath

    # -- the study file --------------------------------------------------------------------------
    def has_study(self) -> bool:
        return (self.root / STUDY_FILE).is_file()

    def save_study(self, study: Study) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{STUDY_FILE}.tmp"
        tmp.write_text(study.source)
        tmp.replace(self.root / STUDY_FILE)

    # -- cells -----------------------------------------------------------------------------------
    def commit(self, cell: Cell, files: Mapping[str, bytes]) -> Path:
        """Write ``files`` and the manifest of ``cell`` into its folder, atomically."""
        missing = [name for name in RUN_FILES if name not in files]
        if missing:
            raise ValueError(f"cell {cell.relpath} returned no {missing}")
        manifest = {
            "key": cell.key,
            "spec": cell.spec(),
            "files": {name: md5(data) for name, data in files.items()},
            "committed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }

        def fill(tmp: Path) -> None:
            for name, data in files.items():
                (tmp / name).write_bytes(data)
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")

        target = self.cell_dir(cell)
        replace_dir(target, fill)
        return target

    def check(self, cell: Cell) -> str | None:
        """``None`` if ``cell`` is finished and intact, else why it must be (re)done."""
        folder = self.cell_dir(cell)
        if not folder.is_dir():
            return "not run"
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
        except FileNotFoundError:
            return "no manifest (the run did not finish)"
        except (json.JSONDecodeError, UnicodeDecodeError):
            return "corrupt manifest"
        if manifest.get("key") != cell.key or manifest.get("spec") != cell.spec():
            return "stale (the study changed this cell)"
        for name, digest in manifest.get("files", {}).items():
            path = folder / name
            if not path.is_file():
                return f"{name} is missing"
            if md5(path.read_bytes()) != digest:
                return f"{name} is corrupt (md5 mismatch)"
        if set(RUN_FILES) - set(manifest.get("files", {})):
            return "manifest lists too few files"
        return None

    def pending(self, study: Study) -> list[tuple[Cell, str]]:
        """Cells of ``study`` that are not finished, with the reason for each."""
        out = []
        for cell in study.cells():
            reason = self.check(cell)
            if reason is not None:
                out.append((cell, reason))
        return out

    def clean_scratch(self) -> int:
        """Remove temporary/old folders left by a killed run; returns how many."""
        if not self.cells_dir.is_dir():
            return 0
        scratch = [p for p in self.cells_dir.rglob(".*") if p.is_dir() and is_scratch(p)]
        for path in scratch:
            shutil.rmtree(path, ignore_errors=True)
        return len(scratch)
