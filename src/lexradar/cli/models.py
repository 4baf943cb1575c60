"""Commands about models: list, show, run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.syntax import Syntax
from rich.table import Table

from lexradar.cli.common import console, fails_cleanly, parse_params, progress_bar, settings
from lexradar.cli.data import LakeOpt

app = typer.Typer(help="Supervision models: list, show.", no_args_is_help=True)

AsOfOpt = Annotated[
    dt.datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Date the run is measured from."),
]


def _registry():  # type: ignore[no-untyped-def]
    from lexradar.models import Registry

    return Registry(settings().model_paths)


@app.command("list")
@fails_cleanly
def list_models() -> None:
    """List every model: id, domain, status, version, title."""
    table = Table(title="models", title_justify="left")
    for col in ("id", "domain", "status", "version", "title"):
        table.add_column(col)
    for m in _registry().models.values():
        s = m.spec
        table.add_row(s.id, s.domain, s.status, str(s.version), f"{s.title.zh} / {s.title.en}")
    console.print(table)


@app.command("show")
@fails_cleanly
def show(
    model_id: Annotated[str, typer.Argument(help="Model id, e.g. marriage.bigamy.")],
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL as the engine runs it.")
    ] = False,
    as_of: AsOfOpt = None,
) -> None:
    """Show a model: its rule in plain words, legal basis, parameters and SQL."""
    from lexradar.models.run import plan_sql

    m = _registry().get(model_id)
    s = m.spec
    console.print(f"[bold]{s.id}[/] v{s.version} · {s.domain} · {s.status} · owner {s.owner}")
    console.print(f"{s.title.zh} / {s.title.en}")
    console.print(f"[bold]监督点 / supervision point:[/] {s.supervision_point.zh}")
    console.print(f"  {s.supervision_point.en}")
    console.print("[bold]法律依据 / legal basis:[/] " + "；".join(s.legal_basis))
    console.print(f"[bold]datasets:[/] {', '.join(s.datasets)}")
    for p in s.parameters:
        console.print(f"[bold]param[/] {p.name} ({p.type}, default {p.default}): {p.doc}")
    console.print(s.description)
    text = plan_sql(m, (as_of or dt.datetime.now()).date(), None, "duckdb") if sql else m.sql
    console.print(Syntax(text, "sql", word_wrap=True))


@fails_cleanly
def run(
    out: Annotated[Path, typer.Option("--out", help="Clue file to write (.csv or .parquet).")],
    lake: LakeOpt = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="Model id; repeat for several (default: all)."),
    ] = None,
    as_of: AsOfOpt = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="Parameter NAME=VALUE; repeatable.")
    ] = None,
) -> None:
    """Run models over the lake and write their clues."""
    _, records = run_to_file(lake, model, as_of, param, out)
    table = Table(title=f"clues → {out}", title_justify="left")
    for col in ("model", "clues", "seconds"):
        table.add_column(col)
    for r in records:
        table.add_row(r.model_id, str(r.clues), f"{r.seconds:.2f}")
    console.print(table)


def run_to_file(lake, model, as_of, param, out):  # type: ignore[no-untyped-def]
    from lexradar.engine import open_engine
    from lexradar.models.run import run_models, write_clues

    s = settings(lake, as_of)
    params = parse_params(param)
    models = _registry().select(model)
    with (
        open_engine(
            s.lake, s.engine, memory_limit=s.duckdb_memory_limit, threads=s.duckdb_threads
        ) as engine,
        progress_bar("running models", len(models)) as advance,
    ):
        done = []

        def on_done(record):  # type: ignore[no-untyped-def]
            done.append(record)
            advance(record.model_id, len(done))

        clues, records = run_models(engine, models, s.run_date(), params, on_done)
    write_clues(clues, out)
    return clues, records
