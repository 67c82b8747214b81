"""The folder of one search run (``nas-gym search --out DIR``): checked before the search, written
without ever deleting a file the run did not write.

``DIR`` may be absent or empty (the run goes there), hold a previous run (replaced only when
``overwrite`` is set, i.e. ``--force``), or hold other files (refused; with ``overwrite`` the run's
files are written beside them and nothing else is touched). A file is always refused. The
checks, including a write probe, run before the search, so a bad ``--out`` costs no compute.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from nas_gym.fs import fsync_files, make_temp_dir

RUN_FILES = ("queries.csv", "summary.json", "best_so_far.png")
# Files a run folder may hold: the run's own, plus the manifest the study store adds.
OWN_FILES = frozenset((*RUN_FILES, "cell.json"))
_INNER_TMP = ".nas-gym-run.tmp-"


class RunSetupError(ValueError):
    """A run that cannot start (bad ``--out``, env kwargs or agent overrides); raised before any query."""


class RunDirError(RunSetupError):
    """``--out`` cannot take the run; the message names the problem and the fix."""


def run_dir_state(out: Path) -> str:
    """``absent``, ``file``, ``empty``, ``run`` (only a previous run's files) or ``foreign``."""
    if not out.exists() and not out.is_symlink():
        return "absent"
    if not out.is_dir():
        return "file"
    names = {p.name for p in out.iterdir() if not p.name.startswith(_INNER_TMP)}
    if not names:
        return "empty"
    return "run" if "summary.json" in names and names <= OWN_FILES else "foreign"


def _probe(folder: Path) -> None:
    """Create and remove a temporary folder in ``folder``: the one sure test of writability."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=".nas-gym-probe-", dir=folder))
    except OSError as err:
        raise RunDirError(f"cannot write to {folder} ({err.strerror}); choose a writable --out") from None


def _swaps_whole_folder(out: Path, state: str) -> bool:
    """A whole-folder swap is atomic, but it must not rename the working directory (or one above it)."""
    if state == "absent":
        return True
    cwd = Path.cwd().resolve()
    return state == "run" and out != cwd and out not in cwd.parents


def check_run_dir(out: str | os.PathLike, overwrite: bool = False) -> Path:
    """Check that ``out`` can take a run (see the module docstring) and is writable; returns it resolved."""
    out = Path(out).expanduser().resolve()
    state = run_dir_state(out)
    if state == "file":
        raise RunDirError(f"--out {out} is a file, not a folder; choose a folder for the run")
    if state == "run" and not overwrite:
        raise RunDirError(f"--out {out} already holds a run; pass --force to replace it, or choose a new --out")
    if state == "foreign" and not overwrite:
        raise RunDirError(
            f"--out {out} holds files that are not a run; choose a new or empty folder, or pass --force "
            "to write the run's files beside them (nothing else is touched)"
        )
    _probe(out.parent if _swaps_whole_folder(out, state) else out)
    return out


def install_run(out: Path, fill: Callable[[Path], None]) -> None:
    """Write a run into ``out`` (already checked): ``fill(tmp)`` writes the files, then they move in.

    An absent ``out`` or one holding only a previous run is swapped whole (atomic); otherwise each
    file is renamed into ``out`` on its own (each atomic) and foreign files stay untouched.
    """
    state = run_dir_state(out)
    if _swaps_whole_folder(out, state):
        replace_dir(out, fill)
        return
    for stale in out.glob(f"{_INNER_TMP}*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = make_temp_dir(_INNER_TMP, out)
    try:
        fill(tmp)
        fsync_files(tmp)
        for path in sorted(tmp.iterdir(), key=lambda p: p.name == "summary.json"):  # the summary last
            os.replace(path, out / path.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def replace_dir(target: Path, fill: Callable[[Path], None]) -> None:
    """Fill a fresh temporary sibling of ``target`` with ``fill(tmp)``, then swap it in.

    Each rename is atomic on POSIX; a crash between the two leaves ``target`` absent (never
    half-written) and the old copy in a ``.old`` sibling that the next swap removes.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = make_temp_dir(f".{target.name}.tmp-", target.parent)
    try:
        fill(tmp)
        fsync_files(tmp)
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        if target.exists():
            if old.exists():
                shutil.rmtree(old)
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def is_scratch(path: Path) -> bool:
    """Whether ``path`` is a leftover temporary or old copy of :func:`replace_dir`."""
    return path.name.startswith(".") and (".tmp-" in path.name or ".old-" in path.name)
