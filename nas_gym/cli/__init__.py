"""The ``nas-gym`` command line: ``data`` (import / download / status) and the search commands."""

from nas_gym.cli.app import app

__all__ = ["app"]
