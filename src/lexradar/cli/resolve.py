"""``lexradar resolve``: person resolution, explanations, and the review of uncertain pairs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from lexradar.cli.common import console, err_console, fails_cleanly, settings
from lexradar.cli.data import LakeOpt

if TYPE_CHECKING:
    from lexradar.linkage.review import Pair, Review

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
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Score every mention again, even when the last run covers all but new batches "
            "(default: resolve only the mentions of new batches against the existing clusters; "
            "see docs/linkage.md).",
        ),
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

    from lexradar.cli.common import project
    from lexradar.linkage.resolve import linkage_dir

    proj = project(lake)
    s = proj.settings
    kind = engine or s.engine
    if kind not in ("duckdb", "spark"):
        raise typer.BadParameter(f"{kind!r}: duckdb or spark", param_hint="--engine")
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console
    ) as bar:
        task = bar.add_task("resolving persons", total=None)
        result = proj.resolve(
            engine=kind,
            threshold=threshold,
            retrain=retrain,
            full=full,
            progress=lambda msg: bar.update(task, description=msg),
        )
    console.print(result.mode(), highlight=False)
    console.print(
        f"{result.mentions:,} mentions → {result.clusters:,} persons; "
        f"{result.candidate_pairs:,} candidate pairs, {result.linked_pairs:,} linked at match "
        f"weight {result.threshold_weight} (p={result.threshold_probability:.4f}; evidence "
        f"{result.threshold_evidence} over the prior {result.prior_weight}; "
        f"{result.threshold_method}); {result.review_pairs:,} pairs to review (of "
        f"{result.band_pairs:,} near the threshold: those whose judgement changes who is who, "
        "most consequential first); "
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


ANSWERS = {
    "s": "same",
    "same": "same",
    "d": "different",
    "different": "different",
    "u": "unsure",
    "unsure": "unsure",
    "k": "skip",
    "skip": "skip",
    "q": "quit",
    "quit": "quit",
}
"""What a reviewer may type at the prompt, word or letter, and what it means."""
PROMPT = "[s]ame / [d]ifferent / [u]nsure / s[k]ip / [q]uit (a reason may follow: 'd twins')"


def default_reviewer() -> str:
    """The user the terminal belongs to: who recorded a judgement matters later."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


def parse_answer(text: str) -> tuple[str, str] | None:
    """``'d different mothers'`` → ``('different', 'different mothers')``; None when the first
    word is not an answer."""
    word, _, reason = text.strip().partition(" ")
    action = ANSWERS.get(word.lower())
    return None if action is None else (action, reason.strip())


def clue_persons(path: Path) -> set[str]:
    """The person keys of a clue file's clues (``person_ids``, ``;``-separated)."""
    from lexradar.clues.store import read_clue_file

    cells = read_clue_file(path).column("person_ids").to_pylist()
    return {key for cell in cells for key in (cell or "").split(";") if key}


@app.command("review")
@fails_cleanly
def review(
    lake: LakeOpt = None,
    list_only: Annotated[
        bool,
        typer.Option("--list", help="Print the pairs to review as a table and ask nothing."),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", min=1, help="How many pairs to show (default: 20 with --list, else all)."
        ),
    ] = None,
    who: Annotated[
        str | None,
        typer.Option("--who", help="Reviewer recorded with each judgement (default: the user)."),
    ] = None,
    why: Annotated[
        str | None,
        typer.Option("--why", help="Reason recorded with each judgement that does not give one."),
    ] = None,
    no_explain: Annotated[
        bool,
        typer.Option("--no-explain", help="Show the match weight without each comparison's share."),
    ] = False,
    clues: Annotated[
        Path | None,
        typer.Option(
            "--clues",
            exists=True,
            dir_okay=False,
            help="A clue file of `lexradar run` (.csv or .parquet): the pairs whose judgement "
            "changes one of its clues come first, including those the list's cap left out.",
        ),
    ] = None,
) -> None:
    """Review the uncertain pairs, those whose judgement changes who is who, ranked by what
    the decision moves (a record against a registry entry first), then nearest the threshold;
    with --clues, the pairs that change a clue before all others. Both mentions' fields side
    by side, the match weight and each comparison's share, then same / different / unsure /
    skip / quit. Judgements take effect on the next `lexradar resolve`."""
    from lexradar.linkage.review import Review, uncertain_pairs

    path = settings(lake).lake
    persons = None if clues is None else clue_persons(clues)
    if list_only:
        _list_pairs(uncertain_pairs(path, limit or 20, persons))
        return
    reviewer = default_reviewer() if who is None else who
    counts = {"same": 0, "different": 0, "unsure": 0, "skip": 0}
    with Review(path) as session:
        pending = session.pending(persons)
        if limit is not None:
            pending = pending[:limit]
        if not pending:
            console.print("no pairs left to review")
            return
        console.print(
            f"{len(pending):,} pairs to review (mentions from {session.mentions_from})",
            highlight=False,
        )
        try:
            _go_through(session, pending, counts, reviewer, why or "", not no_explain)
        except KeyboardInterrupt:  # Ctrl-C while a pair is read: what was recorded stays
            console.print()
    judged = counts["same"] + counts["different"] + counts["unsure"]
    console.print(
        f"judged {judged} pair{'' if judged == 1 else 's'} (same {counts['same']}, "
        f"different {counts['different']}, "
        f"unsure {counts['unsure']}), skipped {counts['skip']}; the judgements take effect "
        "on the next `lexradar resolve`",
        highlight=False,
    )


def _go_through(
    session: Review,
    pending: list[tuple[str, str, float]],
    counts: dict[str, int],
    reviewer: str,
    why: str,
    explain: bool,
) -> None:
    """Show each pair, ask, record the answer at once (so quitting loses nothing)."""
    from lexradar.linkage import judgements

    for n, (left, right, weight) in enumerate(pending, 1):
        pair = session.pair(left, right, weight, explain=explain)
        if pair is None:
            continue
        _show_pair(pair, n, len(pending), session.threshold_weight, session.prior_weight)
        answer = _ask()
        if answer is None or answer[0] == "quit":
            return
        action, reason = answer
        counts[action] += 1
        if action != "skip":
            judgements.record(session.lake, left, right, action, reviewer, reason or why)
            console.print(f"recorded: {action}", highlight=False)


def _ask() -> tuple[str, str] | None:
    """Ask until the answer is one of :data:`ANSWERS`; None at the end of input."""
    while True:
        try:
            text = console.input(f"[bold]{escape(PROMPT)}[/] ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return None
        answer = parse_answer(text)
        if answer is not None:
            return answer
        console.print(f"not an answer: {escape(text)!r}", highlight=False)


def _show_pair(
    pair: Pair, n: int, total: int, threshold: float | None, prior: float | None
) -> None:
    from rich.table import Table

    cut = "" if threshold is None else f", threshold {threshold:+.2f}"
    table = Table(
        title=f"pair {n} of {total}: match weight {pair.match_weight:+.2f}{cut}",
        title_justify="left",
    )
    table.add_column("field")
    table.add_column("")
    table.add_column(escape(pair.left["unique_id"]))
    table.add_column(escape(pair.right["unique_id"]))
    for label, a, b, differ in pair.fields():
        # the mark keeps the difference visible where colours are not shown (pipes, logs)
        table.add_row(
            label,
            "≠" if differ else "",
            escape(a),
            escape(b),
            style="bold yellow" if differ else None,
        )
    console.print(table)
    if pair.contributions:
        why = Table(title_justify="left", show_header=True)
        for col in ("comparison", "level", "weight", "detail"):
            why.add_column(col)
        if prior is not None:
            why.add_row("prior", "", f"{prior:+.2f}", "two random mentions")
        for c in pair.contributions:
            why.add_row(c.comparison, c.level, f"{c.weight:+.2f}", escape(c.detail))
        console.print(why)


def _list_pairs(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title="pairs to review (lexradar resolve review, or judge A B same|different)")
    for col in ("weight", "left", "right"):
        table.add_column(col, no_wrap=True)  # a mention reference is copied whole into `judge`
    for col in ("names", "IDs", "birth dates"):
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
