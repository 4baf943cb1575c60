"""Commands about ingestion: ingest raw files, list batches, show quality reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from typer.core import TyperCommand

from lexradar.cli.common import JsonOpt, console, err_console, fails_cleanly, print_json, settings

NUMBERS = ("read", "loaded", "quarantined")
LakeOpt = Annotated[
    Path | None, typer.Option("--lake", help="Lake folder (default: lexradar.toml's lake).")
]


@fails_cleanly
def ingest(
    mappings: Annotated[list[Path], typer.Argument(help="Mapping files (YAML), one per source.")],
    lake: LakeOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per batch instead of a table.")
    ] = False,
    replace: Annotated[
        str | None,
        typer.Option(
            "--replace", help="Batch id (or a unique prefix) that the ingested file supersedes."
        ),
    ] = None,
    inputs: Annotated[
        list[Path] | None,
        typer.Option(
            "--input",
            help="The file(s) to ingest with the one mapping given, instead of the mapping's "
            "'files' (relative to the working directory; repeatable; globs allowed).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes to ingest files in parallel, one file at a time each (default: both "
            "cores of the machine, at most 2, when there are two files or more and enough data "
            "to pay for starting a process; 1 ingests in this process only)."
        ),
    ] = None,
) -> None:
    """Ingest raw agency files into the lake; every row is loaded or quarantined.

    `lexradar ingest suggest FILE…` writes draft mappings for raw exports instead (see
    `lexradar ingest suggest --help`); `lexradar ingest documents FILE…` ingests judgment
    documents (text, JSON Lines, .docx, .html, PDF) into `judgments` (see
    `lexradar ingest documents --help`)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from lexradar.ingest.pipeline import ingest as run

    s = settings(lake)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task("ingesting", total=None, rows=0)

        def progress(label: str, rows: int) -> None:
            bar.update(task, description=label, rows=rows)

        results = run(list(mappings), s.lake, replace, progress, workers, inputs)
    if as_json:
        for r in results:
            typer.echo(json.dumps(r.as_dict(), ensure_ascii=False))
        return
    table = Table(title=f"ingested into {s.lake}", title_justify="left")
    skipped = any(r.skipped for r in results)
    cols = ["batch", "dataset", "file", "status", "read", "loaded", "quarantined"]
    cols += ["skipped"] * skipped + ["warnings"]
    for col in cols:
        table.add_column(col, justify="right" if col in (*NUMBERS, "skipped") else "left")
    for r in results:
        warned = ", ".join(f"{k} {v}" for k, v in r.warnings.items())
        table.add_row(r.batch_id, r.dataset, Path(r.file).name, r.status, f"{r.read:,}",
                      f"{r.loaded:,}", f"{r.quarantined:,}",
                      *([f"{r.skipped:,}"] if skipped else []), warned)  # fmt: skip
    console.print(table)
    for r in results:
        if r.status == "loaded":
            console.print(
                f"{r.batch_id}: loaded {r.loaded:,} + quarantined {r.quarantined:,} "
                + (f"+ skipped (rows of other mappings) {r.skipped:,} " if r.skipped else "")
                + f"= read {r.read:,}"
                + (f"; rejects: {r.rejects}" if r.rejects else "")
                + (f"; supersedes {r.replaced}" if r.replaced else "")
            )


@fails_cleanly
def batches(lake: LakeOpt = None, as_json: JsonOpt = False) -> None:
    """List the ingestion batches of the lake."""
    from lexradar.ingest.batches import list_batches

    s = settings(lake)
    if as_json:
        print_json(list_batches(Path(s.lake)))
        return
    table = Table(title=f"batches of {s.lake}", title_justify="left")
    for col in ("batch", "dataset", "file", "status", "read", "loaded", "quarantined", "finished"):
        table.add_column(col, justify="right" if col in NUMBERS else "left")
    for m in list_batches(Path(s.lake)):
        table.add_row(m["batch_id"], m["dataset"], Path(m["file"]).name, m["status"],
                      f"{m['read']:,}", f"{m['loaded']:,}", f"{m['quarantined']:,}",
                      m.get("finished", ""))  # fmt: skip
    console.print(table)


@fails_cleanly
def quality(
    batch: Annotated[
        str | None, typer.Argument(help="Batch id or prefix; without it, one report per dataset.")
    ] = None,
    lake: LakeOpt = None,
    dataset: Annotated[str | None, typer.Option(help="Only this dataset.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Show the quality report of a batch, or of every dataset of the lake."""
    from lexradar.datasets.contract_model import CONTRACT
    from lexradar.errors import IngestError, Location
    from lexradar.ingest.batches import find_batch, list_batches
    from lexradar.ingest.quality import batch_report, dataset_report, tables

    s = settings(lake)
    root = Path(s.lake)
    if batch:
        manifest = find_batch(root, batch)
        if manifest is None:
            raise IngestError(f"no single batch matches '{batch}'", Location(file=str(root)))
        reports = [batch_report(root, manifest)]
    else:
        present = {m["dataset"] for m in list_batches(root)}
        names = [dataset] if dataset else [n for n in CONTRACT if n in present]
        reports = [dataset_report(root, n) for n in names]
    for report in reports:
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False, default=str))
        else:
            for t in tables(report):
                console.print(t)


@fails_cleanly
def suggest(
    files: Annotated[list[Path], typer.Argument(help="Raw export files (CSV, TSV, Excel, ...).")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder the draft mappings are written to.")
    ] = Path("mappings"),
    sample: Annotated[int, typer.Option(help="Rows read per file to judge the values.")] = 20_000,
) -> None:
    """Write a draft mapping per raw export: dataset, columns, encoding, date formats, value
    maps, derived fields and parsers guessed from the headers and a sample of the values; what
    it could not decide is marked `# TODO` for review."""
    from lexradar.ingest.suggest import suggest as run

    written = run(list(files), out, sample)
    table = Table(title=f"draft mappings in {out}", title_justify="left")
    for col in ("mapping", "file", "dataset", "fields", "to review"):
        table.add_column(col)
    for path, draft in written:
        fields = len(draft.doc.get("columns", {})) + len(draft.doc.get("derive", {}))
        table.add_row(path.name, draft.file.name, draft.dataset, str(fields),
                      str(len(draft.todo)))  # fmt: skip
    console.print(table)
    todo = sum(len(d.todo) for _, d in written)
    console.print(
        f"{todo} line(s) marked TODO; review them, then: lexradar ingest {out}/*.yaml"
        if todo
        else f"nothing left undecided; check the drafts, then: lexradar ingest {out}/*.yaml"
    )


@fails_cleanly
def documents(
    files: Annotated[
        list[Path],
        typer.Argument(help="Judgment document files or folders (.txt .jsonl .docx .html .pdf)."),
    ],
    lake: LakeOpt = None,
    replace: Annotated[
        str | None,
        typer.Option("--replace", help="Batch id (or a unique prefix) the one file supersedes."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per batch instead of a table.")
    ] = False,
) -> None:
    """Ingest judgment documents into `judgments`: each file one batch, every party a row.

    A party whose elements cannot be read is quarantined with the reason, the file and the
    document's index in it (docs/documents.md)."""
    from lexradar.ingest.documents import ingest_documents

    s = settings(lake)
    results = ingest_documents(list(files), Path(s.lake), replace)
    if as_json:
        for r in results:
            typer.echo(json.dumps(r.as_dict(), ensure_ascii=False))
        return
    table = Table(title=f"documents ingested into {s.lake}", title_justify="left")
    for col in ("batch", "file", "status", "read", "loaded", "quarantined", "warnings"):
        table.add_column(col, justify="right" if col in NUMBERS else "left")
    for r in results:
        warned = ", ".join(f"{k} {v}" for k, v in r.warnings.items())
        table.add_row(r.batch_id, Path(r.file).name, r.status, f"{r.read:,}", f"{r.loaded:,}",
                      f"{r.quarantined:,}", warned)  # fmt: skip
    console.print(table)
    for r in results:
        if r.status == "loaded":
            console.print(
                f"{r.batch_id}: loaded {r.loaded:,} + quarantined {r.quarantined:,} = read "
                f"{r.read:,}" + (f"; rejects: {r.rejects}" if r.rejects else "")
            )


_suggest_app = typer.Typer(pretty_exceptions_enable=False)
_suggest_app.command("suggest")(suggest)
_documents_app = typer.Typer(pretty_exceptions_enable=False)
_documents_app.command("documents")(documents)


class IngestCommand(TyperCommand):
    """``lexradar ingest``, which also answers ``lexradar ingest suggest FILE…`` and
    ``lexradar ingest documents FILE…``."""

    def make_context(self, info_name, args, parent=None, **extra):  # type: ignore[no-untyped-def]
        if args and args[0] == "suggest":
            command = typer.main.get_command(_suggest_app)
            return command.make_context("suggest", list(args[1:]), parent=parent, **extra)
        if args and args[0] == "documents":
            command = typer.main.get_command(_documents_app)
            return command.make_context("documents", list(args[1:]), parent=parent, **extra)
        return super().make_context(info_name, args, parent=parent, **extra)


#: The commands as their own application, for ``python -m lexradar.cli.ingest``.
app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
app.command("ingest", cls=IngestCommand)(ingest)
app.command("batches")(batches)
app.command("quality")(quality)

if __name__ == "__main__":  # pragma: no cover
    app()
