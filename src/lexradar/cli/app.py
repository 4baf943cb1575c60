"""The ``lexradar`` application: commands are registered here and live in sibling modules."""

from __future__ import annotations

from typing import Annotated

import typer

from lexradar.cli import casebook as casebook_cli
from lexradar.cli import data, documents, evaluate, ingest, models, reports
from lexradar.cli import queue as queue_cli  # noqa: F401 (clues export, filters)
from lexradar.cli import resolve as resolve_cli
from lexradar.cli import serve as serve_cli
from lexradar.cli import studio as studio_cli
from lexradar.cli.common import console

app = typer.Typer(
    name="lexradar",
    help="Big-data legal supervision: synthetic data, canonical lake, supervision models, clues.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
app.command("contract")(data.contract)
app.command("synth")(data.synth)
app.command("lake")(data.lake)
app.command("run")(models.run)
app.command("eval")(evaluate.evaluate)
app.command("demo")(evaluate.demo)
app.command("ingest", cls=ingest.IngestCommand)(ingest.ingest)
app.command("batches")(ingest.batches)
app.command("quality")(ingest.quality)
app.add_typer(models.app, name="models")
models.app.command("doc")(reports.models_doc)
app.command("report")(reports.report)
app.command("recommend")(reports.recommend)
app.command("load")(casebook_cli.load)
app.command("stats")(casebook_cli.stats)
for _name, _sub in casebook_cli.APPS.items():
    app.add_typer(_sub, name=_name)
app.add_typer(resolve_cli.app, name="resolve")
app.command("serve")(serve_cli.serve)
app.add_typer(studio_cli.app, name="studio")
app.add_typer(documents.app, name="documents")


@app.command("settings")
def show_settings(
    defaults: Annotated[bool, typer.Option(help="Show defaults, not current values.")] = False,
) -> None:
    """Show every setting with its current value (lexradar.toml < LEXRADAR_* < flags)."""
    from rich.table import Table

    from lexradar.settings import describe, load_settings

    current = load_settings().model_dump()
    table = Table(title="settings", title_justify="left")
    for col in ("name", "value", "help"):
        table.add_column(col)
    for name, default, help_text in describe():
        value = default if defaults else current[name]
        table.add_row(name, "" if value is None else str(value), help_text)
    console.print(table)


@app.command("version")
def version() -> None:
    """Print the version."""
    from lexradar import __version__

    typer.echo(__version__)


def main() -> None:
    app()
