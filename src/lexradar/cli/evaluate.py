"""Scoring clues against an answer key, and the demo that shows it end to end."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from lexradar.cli.common import console, fails_cleanly


def score_table(score, title: str) -> Table:  # type: ignore[no-untyped-def]
    table = Table(title=title, title_justify="left")
    for col in (
        "model",
        "clues",
        "planted (exact/noisy)",
        "found (exact/noisy)",
        "controls flagged",
        "other false",
        "precision",
        "recall",
    ):
        table.add_column(col, justify="left" if col == "model" else "right")
    for m in score.models:
        table.add_row(
            m.model_id,
            str(m.clues),
            f"{m.planted} ({m.planted_exact}/{m.planted_noisy})",
            f"{m.found} ({m.found_exact}/{m.found_noisy})",
            f"{m.controls_flagged}/{m.controls}",
            str(m.false_clues),
            f"{m.precision:.3f}",
            f"{m.recall:.3f}",
        )
    return table


@fails_cleanly
def evaluate(
    clues: Annotated[Path, typer.Option("--clues", help="Clue file (.csv or .parquet).")],
    truth: Annotated[Path, typer.Option("--truth", help="The answer key, truth.csv.")],
    model: Annotated[
        list[str] | None, typer.Option("--model", help="Only this model; repeatable.")
    ] = None,
    difficulty: Annotated[
        str | None, typer.Option("--difficulty", help="Only planted anomalies of: exact | noisy.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Score clues against the answer key: per model, then `recall R precision P`."""
    from lexradar.synth.score import score_files

    if difficulty not in (None, "exact", "noisy"):
        raise typer.BadParameter("exact or noisy", param_hint="--difficulty")
    result = score_files(clues, truth, model, difficulty)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "models": [m.as_dict() for m in result.models],
                    "recall": round(result.recall, 4),
                    "precision": round(result.precision, 4),
                },
                ensure_ascii=False,
            )
        )
    else:
        console.print(score_table(result, f"{clues} against {truth}"))
    typer.echo(f"recall {result.recall:.3f} precision {result.precision:.3f}")


@fails_cleanly
def demo(
    persons: Annotated[int, typer.Option(help="Persons in the synthetic region.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    out: Annotated[Path, typer.Option(help="Folder for the region and the clues.")] = Path("demo"),
    raw: Annotated[
        bool,
        typer.Option(
            "--raw/--canonical",
            help="Go through raw agency files and ingestion (default), or use the generated "
            "canonical lake directly.",
        ),
    ] = True,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve",
            help="End by serving the web workbench on 127.0.0.1:8000 over the demo casebook.",
        ),
    ] = False,
    port: Annotated[int, typer.Option(help="Port of the workbench with --serve.")] = 8000,
    resolve: Annotated[
        bool,
        typer.Option(
            "--resolve/--no-resolve",
            help="Resolve persons before the models run (default), so that records with a "
            "mistyped or old ID or a variant name count as the same person.",
        ),
    ] = True,
) -> None:
    """Generate a region, ingest it as agencies hand it over, resolve who is who, run every
    model, score the clues;
    add the demo users (one per role at region, city and county level) and, with --serve, open
    the web workbench over the demo casebook."""
    import shutil

    from lexradar.cli.data import run_synth
    from lexradar.cli.models import load_into_casebook, run_to_file
    from lexradar.synth.score import score_files

    console.rule(f"1. a synthetic region of {persons:,} persons (seed {seed})")
    result = run_synth(persons, seed, out)
    planted = sum(v for (_, k, _), v in result.truth.items() if k == "planted")
    console.print(f"{sum(result.rows.values()):,} records; {planted} planted anomalies; "
                  f"{result.seconds:.1f}s")  # fmt: skip
    lake = out / "lake"
    if raw:
        from lexradar.ingest.pipeline import ingest
        from lexradar.synth.raw import render_raw

        console.rule("2. raw agency files, ingested")
        summary = render_raw(out, seed)
        lake = out / "ingested"
        shutil.rmtree(lake, ignore_errors=True)
        mappings = sorted((out / "mappings").glob("*.yaml"))
        batches = ingest(mappings, lake)
        read = sum(b.read for b in batches)
        loaded = sum(b.loaded for b in batches)
        console.print(
            f"{len(summary['files'])} files → {read:,} rows read, {loaded:,} loaded, "
            f"{read - loaded:,} quarantined (damaged IDs and the like) into {lake}"
        )
    if resolve:
        from lexradar.linkage.resolve import resolve as resolve_persons

        console.rule("3. who is who: person resolution")
        splink_log = logging.getLogger("splink")
        level = splink_log.level
        splink_log.setLevel(logging.ERROR)  # untrained rare levels are expected on a demo region
        try:
            with console.status("resolving persons") as status:
                linked = resolve_persons(lake, progress=lambda msg: status.update(msg))
        finally:
            splink_log.setLevel(level)
        console.print(
            f"{linked.mentions:,} person mentions → {linked.clusters:,} persons; "
            f"{linked.linked_pairs:,} pairs linked"
        )
    console.rule("4. every model, over the lake")
    clue_file = out / "clues.parquet"
    clues, records = run_to_file(lake, None, None, None, clue_file)
    load_into_casebook(clues, records)
    console.rule("5. clues against the answer key")
    ran = [r.model_id for r in records]
    score = score_files(clue_file, out / "truth.csv", ran)
    console.print(score_table(score, f"{clue_file} against {out / 'truth.csv'}"))
    waiting = sorted({m for (m, _, _) in result.truth} - set(ran))
    if waiting:
        console.print(f"[dim]planted for models not in the registry: {', '.join(waiting)}[/]")
    typer.echo(f"recall {score.recall:.3f} precision {score.precision:.3f}")
    console.rule("6. demo users of the workbench")
    demo_users_table()
    if serve:
        from lexradar.cli.serve import serve_app

        console.rule("7. the web workbench (Ctrl-C to stop)")
        serve_app("127.0.0.1", port, None, False, lake=str(lake))


def demo_users_table() -> None:
    """Add the demo users to the casebook of the settings and print them with their password."""
    from lexradar.clues.db import Casebook
    from lexradar.settings import load_settings
    from lexradar.web.demo import DEMO_PASSWORD, add_demo_users

    casebook = Casebook.open(load_settings().casebook_url)
    try:
        users = add_demo_users(casebook)
    finally:
        casebook.dispose()
    table = Table(title=f"demo users (password: {DEMO_PASSWORD})", title_justify="left")
    for col in ("user", "role", "procuratorate"):
        table.add_column(col)
    for name, role, code, _added in users:
        table.add_row(name, role, code)
    console.print(table)
