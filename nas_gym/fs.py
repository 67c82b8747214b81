"""File-system helpers shared by the data cache and the results folders.

``tempfile`` creates folders 0700 and files 0600 whatever the umask; those modes then survive the
rename into place, so a cache or a results folder could not be shared with a second user. The
helpers here give temporary folders and files the modes a plain ``mkdir``/``open`` would get.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_temp_dir(prefix: str, parent: Path) -> Path:
    """``tempfile.mkdtemp`` in ``parent``, with the mode ``mkdir`` would give (0777 minus the umask)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    path.chmod(0o777 & ~current_umask())
    return path


def make_temp_file(prefix: str, suffix: str, parent: Path) -> Path:
    """An empty file from ``tempfile.mkstemp`` in ``parent``, with the mode ``open`` would give."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=parent)
    os.close(fd)
    os.chmod(name, 0o666 & ~current_umask())
    return Path(name)


def fsync_files(folder: Path) -> None:
    """Flush every file of ``folder`` to disk before it is renamed into place (survives power loss too)."""
    for path in folder.iterdir():
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
