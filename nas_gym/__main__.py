"""``python -m nas_gym`` runs the ``nas-gym`` command line (handy where the script is not on PATH)."""

from nas_gym.cli import app

if __name__ == "__main__":
    app(prog_name="nas-gym")
