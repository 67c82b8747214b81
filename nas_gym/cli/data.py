"""``nas-gym data``: import, download and inspect the benchmark data cache."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from nas_gym.cli.errors import fail, user_errors
from nas_gym.data.registry import DATASETS, get_spec
from nas_gym.data.store import DataError, cache_root, dataset_status, import_dataset, prepare_cache
from nas_gym.locks import LockHeldError

app = typer.Typer(help="Import, download and inspect benchmark data.", no_args_is_help=True)
console = Console()

CacheOpt = typer.Option(None, "--cache", help="cache folder (default: $NAS_GYM_DATA or the user cache dir)")
OnlyOpt = typer.Option(None, "--only", help="dataset(s) to handle (default: every one)")


def _names(only: list[str] | None) -> list[str]:
    for name in only or []:
        if name not in DATASETS:
            raise typer.BadParameter(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}", param_hint="--only")
    return list(only or DATASETS)


@app.command("import")
def import_(
    source: Path = typer.Argument(..., help="folder laid out like shared/data (nb201/..., nb301/..., ...)"),
    cache: Path | None = CacheOpt,
    only: list[str] | None = OnlyOpt,
) -> None:
    """Verify (md5) and convert every dataset whose folder is present under SOURCE."""
    if not source.is_dir():
        raise fail(f"{source} is not a folder; give the folder that holds nb201/, nb301/, ...")
    names = _names(only)
    with user_errors():
        prepare_cache(cache)
    imported, failed = 0, 0
    for name in names:
        if not (source / name).is_dir():
            console.print(f"[dim]{name}: no {source / name} folder, skipped[/dim]")
            continue
        try:
            with user_errors(LockHeldError), console.status(f"importing {name} ..."):
                path = import_dataset(get_spec(name), source, cache)
            console.print(f"[green]{name}[/green]: imported into {path}")
            imported += 1
        except DataError as err:
            console.print(f"{name}: {err}", style="red", markup=False, highlight=False, soft_wrap=True)
            failed += 1
    if failed or not imported:
        if not imported and not failed:
            console.print(f"[red]nothing to import under {source}[/red]")
        raise typer.Exit(1)


@app.command()
def download(
    only: list[str] | None = typer.Argument(None, help="dataset(s) to download (default: every one)"),
    cache: Path | None = CacheOpt,
    mirror: str | None = typer.Option(None, help="base URL of a mirror laid out like shared/data"),
) -> None:
    """Fetch the public source files (pinned commits, md5-verified) with pooch, then import them."""
    from nas_gym.data.download import download_dataset

    for name in _names(only):
        try:
            with user_errors(LockHeldError):
                path = download_dataset(get_spec(name), cache, mirror=mirror)
        except DataError as err:
            console.print(f"{name}: {err}", style="red", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        console.print(f"[green]{name}[/green]: downloaded and imported into {path}")


@app.command()
def status(cache: Path | None = CacheOpt) -> None:
    """Show each dataset: present / missing / corrupt, where it came from, size."""
    table = Table(title=f"nas-gym data cache: {cache_root(cache)}")
    for col in ("dataset", "state", "imported from", "size", "detail"):
        table.add_column(col)
    colour = {"present": "green", "missing": "yellow", "corrupt": "red"}
    for spec in DATASETS.values():
        row = dataset_status(spec, cache)
        size = f"{row['size'] / 1e6:.1f} MB" if row["size"] else "-"
        state = f"[{colour[row['state']]}]{row['state']}[/]"
        table.add_row(row["dataset"], state, row["source"], size, row["detail"] or row["description"])
    console.print(table)
