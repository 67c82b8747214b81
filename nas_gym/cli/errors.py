"""User errors on the command line: one line naming the problem and the fix, exit code 2.

A user error is bad input (a study file, a flag, env kwargs, a data folder, a busy lock); a
traceback would only hide the one line that says what to change. ``nas-gym --debug ...`` (or
``NAS_GYM_DEBUG=1``) re-raises instead, for a bug report. Anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from nas_gym.data.store import DataError
from nas_gym.harness.cell import RunSetupError
from nas_gym.harness.runner import StudyOutputError
from nas_gym.harness.spec import StudyError
from nas_gym.locks import LockHeldError

USER_ERRORS: tuple[type[BaseException], ...] = (DataError, StudyError, RunSetupError, StudyOutputError, LockHeldError)
USAGE = 2

_state = {"debug": False}
err_console = Console(stderr=True)


def set_debug(on: bool) -> None:
    """Set by every CLI invocation (flag or ``NAS_GYM_DEBUG``): one ``--debug`` run never leaks into the next."""
    _state["debug"] = on or os.environ.get("NAS_GYM_DEBUG", "") not in ("", "0")


def fail(message: str, code: int = USAGE) -> typer.Exit:
    """Print ``message`` literally (no rich markup: paths and YAML may hold brackets) and return the exit."""
    err_console.print(message, style="red", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def user_errors(*only: type[BaseException]) -> Iterator[None]:
    """Turn the user errors (or just the ``only`` ones) raised inside into :func:`fail`, unless ``--debug``."""
    caught = only or USER_ERRORS
    try:
        yield
    except caught as err:
        if _state["debug"]:
            raise
        raise fail(str(err)) from None
