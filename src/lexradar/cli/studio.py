"""``lexradar studio``: build a model from a case, try it, test it, promote it, schedule it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from lexradar.cli.common import (
    JsonOpt,
    console,
    err_console,
    fails_cleanly,
    parse_params,
    print_json,
    progress_bar,
    project,
    settings,
)
from lexradar.cli.data import LakeOpt

if TYPE_CHECKING:
    from lexradar.engine import Engine
    from lexradar.project import Project
    from lexradar.studio.blocks import Draft
    from lexradar.studio.schedule import ScheduledRun
    from lexradar.studio.workspace import Studio

app = typer.Typer(
    help="The model studio: start a model from a case, add element blocks, try it on the lake, "
    "compare versions, mark hits, run golden examples, promote it, run production models on "
    "new batches.",
    no_args_is_help=True,
)
block_app = typer.Typer(help="Element blocks of a draft: add, remove.", no_args_is_help=True)
app.add_typer(block_app, name="block")

StudioOpt = Annotated[
    Path, typer.Option("--studio", envvar="LEXRADAR_STUDIO", help="Folder of the drafts.")
]
ModelsOpt = Annotated[
    Path | None,
    typer.Option(
        "--models",
        help="Model folder drafts compile into (default: first of model_paths, else ./models).",
    ),
]
AsOfOpt = Annotated[
    dt.datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Date the run is measured from."),
]
IdArg = Annotated[
    str, typer.Argument(help="Model id of the draft, e.g. traffic.license_not_revoked.")
]
ParamOpt = Annotated[
    list[str] | None, typer.Option("--param", help="Parameter NAME=VALUE; repeatable.")
]
WhereOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        help="Filter, e.g. 'status in revoked,cancelled' or 'cause = :cause'; repeatable.",
    ),
]
UrlOpt = Annotated[
    str | None, typer.Option("--casebook", help="Casebook URL (default: casebook_url setting).")
]
AsOpt = Annotated[str, typer.Option("--as", envvar="LEXRADAR_USER", help="User name to act as.")]


def _models_dir(models: Path | None) -> Path:
    paths = settings().model_paths
    return models or (paths[0] if paths else Path("models"))


def _studio(studio: Path, models: Path | None) -> Studio:
    from lexradar.studio.workspace import Studio

    return Studio(_models_dir(models), studio, settings().model_paths)


def _project(
    models: Path | None,
    lake: Path | None = None,
    as_of: dt.datetime | None = None,
    url: str | None = None,
) -> Project:
    """The project with the studio's model folder among its model folders."""
    return project(lake, as_of, casebook=url, models_dir=_models_dir(models))


def _engine(lake: Path | None, sample: float | None = None) -> Engine:
    from lexradar.studio.trying import open_lake

    s = settings(lake)
    return open_lake(
        s.lake, sample, s.engine, memory_limit=s.duckdb_memory_limit, threads=s.duckdb_threads
    )


def _as_of(as_of: dt.datetime | None) -> dt.date:
    return settings(as_of=as_of).run_date()


def _saved(st: Studio, draft: Draft) -> None:
    saved = st.save(draft)
    note = "new version" if saved.changed else "unchanged"
    console.print(f"{draft.id} v{saved.version} ({note}) → {saved.model.path}")


@app.command("search")
@fails_cleanly
def search_cmd(
    term: Annotated[str, typer.Argument(help="Resident ID, name, certificate or case number.")],
    lake: LakeOpt = None,
    limit: Annotated[int, typer.Option(help="At most this many records per dataset.")] = 20,
) -> None:
    """Find the records of a case in the lake, across every dataset."""
    from lexradar.studio.search import search

    with _engine(lake) as engine:
        found = search(engine, term, limit)
    table = Table(title=f"records matching {term!r}", title_justify="left")
    for col in ("record", "matched on", "fields"):
        table.add_column(col)
    for f in found:
        table.add_row(f.ref, f.matched, f.summary())
    console.print(table)


@app.command("new")
@fails_cleanly
def new(
    model_id: IdArg,
    case: Annotated[
        list[str],
        typer.Option(
            "--case",
            help="A record of the case, "
            "'<dataset>:<record_id>'; repeatable (the first is the base).",
        ),
    ],
    domain: Annotated[str, typer.Option(help="criminal, civil, administrative, public_interest.")],
    keep: Annotated[
        list[str] | None,
        typer.Option("--keep", help="A column of the base record whose value the rule keeps."),
    ] = None,
    param_of: Annotated[
        list[str] | None,
        typer.Option("--param-of", help="COLUMN=NAME: a kept value becomes parameter NAME."),
    ] = None,
    title_zh: Annotated[str | None, typer.Option(help="Title in Chinese.")] = None,
    title_en: Annotated[str | None, typer.Option(help="Title in English.")] = None,
    rule_zh: Annotated[str | None, typer.Option(help="The rule in plain words, Chinese.")] = None,
    rule_en: Annotated[str | None, typer.Option(help="The rule in plain words, English.")] = None,
    legal_basis: Annotated[
        list[str] | None, typer.Option("--legal-basis", help="Legal basis; repeatable.")
    ] = None,
    owner: Annotated[str, typer.Option(help="Region code of the owning procuratorate.")] = "150000",
    lake: LakeOpt = None,
    as_of: AsOfOpt = None,
    studio: StudioOpt = Path("studio"),
    models: ModelsOpt = None,
) -> None:
    """Start a draft from the records of one case; the case becomes its first golden example."""
    from lexradar.models.spec import Text
    from lexradar.studio.case import draft_from_case
    from lexradar.studio.golden import case_example

    st = _studio(studio, models)
    if st.exists(model_id):
        raise typer.BadParameter(f"a draft {model_id} exists already", param_hint="MODEL_ID")
    title = Text(zh=title_zh, en=title_en) if title_zh and title_en else None
    rule = Text(zh=rule_zh, en=rule_en) if rule_zh and rule_en else None
    with _engine(lake) as engine:
        draft = draft_from_case(
            engine,
            model_id,
            case,
            domain,
            keep,
            parse_params(param_of),
            title=title,
            rule=rule,
            legal_basis=legal_basis,
            owner=owner,
        )
        _saved(st, draft)
        example = case_example(st, draft, engine, _as_of(as_of))
    console.print(f"golden example: {example['name']} ({len(example['expect'])} clue expected)")
    if st.registry().is_builtin(model_id):
        console.print(
            f"[yellow]note:[/] {model_id} is a built-in model; this draft is a candidate "
            "version of it — production runs keep the built-in until the draft is promoted "
            "to production (golden examples pass, audited)."
        )
    _print_draft(st, draft)


@app.command("list")
@fails_cleanly
def list_cmd(
    studio: StudioOpt = Path("studio"), models: ModelsOpt = None, as_json: JsonOpt = False
) -> None:
    """Models under construction: every draft of the studio and every model in draft or testing."""
    st = _studio(studio, models)
    columns = ("id", "status", "version", "blocks", "starting case", "title")
    rows = []
    seen = set()
    for d in st.drafts():
        seen.add(d.id)
        blocks = ", ".join(b.kind for b in d.blocks)
        rows.append((d.id, st.status(d.id), str(d.version), blocks, "; ".join(d.case), d.title.zh))
    reg = st.registry()
    for m in [*reg.models.values(), *reg.candidates.values()]:
        if m.id not in seen and m.spec.status in ("draft", "testing"):
            rows.append(
                (m.id, m.spec.status, str(m.spec.version), "(hand-written)", "", m.spec.title.zh)
            )
    if as_json:
        print_json([dict(zip(columns, row, strict=True)) for row in rows])
        return
    table = Table(title="models under construction", title_justify="left")
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _print_draft(st: Studio, d: Draft) -> None:
    from lexradar.studio.compile import condition_text

    console.print(
        f"[bold]{d.id}[/] v{d.version} · {d.domain} · {st.status(d.id)} · severity {d.severity}"
    )
    console.print(f"{d.title.zh} / {d.title.en}")
    console.print(f"[bold]rule:[/] {d.supervision_point.zh} / {d.supervision_point.en}")
    base = d.base
    console.print(
        f"[bold]base:[/] {base.dataset} (person {base.person}, date {base.date})"
        + "".join(f"\n  where {condition_text(c)}" for c in base.filters)
    )
    for i, b in enumerate(d.blocks, start=1):
        fields = b.model_dump(exclude={"kind", "filters", "dataset", "person"}, exclude_none=True)
        extra = " ".join(f"{k}={v}" for k, v in fields.items())
        console.print(
            f"[bold]{i}. {b.kind}[/] {b.dataset} {extra}"
            + "".join(f"\n  where {condition_text(c)}" for c in b.filters)
        )
    for p in d.parameters:
        console.print(f"[bold]param[/] {p.name} ({p.type}, default {p.default}): {p.doc}")
    if d.case:
        console.print(f"[bold]starting case:[/] {'; '.join(d.case)}")
    if d.sql is not None:
        console.print("[yellow]the SQL is hand-edited; blocks no longer change it[/]")


@app.command("show")
@fails_cleanly
def show(
    model_id: IdArg,
    sql: Annotated[bool, typer.Option("--sql", help="Print the model's SQL.")] = False,
    header: Annotated[bool, typer.Option("--yaml", help="Print the model's YAML header.")] = False,
    studio: StudioOpt = Path("studio"),
    models: ModelsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a draft: base, blocks, parameters, starting case; its model's YAML and SQL."""
    st = _studio(studio, models)
    d = st.load(model_id)
    if as_json:
        model = st.model(model_id)
        print_json(
            {**d.model_dump(mode="json"), "status": st.status(model_id), "sql_compiled": model.sql}
        )
        return
    _print_draft(st, d)
    model = st.model(model_id)
    if header:
        console.print(Syntax(model.path.read_text(encoding="utf-8"), "yaml", word_wrap=True))
    if sql:
        console.print(Syntax(model.sql, "sql", word_wrap=True))


def _block_fields(kind: str, **given: object) -> dict[str, object]:
    def knob(v: str | None) -> int | str | None:
        return None if v is None else int(v) if v.lstrip("-").isdigit() else v

    out: dict[str, object] = {"kind": kind, "dataset": given["dataset"]}
    for name in ("person", "date", "start", "end", "direction"):
        if given.get(name) is not None:
            out[name] = given[name]
    for name in ("days", "min_days", "max_days", "window_days", "threshold"):
        if given.get(name) is not None:
            out[name] = knob(given[name])  # type: ignore[arg-type]
    if given.get("compare"):
        out["compare"] = dict(c.split("=", 1) for c in given["compare"])  # type: ignore[attr-defined]
    return out


@block_app.command("add")
@fails_cleanly
def block_add(
    model_id: IdArg,
    kind: Annotated[
        str,
        typer.Argument(help="match, not_exists, overlap, before_after, count or same_identity."),
    ],
    dataset: Annotated[str, typer.Option(help="The other dataset the element looks at.")],
    where: WhereOpt = None,
    person: Annotated[str | None, typer.Option(help="Its resident-ID column.")] = None,
    date: Annotated[str | None, typer.Option(help="Its date column.")] = None,
    days: Annotated[str | None, typer.Option(help="not_exists: days, or a parameter.")] = None,
    start: Annotated[str | None, typer.Option(help="overlap: period start column.")] = None,
    end: Annotated[str | None, typer.Option(help="overlap: period end column.")] = None,
    direction: Annotated[str | None, typer.Option(help="before_after: before or after.")] = None,
    min_days: Annotated[str | None, typer.Option(help="before_after: least gap.")] = None,
    max_days: Annotated[str | None, typer.Option(help="before_after: largest gap.")] = None,
    window_days: Annotated[str | None, typer.Option(help="count: window in days.")] = None,
    threshold: Annotated[str | None, typer.Option(help="count: at least this many.")] = None,
    compare: Annotated[
        list[str] | None,
        typer.Option("--compare", help="same_identity: BASE_COLUMN=ITS_COLUMN; repeatable."),
    ] = None,
    studio: StudioOpt = Path("studio"),
    models: ModelsOpt = None,
) -> None:
    """Add an element block to a draft (a new version of its model)."""
    from lexradar.studio.blocks import BLOCK_KINDS, Draft
    from lexradar.studio.case import parse_condition

    if kind not in BLOCK_KINDS:
        raise typer.BadParameter(f"one of {', '.join(BLOCK_KINDS)}", param_hint="KIND")
    st = _studio(studio, models)
    d = st.load(model_id)
    fields = _block_fields(
        kind,
        dataset=dataset,
        person=person,
        date=date,
        days=days,
        start=start,
        end=end,
        direction=direction,
        min_days=min_days,
        max_days=max_days,
        window_days=window_days,
        threshold=threshold,
        compare=compare,
    )
    fields["filters"] = [parse_condition(w, dataset).model_dump() for w in where or []]
    data = d.model_dump()
    data["blocks"].append(fields)
    _saved(st, Draft.model_validate(data))


@block_app.command("remove")
@fails_cleanly
def block_remove(
    model_id: IdArg,
    number: Annotated[int, typer.Argument(help="Block number, as `studio show` lists it.")],
    studio: StudioOpt = Path("studio"),
    models: ModelsOpt = None,
) -> None:
    """Remove an element block from a draft."""
    from lexradar.studio.blocks import Draft

    st = _studio(studio, models)
    data = st.load(model_id).model_dump()
    if not 1 <= number <= len(data["blocks"]):
        raise typer.BadParameter(f"the draft has blocks 1 to {len(data['blocks'])}")
    del data["blocks"][number - 1]
    _saved(st, Draft.model_validate(data))


@app.command("filter")
@fails_cleanly
def filter_cmd(
    model_id: IdArg,
    where: Annotated[str, typer.Argument(help="E.g. 'outcome in fine,exempted'.")],
    block: Annotated[int | None, typer.Option(help="On this block (default: the base).")] = None,
    remove: Annotated[bool, typer.Option(help="Remove the filters on that column.")] = False,
    studio: StudioOpt = Path("studio"),
    models: ModelsOpt = None,
) -> None:
    """Add a filter to the base records or to a block (or remove the filters on a column)."""
    from lexradar.studio.blocks import Draft
    from lexradar.studio.case import parse_condition

    st = _studio(studio, models)
    data = st.load(model_id).model_dump()
    target = data["base"] if block is None else data["blocks"][block - 1]
    if remove:
        column = where.split()[0]
        target["filters"] = [f for f in target["filters"] if f["column"] != column]
    else:
        target["filters"].append(parse_condition(where, target["dataset"]).model_dump())
    _saved(st, Draft.model_validate(data))


@app.command("param")
@fails_cleanly
def param_cmd(
    model_id: IdArg,
    name: Annotated[str, typer.Argument(help="Parameter name.")],
    default: Annotated[str, typer.Option(help="Default value.")],
    type_: Annotated[str, typer.Option("--type", help="int, float, str, date or bool.")] = "int",
    doc: Annotated[str, typer.Option(help="What it means.")] = "",
    studio: StudioOpt = Path("studio"),
    models: ModelsOpt = None,
) -> None:
    """Declare (or change) a parameter of a draft."""
    from lexradar.models.spec import Parameter
    from lexradar.studio.blocks import Draft

    st = _studio(studio, models)
    data = st.load(model_id).model_dump()
    p = Parameter.model_validate(
        {"name": name, "type": type_, "default": default, "doc": doc or name}
    )
    p = p.model_copy(update={"default": p.coerce(default)})
    data["parameters"] = [q for q in data["parameters"] if q["name"] != name] + [p.model_dump()]
    _saved(st, Draft.model_validate(data))


@app.command("set")
@fails_cleanly
def set_cmd(
    model_id: IdArg,
    title_zh: Annotated[str | None, typer.Option(help="Title in Chinese.")] = None,
    title_en: Annotated[str | None, typer.Option(help="Title in English.")] = None,
    rule_zh: Annotated[str | None, typer.Option(help="The rule in plain words, Chinese.")] = None,
    rule_en: Annotated[str | None, typer.Option(help="The rule in plain words, English.")] = None,
    legal_basis: Annotated[
        list[str] | None, typer.Option("--legal-basis", help="Legal basis (replaces); repeatable.")
    ] = None,
    severity: Annotated[str | None, typer.Option(help="high, medium or low.")] = None,
    owner: Annotated[str | None, typer.Option(help="Owning procuratorate.")] = None,
    studio: StudioOpt = Path("studio"),
    models: ModelsOpt = None,
) -> None:
    """Change what the header says: titles, the rule in plain words, legal basis, severity."""
    from lexradar.studio.blocks import Draft

    st = _studio(studio, models)
    data = st.load(model_id).model_dump()
    for key, lang, value in (
        ("title", "zh", title_zh),
        ("title", "en", title_en),
        ("supervision_point", "zh", rule_zh),
        ("supervision_point", "en", rule_en),
    ):
        if value is not None:
            data[key][lang] = value
    for key, given in (("legal_basis", legal_basis), ("severity", severity), ("owner", owner)):
        if given:
            data[key] = given
    _saved(st, Draft.model_validate(data))


@app.command("edit-sql")
@fails_cleanly
def edit_sql(
    model_id: IdArg,
    sql_file: Annotated[
        Path | None, typer.Argument(help="File with the edited SELECT.", exists=True)
    ] = None,
    reset: Annotated[bool, typer.Option(help="Go back to the SQL the blocks make.")] = False,
    studio: StudioOpt = Path("studio"),
    models: ModelsOpt = None,
) -> None:
    """Replace the SQL the blocks make with an edited one (checked like any model's)."""
    from lexradar.studio.blocks import Draft

    if (sql_file is None) == (not reset):
        raise typer.BadParameter("give an SQL file or --reset")
    st = _studio(studio, models)
    data = st.load(model_id).model_dump()
    data["sql"] = None if reset or sql_file is None else sql_file.read_text(encoding="utf-8")
    _saved(st, Draft.model_validate(data))


@app.command("try")
@fails_cleanly
def try_cmd(
    model_id: IdArg,
    lake: LakeOpt = None,
    as_of: AsOfOpt = None,
    param: ParamOpt = None,
    sample: Annotated[
        float | None, typer.Option(help="Try on this share of the persons (0-1).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many hits.")] = 20,
    studio: StudioOpt = Path("studio"),
    models: ModelsOpt = None,
) -> None:
    """Run a draft on the lake: its hits with explanations, and how many involve the case."""
    from lexradar.studio.masking import masked_hit
    from lexradar.studio.trying import involves, save_trial, try_model

    st = _studio(studio, models)
    d = st.load(model_id)
    with (
        console.status(f"trying {model_id} on the lake…"),
        _engine(lake, sample) as engine,
    ):
        trial = try_model(
            engine, st.model(model_id), _as_of(as_of), dict(parse_params(param)), d.case, sample
        )
    save_trial(trial, st.folder(model_id))
    table = Table(title=f"hits of {model_id} v{trial.version}", title_justify="left")
    for col in ("fingerprint", "case", "severity", "records", "explanation"):
        table.add_column(col)
    for row in map(masked_hit, trial.rows()[:limit]):
        table.add_row(
            row["fingerprint"],
            "★" if involves(row, d.case) else "",
            row["severity"],
            row["record_refs"],
            row["explanation"],
        )
    console.print(table)
    console.print(
        f"{trial.count} hits ({trial.involving_case} involving the starting case) as of "
        f"{trial.as_of} in {trial.record.seconds:.2f}s"
        + (f" on a {sample:.0%} sample" if sample else "")
    )


@app.command("compare")
@fails_cleanly
def compare_cmd(
    left: Annotated[
        str, typer.Argument(help="ID (the project's), ID@N (draft version) or ID@pack.")
    ],
    right: Annotated[str, typer.Argument(help="The other one, same forms.")],
    lake: LakeOpt = None,
    as_of: AsOfOpt = None,
    param: ParamOpt = None,
    studio: StudioOpt = Path("studio"),
    models: ModelsOpt = None,
) -> None:
    """Run two versions of a model on the lake: hits gained and hits lost, by fingerprint."""
    from lexradar.studio.masking import masked_hit
    from lexradar.studio.trying import compare

    st = _studio(studio, models)
    a, b = st.resolve(left), st.resolve(right)
    with console.status("running both…"), _engine(lake) as engine:
        c = compare(engine, a, b, _as_of(as_of), dict(parse_params(param)))
    for title, rows in (("gained", c.gained), ("lost", c.lost)):
        table = Table(
            title=f"{title} by {right if title == 'gained' else left}", title_justify="left"
        )
        for col in ("fingerprint", "records", "explanation"):
            table.add_column(col)
        for row in map(masked_hit, rows):
            table.add_row(row["fingerprint"], row["record_refs"], row["explanation"])
        console.print(table)
    console.print(
        f"{left}: {c.left.count} hits · {right}: {c.right.count} hits · both "
        f"{len(c.same)} · gained {len(c.gained)} · lost {len(c.lost)}"
    )


@app.command("mark")
@fails_cleanly
def mark(
    model_id: IdArg,
    fingerprint: Annotated[str, typer.Argument(help="A hit of the last try (or its start).")],
    true: Annotated[bool, typer.Option("--true/--false", help="A true or a false hit.")],
    by: AsOpt = "system",
    lake: LakeOpt = None,
    studio: StudioOpt = Path("studio"),
    models: ModelsOpt = None,
) -> None:
    """Judge a hit of the last try; it becomes a positive or negative golden example."""
    from lexradar.studio.golden import mark_hit

    st = _studio(studio, models)
    with _engine(lake) as engine:
        example = mark_hit(st, model_id, fingerprint, true, by, engine)
    console.print(
        f"added {example['kind']} example '{example['name']}' to {st.examples_path(model_id)}"
    )


@app.command("test")
@fails_cleanly
def test(model_id: IdArg, studio: StudioOpt = Path("studio"), models: ModelsOpt = None) -> None:
    """Run the golden examples of a draft's model (the starting case and judged hits)."""
    from lexradar.studio.golden import run_examples

    results = run_examples(_studio(studio, models), model_id)
    bad = [r for r in results if not r.passed]
    for r in results:
        mark_ = "[green]ok[/]" if r.passed else "[red]FAIL[/]"
        console.print(f"{mark_} {r.name} ({r.example.kind})", highlight=False)
        if not r.passed:
            console.print(r.diff, highlight=False, markup=False)
    console.print(f"{len(results) - len(bad)}/{len(results)} examples pass")
    if bad:
        raise typer.Exit(1)


@app.command("promote")
@fails_cleanly
def promote(
    model_id: IdArg,
    to: Annotated[str, typer.Option("--to", help="draft, testing, production or retired.")],
    actor: AsOpt,
    reason: Annotated[str, typer.Option(help="Why.")] = "",
    url: UrlOpt = None,
    studio: StudioOpt = Path("studio"),
    models: ModelsOpt = None,
) -> None:
    """Move a model along its lifecycle; who and when go in its history and the audit chain.

    The same path as `lexradar models promote`: a casebook user with the model_builder or
    admin role; production only when every golden example passes.
    """
    with _project(models, url=url) as proj:
        moved = proj.promote(model_id, to, actor, reason)
    passed = "" if moved.examples_passed is None else f" ({moved.examples_passed} examples pass)"
    console.print(
        f"{model_id}: {moved.from_status} → {moved.to_status} by {actor}{passed}; audited"
    )


@app.command("schedule")
@fails_cleanly
def schedule(
    every: Annotated[
        str | None, typer.Option(help="Run a pass at this interval (30m, 1h, 1d) until stopped.")
    ] = None,
    passes: Annotated[int | None, typer.Option(help="Stop after this many passes.")] = None,
    lake: LakeOpt = None,
    as_of: AsOfOpt = None,
    url: UrlOpt = None,
    state: Annotated[
        Path | None,
        typer.Option(help="State file (default: <studio>/schedule.json)."),
    ] = None,
    studio: StudioOpt = Path("studio"),
    models: ModelsOpt = None,
) -> None:
    """Run production models on new ingestion batches and load their clues into the casebook.

    Without --every it makes one pass (for cron: `0 * * * * lexradar studio schedule`).
    """
    from lexradar.errors import LexradarError
    from lexradar.studio.schedule import parse_every, production, run_every

    state_path = state or studio / "schedule.json"
    seconds = parse_every(every) if every else 0.0

    def one_pass() -> list[ScheduledRun]:
        if not every:
            return run_one()
        try:  # a scheduler keeps going: a failed pass is reported and redone next time
            return run_one()
        except LexradarError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            return []

    def run_one() -> list[ScheduledRun]:
        with _project(models, lake, as_of, url) as proj:
            proj.casebook.init()
            with (
                proj.engine() as engine,
                progress_bar("production models", len(production(proj.registry))) as advance,
            ):
                done: list[ScheduledRun] = []

                def on_model(item: ScheduledRun) -> None:
                    done.append(item)
                    advance(item.model_id, len(done))

                runs = proj.schedule_pass(state_path, engine=engine, on_model=on_model)
        for r in runs:
            what = (
                f"ran ({r.reason}): {r.clues} clues, {r.new_clues} new, {r.seconds:.2f}s"
                if r.ran
                else r.reason
            )
            console.print(f"{r.model_id} v{r.version}: {what}")
        if not runs:
            console.print("no model is in production")
        return runs

    run_every(seconds, one_pass, 1 if not every else passes)
