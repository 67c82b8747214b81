"""Exclusive locks on shared state (a study's results folder, the data cache during an import).

A lock is an OS file lock (``filelock``): the kernel releases it when its process dies, even
by ``kill -9``, so a crash never leaves a stale lock. Beside it, ``<lock>.owner`` records who
holds it (pid, host, command), so a second process can say which one to wait for.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout


class LockHeldError(RuntimeError):
    """Another process holds the lock; the message names it and what to do."""


def _owner(path: Path) -> str:
    try:
        return path.read_text().strip() or "an unknown process"
    except OSError:
        return "an unknown process"


@contextmanager
def exclusive(lock_path: str | os.PathLike, what: str) -> Iterator[None]:
    """Hold the lock ``lock_path`` for the ``with`` block; raise :class:`LockHeldError` at once if taken.

    ``what`` says what the lock protects, for the message (e.g. ``"results folder out/"``).
    """
    lock_path = Path(lock_path)
    owner_file = lock_path.with_name(lock_path.name + ".owner")
    lock = FileLock(lock_path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise LockHeldError(
            f"{what} is in use by {_owner(owner_file)}; wait for that process to finish (or stop it), then retry"
        ) from None
    try:
        command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))[:200]
        owner_file.write_text(f"pid {os.getpid()} on {socket.gethostname()} ({command})\n")
        yield
    finally:
        owner_file.unlink(missing_ok=True)
        lock.release()
