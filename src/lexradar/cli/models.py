"""Commands about models: list, show, run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.syntax import Syntax
from rich.table import Table

from lexradar.cli.common import console, fails_cleanly, parse_params, progress_bar, settings
from lexradar.cli.data import LakeOpt

app = typer.Typer(
    help="Supervision models: list, show, validate, test, run, new, promote, export, import.",
    no_args_is_help=True,
)

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
    load: Annotated[
        bool, typer.Option("--load", help="Also load the clues into the casebook.")
    ] = False,
) -> None:
    """Run models over the lake and write their clues (and load them into the casebook)."""
    clues, records = run_to_file(lake, model, as_of, param, out)
    if load:
        load_into_casebook(clues, records)
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
    log = out.with_name(out.name + ".runs.jsonl")
    log.write_text("".join(json.dumps(r.as_dict()) + "\n" for r in records), encoding="utf-8")
    return clues, records


@app.command("validate")
@fails_cleanly
def validate(
    path: Annotated[
        Path | None, typer.Argument(help="A model header (.yaml) or a folder of models.")
    ] = None,
) -> None:
    """Check model files: header, SQL, datasets, columns, parameters (file, line, field)."""
    from lexradar.models.registry import load_model, model_files

    if path is None:
        models = list(_registry().models.values())
    elif path.is_dir():
        models = [load_model(p, path) for p in model_files(path)]
    else:
        models = [load_model(path)]
    for m in models:
        console.print(f"[green]ok[/] {m.id} v{m.spec.version} ({m.path})")


@app.command("test")
@fails_cleanly
def test(
    model_id: Annotated[str | None, typer.Argument(help="Model id (default: every model).")] = None,
) -> None:
    """Run the golden examples of a model (or all) and show a diff for every failure."""
    from lexradar.models.examples import run_all

    reg = _registry()
    failed = 0
    for m in [reg.get(model_id)] if model_id else list(reg.models.values()):
        results = run_all(m)
        bad = [r for r in results if not r.passed]
        failed += len(bad)
        mark = "[green]ok[/]" if not bad else "[red]FAIL[/]"
        console.print(f"{mark} {m.id}: {len(results) - len(bad)}/{len(results)} examples pass")
        for r in bad:
            console.print(f"  [red]✗[/] {getattr(r, 'name', '')}", highlight=False)
            console.print(r.diff, highlight=False, markup=False)
    if failed:
        raise typer.Exit(1)


@app.command("run")
@fails_cleanly
def run_one(
    model_id: Annotated[str, typer.Argument(help="Model id.")],
    out: Annotated[Path, typer.Option("--out", help="Clue file (.csv or .parquet).")] = Path(
        "clues.parquet"
    ),
    lake: LakeOpt = None,
    as_of: AsOfOpt = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="Parameter NAME=VALUE; repeatable.")
    ] = None,
) -> None:
    """Run one model over the lake (same as `lexradar run --model ID`)."""
    _, records = run_to_file(lake, [model_id], as_of, param, out)
    (r,) = records
    console.print(
        f"{r.model_id} v{r.model_version}: {r.clues} clues from {r.rows_scanned:,} rows "
        f"in {r.seconds:.2f}s → {out} (run {r.run_id})"
    )


def _own_folder(folder: Path | None) -> Path:
    if folder is not None:
        return folder
    paths = settings().model_paths
    return paths[0] if paths else Path("models")


@app.command("new")
@fails_cleanly
def new(
    model_id: Annotated[str, typer.Argument(help="Dotted id, e.g. pension.double_payment.")],
    domain: Annotated[
        str, typer.Option("--domain", help="criminal, civil, administrative or public_interest.")
    ],
    folder: Annotated[
        Path | None, typer.Option("--dir", help="Model folder (default: first of model_paths).")
    ] = None,
) -> None:
    """Scaffold a model: header, SQL and an examples file, in draft status."""
    from lexradar.models.scaffold import new_model

    if domain not in ("criminal", "civil", "administrative", "public_interest"):
        raise typer.BadParameter("criminal, civil, administrative or public_interest")
    header = new_model(model_id, domain, _own_folder(folder))
    console.print(f"created {header}, {header.with_suffix('.sql')} and its examples file")


@app.command("promote")
@fails_cleanly
def promote(
    model_id: Annotated[str, typer.Argument(help="Model id.")],
    to: Annotated[str, typer.Option("--to", help="draft, testing, production or retired.")],
    by: Annotated[str, typer.Option("--by", help="Who decides.")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")] = "",
) -> None:
    """Move a model along its lifecycle; the move is recorded in the model's history."""
    from lexradar.models.scaffold import move

    m = move(_registry().get(model_id), to, by, reason)
    console.print(f"{m.id} is now {m.spec.status} ({len(m.spec.history)} moves recorded)")


@app.command("export")
@fails_cleanly
def export(
    model_id: Annotated[str, typer.Argument(help="Model id.")],
    out: Annotated[Path, typer.Option("--out", help="File or folder.")] = Path("."),
) -> None:
    """Write a model with its SQL, golden examples and docs as one file to share."""
    from lexradar.models.bundle import export_model

    console.print(f"wrote {export_model(_registry().get(model_id), out)}")


@app.command("import")
@fails_cleanly
def import_(
    bundle: Annotated[Path, typer.Argument(help="A .lexmodel.yaml file.")],
    folder: Annotated[
        Path | None, typer.Option("--dir", help="Model folder (default: first of model_paths).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace a model of the same id.")] = False,
) -> None:
    """Unpack a shared model into a model folder and validate it."""
    from lexradar.models.bundle import import_model

    target = _own_folder(folder)
    known = set(_registry().models)
    m = import_model(bundle, target, known, force)
    console.print(f"imported {m.id} v{m.spec.version} into {m.path}")


def load_into_casebook(clues, records) -> None:  # type: ignore[no-untyped-def]
    """Load clue candidates of a run into the casebook of the settings (schema made if new)."""
    from lexradar.clues.access import SYSTEM
    from lexradar.clues.db import Casebook
    from lexradar.clues.store import load_clues

    s = settings()
    casebook = Casebook.open(s.casebook_url)
    try:
        casebook.init()
        domains = {m.id: m.spec.domain for m in _registry().models.values()}
        report = load_clues(casebook, clues, SYSTEM, runs=records, domains=domains)
    finally:
        casebook.dispose()
    console.print(
        f"casebook {s.casebook_url}: read {report.read} · new {report.new} · "
        f"seen again {report.refreshed} · evidence changed {report.changed} · "
        f"reopened {len(report.reopened)}"
    )
