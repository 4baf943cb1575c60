"""``lexradar resolve``: person resolution, explanations, and the review of uncertain pairs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from lexradar.cli.common import console, err_console, fails_cleanly, settings
from lexradar.cli.data import LakeOpt

app = typer.Typer(
    help="Resolve person mentions to person keys; explain a pair; review uncertain pairs.",
    invoke_without_command=True,
)


@app.callback()
@fails_cleanly
def resolve(
    ctx: typer.Context,
    lake: LakeOpt = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            min=0.0,
            max=1.0,
            help="Match probability to link at (default: evidence weight 22 over the model's "
            "prior, or the best F1 on 20+ judged pairs of each kind; see docs/linkage.md).",
        ),
    ] = None,
    retrain: Annotated[
        bool, typer.Option("--retrain", help="Train again even if lake/_linkage/model.json exists.")
    ] = False,
    engine: Annotated[
        str | None,
        typer.Option("--engine", help="duckdb or spark (default: the engine setting)."),
    ] = None,
) -> None:
    """Resolve every person mention of the lake to a person_key (lake/_linkage/)."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from lexradar.linkage.resolve import linkage_dir
    from lexradar.linkage.resolve import resolve as run

    s = settings(lake)
    kind = engine or s.engine
    if kind not in ("duckdb", "spark"):
        raise typer.BadParameter(f"{kind!r}: duckdb or spark", param_hint="--engine")
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console
    ) as bar:
        task = bar.add_task("resolving persons", total=None)
        common = {
            "threshold": threshold,
            "retrain": retrain,
            "progress": lambda msg: bar.update(task, description=msg),
        }
        if kind == "spark":
            from lexradar.linkage.spark import resolve as run_spark

            result = run_spark(s.lake, master=s.spark_master, conf=s.spark_conf, **common)
        else:
            result = run(s.lake, memory_limit=s.duckdb_memory_limit, **common)
    console.print(
        f"{result.mentions:,} mentions → {result.clusters:,} persons; "
        f"{result.candidate_pairs:,} candidate pairs, {result.linked_pairs:,} linked at match "
        f"weight {result.threshold_weight} (p={result.threshold_probability:.4f}; evidence "
        f"{result.threshold_evidence} over the prior {result.prior_weight}; "
        f"{result.threshold_method}); {result.review_pairs:,} pairs to review; "
        f"{result.judgements_applied} judgements applied"
    )
    console.print(
        f"for comparison, Otsu's cut of the match-weight histogram: {result.otsu_weight}",
        highlight=False,
    )
    console.print(f"written to {linkage_dir(s.lake)}", highlight=False)


@app.command("explain")
@fails_cleanly
def explain(
    left: Annotated[str, typer.Argument(help="Mention: dataset:record_id[:role].")],
    right: Annotated[str, typer.Argument(help="Mention: dataset:record_id[:role].")],
    lake: LakeOpt = None,
) -> None:
    """Why two mentions are, or are not, one person: weight and each comparison's share."""
    from rich.table import Table

    from lexradar.linkage.explain import explain as run

    e = run(settings(lake).lake, left, right)
    table = Table(title=f"{e.left} vs {e.right}", title_justify="left")
    for col in ("comparison", "level", "weight", "detail"):
        table.add_column(col)
    table.add_row("prior", "", f"{e.prior_weight:+.2f}", "two random mentions")
    for c in e.contributions:
        table.add_row(c.comparison, c.level, f"{c.weight:+.2f}", escape(c.detail))
    console.print(table)
    console.print(
        f"match weight {e.match_weight:+.2f}, match probability {e.match_probability:.4f}"
    )


@app.command("review")
@fails_cleanly
def review(
    lake: LakeOpt = None,
    limit: Annotated[int, typer.Option("--limit", help="How many pairs to list.")] = 20,
) -> None:
    """List the uncertain pairs (nearest the threshold first), fields side by side."""
    from rich.table import Table

    from lexradar.linkage.review import uncertain_pairs

    rows = uncertain_pairs(settings(lake).lake, limit)
    table = Table(title="pairs to review (lexradar resolve judge A B same|different)")
    for col in ("weight", "left", "right", "names", "IDs", "birth dates"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            f"{r['match_weight']:+.2f}",
            r["unique_id_l"],
            r["unique_id_r"],
            f"{r['name_l']} / {r['name_r']}",
            f"{r['id_l']} / {r['id_r']}",
            f"{r['birth_l']} / {r['birth_r']}",
        )
    console.print(table)


@app.command("judge")
@fails_cleanly
def judge(
    left: Annotated[str, typer.Argument(help="Mention unique_id: dataset:record_id:role.")],
    right: Annotated[str, typer.Argument(help="Mention unique_id: dataset:record_id:role.")],
    decision: Annotated[str, typer.Argument(help="same, different or unsure.")],
    who: Annotated[str, typer.Option("--who", help="Reviewer.")] = "",
    why: Annotated[str, typer.Option("--why", help="Reason.")] = "",
    lake: LakeOpt = None,
) -> None:
    """Record a judgement; it wins over the model on the next `lexradar resolve`."""
    from lexradar.linkage import judgements

    if decision not in {d.value for d in judgements.Decision}:
        raise typer.BadParameter("expected same, different or unsure", param_hint="DECISION")
    j = judgements.record(settings(lake).lake, left, right, decision, who, why)
    console.print(f"recorded: {j.left} / {j.right} {j.decision}")
