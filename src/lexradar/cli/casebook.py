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

from lexradar.cli.common import JsonOpt, console, fails_cleanly, print_json

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
users_app = typer.Typer(
    help="Users: add, list, deactivate, activate, reset-password, set, passwd, revoke-sessions.",
    no_args_is_help=True,
)
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
    """Load a clue file into the casebook by fingerprint (rerunning adds no duplicates).

    Each clue keeps the domain its file gives it; only clues of production models load, and
    only those of the acting user's region subtree.
    """
    from lexradar.cli.common import project
    from lexradar.clues.access import SYSTEM

    with project(casebook=url) as proj:
        loaded = proj.load(clues_file, as_user or SYSTEM, batch_size=batch)
    console.print(loaded.summary())


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
    search: Annotated[
        str | None,
        typer.Option(
            help="Only clues citing this resident ID (18 or 15 digits), name, case or "
            "certificate number (audited)."
        ),
    ] = None,
    saved: Annotated[
        str | None, typer.Option(help="Only clues matching this saved filter (by name).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Clues of your region, newest first (personal data masked)."""
    from lexradar.clues.queries import list_clues as query

    casebook, actor = _session(url, as_user)
    if search or saved:  # the queue's own query: the search index, audited
        from lexradar.clues.queries import MAX_PAGE, Filters, queue
        from lexradar.clues.saved import over_saved

        given = Filters(status=status, model=model, search=search)
        chosen = over_saved(casebook, actor, saved, given)
        found = queue(casebook, actor, chosen, size=min(max(limit, 1), MAX_PAGE)).clues
    else:
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
    if as_json:
        print_json([dict(zip(columns, row, strict=True)) for row in rows])
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
    as_json: JsonOpt = False,
) -> None:
    """One clue: why it was raised, its evidence and its history."""
    import dataclasses
    import json

    from lexradar.clues.queries import get_clue
    from lexradar.clues.queries import reveal as reveal_clue

    casebook, actor = _session(url, as_user)
    c = (
        reveal_clue(casebook, actor, clue_id, reveal)
        if reveal
        else get_clue(casebook, actor, clue_id)
    )
    if as_json:
        print_json(dataclasses.asdict(c))
        return
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
def list_cases(as_user: AsOpt, url: UrlOpt = None, as_json: JsonOpt = False) -> None:
    """Cases of your region."""
    import dataclasses

    from lexradar.clues.cases import list_cases as query

    casebook, actor = _session(url, as_user)
    if as_json:
        print_json([dataclasses.asdict(c) for c in query(casebook, actor)])
        return
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
    from lexradar.reports.stats import dismissal_reasons, region_level, statistics

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
        level=region_level(level),
        models=_model_states(),
    )
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
    from lexradar.cli.common import project

    return [(m.spec.id, m.spec.status) for m in project().registry.models.values()]


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


@users_app.command("revoke-sessions")
@fails_cleanly
def revoke_sessions(username: str, as_user: AsOpt, url: UrlOpt = None) -> None:
    """End every workbench session of a user of your region (admins; audited)."""
    from lexradar.clues.sessions import revoke

    casebook, actor = _session(url, as_user)
    n = revoke(casebook, actor, username)
    console.print(f"{n} session(s) of {username} ended")


@users_app.command("list")
@fails_cleanly
def list_users(as_user: AsOpt, url: UrlOpt = None, as_json: JsonOpt = False) -> None:
    """Users of your region, active and deactivated."""
    from lexradar.clues.users import accounts

    casebook, actor = _session(url, as_user)
    found = accounts(casebook, actor)
    if as_json:
        print_json([a.as_dict() for a in found])
        return
    table = Table("user", "role", "procuratorate", "status", "version")
    for a in found:
        status = "active" if a.active else "deactivated"
        if a.must_change_password:
            status += ", must change password"
        table.add_row(a.username, a.role, a.procuratorate_code, status, str(a.version))
    console.print(table)


UserVersionOpt = Annotated[
    int | None,
    typer.Option("--version", help="Version of the user you read (refused if it changed)."),
]


@users_app.command("deactivate")
@fails_cleanly
def deactivate_user(
    username: str, as_user: AsOpt, url: UrlOpt = None, version: UserVersionOpt = None
) -> None:
    """Deactivate a user of your region (admins; audited): their login fails and their
    sessions end at once; their clues stay assigned to them."""
    from lexradar.clues.users import deactivate

    casebook, actor = _session(url, as_user)
    new = deactivate(casebook, actor, username, version)
    console.print(f"user {username} deactivated (version {new})")


@users_app.command("activate")
@fails_cleanly
def activate_user(
    username: str, as_user: AsOpt, url: UrlOpt = None, version: UserVersionOpt = None
) -> None:
    """Reactivate a deactivated user of your region (admins; audited)."""
    from lexradar.clues.users import activate

    casebook, actor = _session(url, as_user)
    new = activate(casebook, actor, username, version)
    console.print(f"user {username} reactivated (version {new})")


@users_app.command("reset-password")
@fails_cleanly
def reset_password(
    username: str,
    as_user: AsOpt,
    url: UrlOpt = None,
    password: Annotated[
        str | None, typer.Option(help="The temporary password (default: a random one, printed).")
    ] = None,
    version: UserVersionOpt = None,
) -> None:
    """Give a user of your region a temporary password (admins; audited): their sessions end
    and they must change it at their next login."""
    from lexradar.clues.users import reset_password as do

    casebook, actor = _session(url, as_user)
    secret, _new = do(casebook, actor, username, version, password)
    if password is None:
        console.print(f"temporary password of {username}: {secret}", highlight=False)
    else:
        console.print(f"password of {username} reset; to be changed at the next login")


@users_app.command("set")
@fails_cleanly
def set_user(
    username: str,
    as_user: AsOpt,
    role: Annotated[
        str | None, typer.Option(help="New role: admin, model_builder, handler or leader.")
    ] = None,
    procuratorate: Annotated[
        str | None, typer.Option(help="New procuratorate (a code inside your region).")
    ] = None,
    url: UrlOpt = None,
    version: UserVersionOpt = None,
) -> None:
    """Change the role and/or procuratorate of a user of your region (admins; audited)."""
    from lexradar.clues.users import change

    if role is None and procuratorate is None:
        raise typer.BadParameter("give --role and/or --procuratorate", param_hint="--role")
    casebook, actor = _session(url, as_user)
    new = change(casebook, actor, username, version, role=role, procuratorate=procuratorate)
    console.print(f"user {username} changed (version {new})")


@users_app.command("passwd")
@fails_cleanly
def passwd(
    as_user: AsOpt,
    url: UrlOpt = None,
    current: Annotated[
        str | None, typer.Option(help="Your current password (asked for if not given).")
    ] = None,
    new: Annotated[str | None, typer.Option(help="The new password (asked for if not given).")] = (
        None
    ),
) -> None:
    """Change your own password (the current one checked; audited); your sessions end."""
    from lexradar.clues.access import user as find
    from lexradar.clues.users import change_own_password

    casebook = _open(url)
    me = find(casebook, as_user)
    old = current or typer.prompt("current password", hide_input=True)
    fresh = new or typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    change_own_password(casebook, me, old, fresh)
    console.print(f"password of {as_user} changed")


KeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--key",
        help="The audit key file (default: LEXRADAR_AUDIT_KEY, else beside the casebook).",
    ),
]
CheckpointsOpt = Annotated[
    Path | None,
    typer.Option(
        "--checkpoints",
        help="The audit checkpoint file (default: LEXRADAR_AUDIT_CHECKPOINTS, else beside the "
        "casebook).",
    ),
]


def _audited(url: str | None, key: Path | None, checkpoints: Path | None) -> Casebook:
    from lexradar.clues.db import Casebook
    from lexradar.settings import load_settings

    return Casebook.open(
        url or load_settings().casebook_url, audit_key=key, checkpoints=checkpoints
    )


def _head(text: str) -> tuple[int, str]:
    import re

    from lexradar.clues.errors import CasebookError
    from lexradar.errors import Location

    found = re.fullmatch(r"\s*(\d+)\s*:\s*([0-9a-f]{64})\s*", text)
    if not found:
        raise CasebookError(
            f"--head must be SEQ:HASH as `lexradar audit verify` prints it "
            f"(a number, a colon, 64 hexadecimal digits), not {text!r}",
            Location(field="head"),
        )
    return int(found.group(1)), found.group(2)


@audit_app.command("verify")
@fails_cleanly
def verify(
    url: UrlOpt = None,
    head: Annotated[
        str | None,
        typer.Option(help="SEQ:HASH printed by an earlier verify, checked as one more checkpoint."),
    ] = None,
    key: KeyOpt = None,
    checkpoints: CheckpointsOpt = None,
    no_checkpoints: Annotated[
        bool,
        typer.Option(
            "--no-checkpoints", help="Check the chain only (cut tails then go unnoticed)."
        ),
    ] = False,
) -> None:
    """Check the audit chain and its signed checkpoints; name the first break (exit status 1).

    Exit status 2 when it cannot be checked: no such casebook, no key, a bad --head.
    """
    import sqlalchemy as sa

    from lexradar.clues.audit import check
    from lexradar.clues.errors import CasebookError

    recorded = _head(head) if head is not None else None
    casebook = _audited(url, key, checkpoints)
    try:
        report = check(casebook, head=recorded, checkpoints=not no_checkpoints)
    except sa.exc.SQLAlchemyError as exc:
        raise CasebookError(
            f"cannot read the audit chain: {getattr(exc, 'orig', None) or exc}"
        ) from None
    finally:
        casebook.dispose()
    if report.broken:
        console.print(f"[bold red]{report.broken}[/]", highlight=False)
        raise typer.Exit(1)
    what = f"audit chain intact: {report.entries} entries"
    if report.legacy:
        what += f" ({report.legacy} unsigned, from before the key)"
    if not no_checkpoints:
        what += f", {report.checkpoints} checkpoints"
    if report.head:
        what += f"; head {report.head[0]}:{report.head[1]}"
    console.print(what, highlight=False)
    if report.pending:
        console.print(
            f"[yellow]warning:[/] entries {report.pending[0]}–{report.pending[1]} (the last "
            "write) have no checkpoint yet: their writer stopped between its commit and its "
            "checkpoint; the next write checks and records them",
            highlight=False,
        )
    if not report.anchored:
        console.print(
            "[yellow]warning:[/] the chain is not signed or anchored (a casebook from before "
            "the audit key): run `lexradar casebook init` to give it a key",
            highlight=False,
        )


@audit_app.command("tail")
@fails_cleanly
def tail(url: UrlOpt = None, n: Annotated[int, typer.Option("-n", help="Entries.")] = 20) -> None:
    """The last entries of the audit chain."""
    from lexradar.clues.audit import tail as do

    for e in do(_open(url), n):
        console.print(f"{e.seq}\t{e.at}\t{e.actor}\t{e.action}\t{e.subject}\t{e.detail}")
