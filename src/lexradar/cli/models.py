"""Commands about models: list, show, run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.syntax import Syntax
from rich.table import Table

from lexradar.cli.common import (
    JsonOpt,
    console,
    fails_cleanly,
    parse_params,
    print_json,
    progress_bar,
    project,
)
from lexradar.cli.data import LakeOpt

if TYPE_CHECKING:
    from lexradar.clues.access import User
    from lexradar.models.registry import Registry
    from lexradar.models.run import RunRecord
    from lexradar.project import Project, Run

app = typer.Typer(
    help="Supervision models: list, show, validate, test, run, new, promote, export, import.",
    no_args_is_help=True,
)

AsOfOpt = Annotated[
    dt.datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Date the run is measured from."),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option("--param", help="Parameter NAME=VALUE a selected model declares; repeatable."),
]
StatusOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--status",
        help="Run the models' versions in this status (draft, testing, production, retired); "
        "repeatable (default: production).",
    ),
]
EngineOpt = Annotated[
    str | None, typer.Option("--engine", help="duckdb or spark (default: the engine setting).")
]
UrlOpt = Annotated[
    str | None,
    typer.Option("--casebook", help="Casebook URL (default: the casebook_url setting)."),
]
STATUSES = ("draft", "testing", "production", "retired")


def _registry() -> Registry:
    """The pack and the project's model folders, among them the folder `models new` writes
    into (the first of model_paths, else ./models)."""
    return project(models_dir=_own_folder(None)).registry


def _statuses(given: list[str] | None) -> tuple[str, ...]:
    for status in given or []:
        if status not in STATUSES:
            raise typer.BadParameter(
                f"{status!r}: one of {', '.join(STATUSES)}", param_hint="--status"
            )
    return tuple(given or ("production",))


@app.command("list")
@fails_cleanly
def list_models(as_json: JsonOpt = False) -> None:
    """List every model: id, domain, status, version, title."""
    if as_json:
        print_json(
            [
                {
                    "id": m.spec.id,
                    "domain": m.spec.domain,
                    "status": m.spec.status,
                    "version": m.spec.version,
                    "title": {"zh": m.spec.title.zh, "en": m.spec.title.en},
                    "path": str(m.path),
                }
                for m in _registry().models.values()
            ]
        )
        return
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
    as_json: JsonOpt = False,
) -> None:
    """Show a model: its rule in plain words, legal basis, parameters and SQL."""
    from lexradar.models.run import plan_sql

    m = _registry().get(model_id)
    s = m.spec
    if as_json:
        text = plan_sql(m, (as_of or dt.datetime.now()).date(), None, "duckdb") if sql else m.sql
        print_json({**s.model_dump(mode="json"), "path": str(m.path), "sql": text})
        return
    console.print(f"[bold]{s.id}[/] v{s.version} · {s.domain} · {s.status} · owner {s.owner}")
    console.print(f"{s.title.zh} / {s.title.en}")
    console.print(f"[bold]监督点 / supervision point:[/] {s.supervision_point.zh}")
    console.print(f"  {s.supervision_point.en}")
    console.print("[bold]法律依据 / legal basis:[/] " + "；".join(s.legal_basis))
    console.print(f"[bold]datasets:[/] {', '.join(s.datasets)}")
    for p in s.parameters:
        console.print(f"[bold]param[/] {p.name} ({p.type}, default {p.default}): {p.doc}")
    for i in s.inputs:
        console.print(f"[bold]optional input[/] {i.field} — without it: {i.without.zh}")
        console.print(f"  {i.without.en}")
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
    param: ParamOpt = None,
    status: StatusOpt = None,
    engine: EngineOpt = None,
    load: Annotated[
        bool,
        typer.Option("--load", help="Also load the clues into the casebook (production only)."),
    ] = False,
    url: UrlOpt = None,
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as", envvar="LEXRADAR_USER", help="Acting user for --load (default: system)."
        ),
    ] = None,
) -> None:
    """Run models over the lake and write their clues (and load them into the casebook).

    Runs take each model's production version unless --status says otherwise; only
    production clues are loaded into the casebook.
    """
    statuses = _statuses(status)
    if load and statuses != ("production",):
        raise typer.BadParameter(
            "only production clues go into the casebook; run other statuses without --load",
            param_hint="--load",
        )
    with project(lake, as_of, engine=engine, casebook=url) as proj:
        result = run_to_file(proj, model, param, out, statuses)
        if load:
            loaded = proj.load(result.clues, as_user or _system(), runs=result.records, init=True)
            console.print(f"casebook {proj.settings.casebook_url}: {loaded.summary()}")
    table = Table(title=f"clues → {out}", title_justify="left")
    for col in ("model", "status", "clues", "seconds"):
        table.add_column(col)
    for rec in result.records:
        table.add_row(rec.model_id, rec.model_status, str(rec.clues), f"{rec.seconds:.2f}")
    console.print(table)


def _system() -> User:
    from lexradar.clues.access import SYSTEM

    return SYSTEM


def run_to_file(
    proj: Project,
    model: list[str] | None,
    param: list[str] | None,
    out: Path,
    statuses: tuple[str, ...] = ("production",),
    as_of: dt.date | None = None,
) -> Run:
    """Run the selected models with a progress bar and write their clues and run log (as of
    ``as_of``, else the project's date)."""
    params: dict[str, object] = dict(parse_params(param))  # text values the models convert
    models = proj.select(model, statuses)
    with progress_bar("running models", len(models)) as advance:
        done: list[str] = []

        def on_done(record: RunRecord) -> None:
            done.append(record.model_id)
            advance(record.model_id, len(done))

        result = proj.run([m.id for m in models], statuses=statuses, params=params,
                          as_of=as_of, on_done=on_done)  # fmt: skip
    proj.write(result, out)
    return result


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
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Clue file (.csv or .parquet; default: <id>.clues.parquet)."),
    ] = None,
    lake: LakeOpt = None,
    as_of: AsOfOpt = None,
    param: ParamOpt = None,
    status: StatusOpt = None,
    engine: EngineOpt = None,
) -> None:
    """Run one model over the lake (as `lexradar run --model ID`, into a file of its own)."""
    target = out or Path(f"{model_id}.clues.parquet")
    with project(lake, as_of, engine=engine) as proj:
        result = run_to_file(proj, [model_id], param, target, _statuses(status))
    (r,) = result.records
    console.print(
        f"{r.model_id} v{r.model_version}: {r.clues} clues from {r.rows_scanned:,} rows "
        f"in {r.seconds:.2f}s → {target} (run {r.run_id})"
    )


def _own_folder(folder: Path | None) -> Path:
    if folder is not None:
        return folder
    paths = project().settings.model_paths
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
    by: Annotated[
        str,
        typer.Option(
            "--by",
            "--as",
            envvar="LEXRADAR_USER",
            help="Casebook user (model_builder or admin) who decides.",
        ),
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why.")] = "",
    url: UrlOpt = None,
) -> None:
    """Move a model along its lifecycle: production needs its golden examples to pass; the
    move goes in the model's history and the casebook's audit chain."""
    with project(casebook=url, models_dir=_own_folder(None)) as proj:
        moved = proj.promote(model_id, to, by, reason)
    passed = "" if moved.examples_passed is None else f" ({moved.examples_passed} examples pass)"
    console.print(
        f"{model_id}: {moved.from_status} → {moved.to_status} by {by}{passed}; "
        f"{len(moved.model.spec.history)} moves recorded; audited"
    )


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
