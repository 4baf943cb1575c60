"""What every command shares: the console, settings from flags, errors, progress bars."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from lexradar.errors import LexradarError
from lexradar.settings import Settings, load_settings

console = Console(width=None if Console().is_terminal else 140)
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def fails_cleanly(fn: F) -> F:
    """Show a lexradar error as one red line (what and where) and exit with status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LexradarError as exc:
            err_console.print(
                f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def settings(lake: Path | None = None, as_of: dt.datetime | None = None) -> Settings:
    return load_settings(lake=lake, as_of=as_of.date() if as_of else None)


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
    out = {}
    for item in items or []:
        if "=" not in item:
            raise typer.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--param")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out
