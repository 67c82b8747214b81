"""``python -m nas_gym.cli``: the ``nas-gym`` command without the console script."""

from nas_gym.cli import app

app(prog_name="nas-gym")
