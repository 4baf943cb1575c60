"""What every command shares: the console, settings from flags, errors, progress bars."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from lexradar.errors import LexradarError
from lexradar.settings import Settings, load_settings

if TYPE_CHECKING:
    from lexradar.project import Project

console = Console(width=None if Console().is_terminal else 140)
err_console = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")


def fails_cleanly(fn: Callable[P, R]) -> Callable[P, R]:
    """Show a lexradar error as one red line (what and where) and exit with status 2."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except LexradarError as exc:
            err_console.print(
                f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(2) from None

    return wrapper


JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print JSON (one document, nothing else) instead of a table.")
]


def print_json(data: object) -> None:
    """Print ``data`` as one JSON document and nothing else (dates and decimals as text)."""
    import json

    typer.echo(json.dumps(data, ensure_ascii=False, default=str, indent=1))


def settings(lake: Path | None = None, as_of: dt.datetime | None = None) -> Settings:
    return load_settings(lake=lake, as_of=as_of.date() if as_of else None)


def project(
    lake: Path | None = None,
    as_of: dt.datetime | None = None,
    *,
    engine: str | None = None,
    casebook: str | None = None,
    models_dir: Path | None = None,
) -> Project:
    """The project of lexradar.toml < LEXRADAR_* < these flags (None means not given)."""
    from lexradar.project import open_project

    return open_project(
        lake=lake,
        as_of=as_of.date() if as_of else None,
        engine=engine,
        casebook_url=casebook,
        models_dir=models_dir,
    )


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[[str, int], None]]:
    """A Rich progress bar; yields ``advance(label, completed)``."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[label]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=total, label="")

        def advance(label: str, completed: int) -> None:
            bar.update(task, completed=completed, label=label)

        yield advance
        bar.update(task, completed=total, label="done")


def parse_params(items: list[str] | None) -> dict[str, str]:
    """``NAME=VALUE`` items as a dict; whether a model declares NAME is checked by the run."""
    out = {}
    for item in items or []:
        if "=" not in item:
            raise typer.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--param")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out
