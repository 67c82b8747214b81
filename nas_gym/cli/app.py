"""Root typer app; each command group lives in its own module and is attached here."""

from __future__ import annotations

import typer

from nas_gym.cli import bench, data, errors, mo, search

app = typer.Typer(help="nas-gym: neural architecture search as reinforcement learning.", no_args_is_help=True)


@app.callback()
def main(debug: bool = typer.Option(False, "--debug", help="show the traceback of user errors (for bug reports)")):
    """nas-gym: neural architecture search as reinforcement learning."""
    errors.set_debug(debug)


app.add_typer(data.app, name="data")
app.command("search")(search.search)
app.command("bench")(bench.bench)
app.command("report")(bench.report)
app.command("leaderboard")(bench.leaderboard)
app.command("transfer")(bench.transfer)
app.command("mo-bench")(mo.mo_bench)
app.command("mo-leaderboard")(mo.mo_leaderboard)
