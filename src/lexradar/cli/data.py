"""Commands about data: the contract, the lake, the synthetic region."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from lexradar.cli.common import console, fails_cleanly, progress_bar, settings

if TYPE_CHECKING:
    from lexradar.synth import SynthResult

LakeOpt = Annotated[
    Path | None, typer.Option("--lake", help="Lake folder (default: lexradar.toml's lake).")
]


@fails_cleanly
def contract(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print docs/contract.md instead of tables.")
    ] = False,
    name: Annotated[str | None, typer.Argument(help="Only this dataset.")] = None,
) -> None:
    """Print the canonical datasets (the data contract) with every field documented."""
    from lexradar.datasets import CONTRACT, dataset, render_markdown

    if markdown:
        typer.echo(render_markdown(), nl=False)
        return
    for ds in [dataset(name)] if name else CONTRACT.values():
        table = Table(
            title=f"{ds.name} — {ds.title.zh} / {ds.title.en}", title_justify="left", expand=False
        )
        table.add_column("field", style="bold")
        table.add_column("type")
        table.add_column("req")
        table.add_column("description")
        for f in ds.all_fields:
            doc = f.doc + (f" [dim]({', '.join(f.values)})[/]" if f.values else "")
            table.add_row(f.name, f.type, "✓" if f.required else "", doc)
        console.print(table)


@fails_cleanly
def synth(
    persons: Annotated[int, typer.Option(help="Number of persons in the region.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 1,
    out: Annotated[Path, typer.Option(help="Folder to write lake/, truth.csv and more to.")] = Path(
        "synth"
    ),
    data_end: Annotated[
        str, typer.Option(help="Last day of the generated records (YYYY-MM-DD).")
    ] = "2025-12-31",
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="Also render raw agency files into out/raw and mappings into out/mappings.",
        ),
    ] = False,
    style: Annotated[
        int,
        typer.Option(
            "--style",
            help="With --raw: how the agencies export: 1 the habits the models were written "
            "against, 2 other agencies' habits (other headers and codes, free-text judgment "
            "results, court citation styles, YYYYMM months, missing optional columns, two "
            "datasets in one file; see docs/agency-data.md).",
        ),
    ] = 1,
    documents: Annotated[
        bool,
        typer.Option(
            "--documents",
            help="Also render the region's judgments as judgment documents in three courts' "
            "styles into out/documents/judgments.jsonl (the lake and answer key unchanged): "
            "lexradar ingest documents out/documents --lake L.",
        ),
    ] = False,
) -> None:
    """Generate a synthetic Inner Mongolia region with planted anomalies and its answer key."""
    result = run_synth(persons, seed, out, data_end)
    table = Table(title=f"synthetic region: {persons:,} persons, seed {seed}", title_justify="left")
    table.add_column("dataset")
    table.add_column("rows", justify="right")
    for name, n in result.rows.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    planted = sum(v for (_, k, _), v in result.truth.items() if k == "planted")
    controls = sum(v for (_, k, _), v in result.truth.items() if k == "control")
    console.print(
        f"{planted} planted anomalies and {controls} negative controls in "
        f"{out / 'truth.csv'}; generated in {result.seconds:.1f}s"
    )
    if raw:
        from lexradar.synth.raw import render_raw

        if style not in (1, 2):
            raise typer.BadParameter("1 or 2", param_hint="--style")
        summary = render_raw(out, seed, style)
        console.print(
            f"raw agency files in {out / 'raw'} (style {style}, {len(summary['files'])} files, "
            f"{summary['damaged_excel']} ID cells stored as numbers), mappings in "
            f"{out / 'mappings'}: lexradar ingest {out / 'mappings'}/*.yaml"
        )
    if documents:
        from lexradar.synth.documents import render_documents

        done = render_documents(out, seed)
        styles = ", ".join(f"{k} {v:,}" for k, v in done["styles"].items())
        console.print(
            f"{done['documents']:,} judgment documents in {done['file']} (styles {styles}): "
            f"lexradar ingest documents {done['file']} --lake L"
        )


def run_synth(persons: int, seed: int, out: Path, data_end: str = "2025-12-31") -> SynthResult:
    from lexradar.synth import generate

    with progress_bar("generating", 13) as advance:
        return generate(
            persons, seed, out, data_end, progress=lambda label, i, n: advance(label, i)
        )


@fails_cleanly
def lake(lake: LakeOpt = None) -> None:
    """Show the datasets of the lake and their row counts."""
    from lexradar.datasets import CONTRACT
    from lexradar.datasets.lake import Lake

    s = settings(lake)
    lk = Lake(s.lake).check()
    table = Table(title=f"lake {lk.path}", title_justify="left")
    table.add_column("dataset")
    table.add_column("files", justify="right")
    table.add_column("rows", justify="right")
    for name in CONTRACT:
        table.add_row(name, str(len(lk.parts(name))), f"{lk.rows(name):,}")
    console.print(table)
    meta = lk.meta()
    if meta:
        console.print(
            f"[dim]{meta.get('generator', '')} seed {meta.get('seed')}, "
            f"data to {meta.get('data_end')}[/]"
        )
