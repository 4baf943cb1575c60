"""Commands on the casebook: init, load, clues, cases, stats, users, audit.

Each command acts as a user (``--as`` or ``LEXRADAR_USER``) and sees what that user may see;
the casebook is ``--casebook`` or the ``casebook_url`` setting.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from lexradar.cli.common import console, fails_cleanly

if TYPE_CHECKING:
    from lexradar.clues.access import User
    from lexradar.clues.db import Casebook

UrlOpt = Annotated[
    str | None,
    typer.Option("--casebook", help="Casebook URL (default: the casebook_url setting)."),
]
AsOpt = Annotated[str, typer.Option("--as", envvar="LEXRADAR_USER", help="User name to act as.")]
VersionOpt = Annotated[
    int | None,
    typer.Option("--version", help="Version of the clue you read (refused if it changed)."),
]

casebook_app = typer.Typer(help="The casebook database.", no_args_is_help=True)
clues_app = typer.Typer(help="Clues: list, show, assign, dismiss, confirm.", no_args_is_help=True)
cases_app = typer.Typer(help="Supervised cases: open, close, list.", no_args_is_help=True)
users_app = typer.Typer(help="Users: add, list.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit chain: verify, tail.", no_args_is_help=True)
APPS = {
    "casebook": casebook_app,
    "clues": clues_app,
    "cases": cases_app,
    "users": users_app,
    "audit": audit_app,
}


def _open(url: str | None) -> Casebook:
    from lexradar.clues.db import Casebook
    from lexradar.settings import load_settings

    return Casebook.open(url or load_settings().casebook_url)


def _session(url: str | None, username: str) -> tuple[Casebook, User]:
    from lexradar.clues.access import user

    casebook = _open(url)
    return casebook, user(casebook, username)


@casebook_app.command("init")
@fails_cleanly
def init(
    url: UrlOpt = None,
    admin: Annotated[
        str | None, typer.Option(help="Create this admin user of the region's procuratorate.")
    ] = None,
    password: Annotated[
        str | None, typer.Option(help="The admin's password (asked for if not given).")
    ] = None,
) -> None:
    """Create or upgrade the casebook schema (Alembic), with the procuratorates of 内蒙古."""
    from lexradar.clues.access import SYSTEM, add_user

    casebook = _open(url)
    casebook.init()
    if admin:
        secret = password or typer.prompt("password", hide_input=True, confirmation_prompt=True)
        add_user(casebook, SYSTEM, admin, secret, "admin", "150000")
    console.print("casebook ready")


@fails_cleanly
def load(
    clues_file: Annotated[Path, typer.Argument(help="Clue file written by `lexradar run`.")],
    url: UrlOpt = None,
    as_user: Annotated[
        str | None,
        typer.Option("--as", envvar="LEXRADAR_USER", help="Acting user (default: system)."),
    ] = None,
    batch: Annotated[int, typer.Option(help="Clues per transaction.")] = 5000,
) -> None:
    """Load a clue file into the casebook by fingerprint (rerunning adds no duplicates)."""
    from lexradar.clues.access import SYSTEM, user
    from lexradar.clues.store import load_clues, read_clue_file

    casebook = _open(url)
    actor = user(casebook, as_user) if as_user else SYSTEM
    table = read_clue_file(clues_file)
    report = load_clues(casebook, table, actor, batch_size=batch)
    console.print(
        f"read {report.read} · new {report.new} · seen again {report.refreshed} · "
        f"evidence changed {report.changed} · reopened {len(report.reopened)}"
    )


@clues_app.command("list")
@fails_cleanly
def list_clues(
    as_user: AsOpt,
    url: UrlOpt = None,
    status: Annotated[str | None, typer.Option(help="Only clues in this state.")] = None,
    model: Annotated[str | None, typer.Option(help="Only clues of this model.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 50,
    export: Annotated[
        Path | None, typer.Option(help="Write the list to a .csv or .xlsx file (IDs as text).")
    ] = None,
) -> None:
    """Clues of your region, newest first (personal data masked)."""
    from lexradar.clues.queries import list_clues as query

    casebook, actor = _session(url, as_user)
    found = query(casebook, actor, status=status, model_id=model, limit=limit)
    columns = ("id", "status", "model", "region", "severity", "persons", "version", "explanation")
    rows = [
        (
            str(c.id),
            c.status,
            c.model_id,
            c.region_code,
            c.severity,
            c.person_ids,
            str(c.version),
            c.explanation,
        )
        for c in found
    ]
    if export:
        from lexradar.clues.export import write_rows

        write_rows(export, columns, rows)
        console.print(f"{len(rows)} clues → {export}")
        return
    table = Table(title=f"clues ({len(rows)})", title_justify="left")
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)


@clues_app.command("show")
@fails_cleanly
def show(
    clue_id: int,
    as_user: AsOpt,
    url: UrlOpt = None,
    reveal: Annotated[
        str | None, typer.Option(help="Reason to reveal personal data (audited).")
    ] = None,
) -> None:
    """One clue: why it was raised, its evidence and its history."""
    import json

    from lexradar.clues.queries import get_clue
    from lexradar.clues.queries import reveal as reveal_clue

    casebook, actor = _session(url, as_user)
    c = (
        reveal_clue(casebook, actor, clue_id, reveal)
        if reveal
        else get_clue(casebook, actor, clue_id)
    )
    console.print(f"[bold]clue {c.id}[/] · {c.model_id} · {c.domain} · {c.status} · v{c.version}")
    console.print(f"region {c.region_code} → procuratorate {c.procuratorate_code}")
    console.print(f"persons {c.person_ids}   seen {c.times_seen}× (last {c.last_seen})")
    console.print(c.explanation)
    console.print(c.explanation_en)
    console.print(json.dumps(c.evidence, ensure_ascii=False, indent=1))
    for h in c.history:
        console.print(
            f"  {h['at']} {h['actor']}: {h['from_status']} → {h['to_status'] or 'note'}"
            f" {h['reason'] or ''} {h['note']}"
        )


@clues_app.command("assign")
@fails_cleanly
def assign(
    clue_ids: Annotated[list[int], typer.Argument(help="Clue ids.")],
    to: Annotated[str, typer.Option("--to", help="User name of the handler.")],
    as_user: AsOpt,
    url: UrlOpt = None,
    note: Annotated[str, typer.Option(help="A note for the handler.")] = "",
) -> None:
    """Assign clues to a handler (all or none)."""
    from lexradar.clues.workflow import bulk_assign

    casebook, actor = _session(url, as_user)
    done = bulk_assign(casebook, actor, dict.fromkeys(clue_ids), to, note)
    console.print(f"assigned {len(done)} clue(s) to {to}")


@clues_app.command("dismiss")
@fails_cleanly
def dismiss(
    clue_id: int,
    reason: Annotated[
        str,
        typer.Option(help="false_positive, duplicate, out_of_jurisdiction or already_handled."),
    ],
    as_user: AsOpt,
    url: UrlOpt = None,
    note: Annotated[str, typer.Option(help="Why, in words.")] = "",
    version: VersionOpt = None,
) -> None:
    """Dismiss a clue with a reason; it stays dismissed unless its evidence changes."""
    from lexradar.clues.workflow import dismiss as do

    casebook, actor = _session(url, as_user)
    console.print(
        f"clue {clue_id} dismissed (v{do(casebook, actor, clue_id, version, reason, note)})"
    )


@clues_app.command("confirm")
@fails_cleanly
def confirm(
    clue_id: int,
    as_user: AsOpt,
    url: UrlOpt = None,
    note: Annotated[str, typer.Option(help="What verification found.")] = "",
    version: VersionOpt = None,
) -> None:
    """Confirm a clue after verification."""
    from lexradar.clues.workflow import confirm as do

    casebook, actor = _session(url, as_user)
    console.print(f"clue {clue_id} confirmed (v{do(casebook, actor, clue_id, version, note)})")


@cases_app.command("open")
@fails_cleanly
def open_case(
    clue_ids: Annotated[list[int], typer.Argument(help="Confirmed clue ids.")],
    kind: Annotated[str, typer.Option(help="e.g. execution_supervision, protest, other.")],
    as_user: AsOpt,
    url: UrlOpt = None,
    title: Annotated[str, typer.Option(help="Title of the case.")] = "",
) -> None:
    """Open a supervised case from confirmed clues."""
    from lexradar.clues.cases import open_case as do

    casebook, actor = _session(url, as_user)
    console.print(f"case {do(casebook, actor, kind, dict.fromkeys(clue_ids), title=title)} opened")


@cases_app.command("close")
@fails_cleanly
def close_case(
    case_id: int,
    outcome: Annotated[str, typer.Option(help="e.g. agency_corrected, funds_recovered.")],
    as_user: AsOpt,
    url: UrlOpt = None,
    funds: Annotated[str, typer.Option(help="Funds recovered, in yuan.")] = "0",
) -> None:
    """Close a case with its outcome; its clues are closed."""
    from lexradar.clues.cases import close_case as do

    casebook, actor = _session(url, as_user)
    do(casebook, actor, case_id, None, outcome, funds_recovered=funds)
    console.print(f"case {case_id} closed: {outcome}")


@cases_app.command("list")
@fails_cleanly
def list_cases(as_user: AsOpt, url: UrlOpt = None) -> None:
    """Cases of your region."""
    from lexradar.clues.cases import list_cases as query

    casebook, actor = _session(url, as_user)
    table = Table(title="cases", title_justify="left")
    for col in (
        "id",
        "kind",
        "domain",
        "procuratorate",
        "opened",
        "closed",
        "outcome",
        "funds",
        "clues",
    ):
        table.add_column(col)
    for c in query(casebook, actor):
        table.add_row(
            str(c.id),
            c.kind,
            c.domain,
            c.procuratorate_code,
            str(c.opened_on),
            str(c.closed_on or ""),
            c.outcome or "",
            str(c.funds_recovered),
            ",".join(map(str, c.clue_ids)),
        )
    console.print(table)


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM, got {text!r}") from None


@fails_cleanly
def stats(
    as_user: AsOpt,
    url: UrlOpt = None,
    by: Annotated[
        list[str] | None, typer.Option(help="model, domain, region or month; repeatable.")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")] = None,
    level: Annotated[str, typer.Option(help="Region roll-up: province, city, county.")] = "city",
    reasons: Annotated[
        bool,
        typer.Option("--reasons", help="Per model: why its clues were dismissed (model feedback)."),
    ] = False,
) -> None:
    """Clues discovered, cases supervised, conversion, funds recovered; last year beside."""
    from lexradar.reports.stats import dismissal_reasons, statistics

    casebook, actor = _session(url, as_user)
    if reasons:
        kinds = ("false_positive", "duplicate", "out_of_jurisdiction", "already_handled")
        feedback = Table(title="dismissed clues by reason, per model", title_justify="left")
        for col in ("model", *kinds):
            feedback.add_column(col)
        for model_id, counts in sorted(dismissal_reasons(casebook, actor).items()):
            feedback.add_row(model_id, *(str(counts.get(c, 0)) for c in kinds))
        console.print(feedback)
        return
    today = dt.date.today()
    first = _month(start) if start else today.replace(month=1, day=1)
    last = _month(end) if end else today
    result = statistics(
        casebook,
        actor,
        start=first,
        end=last,
        by=by or ["model"],
        level=level,
        models=_model_states(),
    )  # type: ignore[arg-type]
    headers, rows = result.table()
    table = Table(title=f"statistics {result.start} – {result.end}", title_justify="left")
    for col in headers:
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(
        f"models in production {result.models.get('production', 0)}, "
        f"under construction {result.models.get('under_construction', 0)}"
    )


def _model_states() -> list[tuple[str, str]]:
    from lexradar.models import Registry

    return [(m.spec.id, m.spec.status) for m in Registry().models.values()]


@users_app.command("add")
@fails_cleanly
def add_user(
    username: str,
    role: Annotated[str, typer.Option(help="admin, model_builder, handler or leader.")],
    procuratorate: Annotated[str, typer.Option(help="Region code of the user's procuratorate.")],
    as_user: AsOpt,
    url: UrlOpt = None,
    password: Annotated[str | None, typer.Option(help="Password (asked for if not given).")] = None,
) -> None:
    """Add a user (admins only); the password is stored as an argon2 hash."""
    from lexradar.clues.access import add_user as do

    casebook, actor = _session(url, as_user)
    secret = password or typer.prompt("password", hide_input=True, confirmation_prompt=True)
    do(casebook, actor, username, secret, role, procuratorate)
    console.print(f"user {username} added")


@users_app.command("list")
@fails_cleanly
def list_users(as_user: AsOpt, url: UrlOpt = None) -> None:
    """Users of your region."""
    from lexradar.clues.access import list_users as query

    casebook, actor = _session(url, as_user)
    for u in query(casebook, actor):
        console.print(f"{u.username}\t{u.role}\t{u.procuratorate_code}")


@audit_app.command("verify")
@fails_cleanly
def verify(
    url: UrlOpt = None,
    head: Annotated[
        str | None, typer.Option(help="SEQ:HASH printed by an earlier verify (finds cut tails).")
    ] = None,
) -> None:
    """Check the audit chain; name the first broken entry (exit status 1)."""
    from lexradar.clues.audit import tail as last
    from lexradar.clues.audit import verify as do

    casebook = _open(url)
    recorded = None
    if head:
        seq, _, digest = head.partition(":")
        recorded = (int(seq), digest)
    broken = do(casebook, head=recorded)
    if broken:
        console.print(f"[bold red]{broken}[/]")
        raise typer.Exit(1)
    now = last(casebook, 1)
    console.print("audit chain intact" + (f"; head {now[0].seq}:{now[0].hash}" if now else ""))


@audit_app.command("tail")
@fails_cleanly
def tail(url: UrlOpt = None, n: Annotated[int, typer.Option("-n", help="Entries.")] = 20) -> None:
    """The last entries of the audit chain."""
    from lexradar.clues.audit import tail as do

    for e in do(_open(url), n):
        console.print(f"{e.seq}\t{e.at}\t{e.actor}\t{e.action}\t{e.subject}\t{e.detail}")
