"""The life of a clue as an explicit state machine.

``new → assigned → verifying → confirmed → supervised → closed``; ``dismissed`` (with a
reason) from any open state before a case is opened. Every transition names the version of
the clue it read: if someone changed the clue since, :class:`ConflictError` is raised and
nothing is written. Each transition and note is a row of ``clue_events`` (history is added,
never overwritten) and an audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lexradar.clues import tally
from lexradar.clues.access import User, get_user, require, scope
from lexradar.clues.db import Casebook, utcnow
from lexradar.clues.errors import (
    CasebookError,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    TransitionError,
)
from lexradar.clues.events import Auditable, ClueMoved, ClueNoted
from lexradar.clues.tables import clue_events, clues
from lexradar.errors import Location

STATES = ("new", "assigned", "verifying", "confirmed", "supervised", "closed", "dismissed")
DISMISS_REASONS = ("false_positive", "duplicate", "out_of_jurisdiction", "already_handled")
OPEN_STATES = ("new", "assigned", "verifying", "confirmed")
CLOSED_STATES = ("closed", "dismissed")
"""States a clue leaves only when a later run brings changed evidence (it then reopens)."""

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("assigned", "dismissed"),
    "assigned": ("assigned", "verifying", "dismissed"),
    "verifying": ("confirmed", "dismissed"),
    "confirmed": ("supervised", "dismissed"),
    "supervised": ("closed",),
    "closed": (),
    "dismissed": (),
}
WORKERS = ("admin", "leader", "handler")


def scoped_clue(conn: Connection, actor: User, clue_id: int, *, for_update: bool = False) -> Any:
    """The clue, if it lies in the actor's subtree; ``NotFoundError`` otherwise."""
    query = sa.select(clues).where(clues.c.id == clue_id, scope(clues.c.procuratorate_code, actor))
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFoundError(f"no clue {clue_id} in {actor.username}'s region")
    return row


def _move(
    conn: Connection,
    events: list[Auditable],
    actor: User,
    clue: Any,
    version: int | None,
    to: str,
    *,
    reason: str | None = None,
    note: str = "",
    extra: Mapping[str, Any] | None = None,
) -> int:
    """Apply one transition to a clue already read in this transaction; its new version."""
    expected = clue.version if version is None else version
    if clue.version != expected:
        raise ConflictError(f"clue {clue.id}", expected, clue.version)
    if to not in TRANSITIONS[clue.status]:
        allowed = ", ".join(TRANSITIONS[clue.status]) or "nothing"
        raise TransitionError(
            f"clue {clue.id} is {clue.status}: it can go to {allowed}, not {to}",
            Location(field="status"),
        )
    now = utcnow()
    values = {"status": to, "version": expected + 1, "updated_at": now, **(extra or {})}
    done = conn.execute(
        clues.update().where(clues.c.id == clue.id, clues.c.version == expected).values(values)
    ).rowcount
    if done != 1:  # someone committed in between
        found = conn.execute(sa.select(clues.c.version).where(clues.c.id == clue.id)).scalar()
        raise ConflictError(f"clue {clue.id}", expected, found)
    tally.count(conn, clue, clue.status, -1)
    tally.count(conn, clue, to, 1)
    conn.execute(
        clue_events.insert().values(
            clue_id=clue.id,
            from_status=clue.status,
            to_status=to,
            actor=actor.username,
            at=now,
            reason=reason,
            note=note,
        )
    )
    events.append(
        ClueMoved(
            actor.username,
            clue.id,
            clue.status,
            to,
            expected + 1,
            reason=reason,
            note=note,
            dismiss_reason=(extra or {}).get("dismiss_reason"),
            assignee_id=(extra or {}).get("assignee_id"),
        )
    )
    return expected + 1


def transition(
    casebook: Casebook,
    actor: User,
    clue_id: int,
    to: str,
    version: int | None,
    *,
    reason: str | None = None,
    note: str = "",
) -> int:
    """Move a clue to ``to``; ``version`` is the one the caller read (``None``: current)."""
    require(actor, *WORKERS)
    if to == "dismissed" and reason not in DISMISS_REASONS:
        raise CasebookError(
            f"a dismissal needs a reason: one of {', '.join(DISMISS_REASONS)}",
            Location(field="reason"),
        )
    with casebook.write() as (conn, events):
        clue = scoped_clue(conn, actor, clue_id, for_update=True)
        extra = {"dismiss_reason": reason} if to == "dismissed" else None
        return _move(conn, events, actor, clue, version, to, reason=reason, note=note, extra=extra)


def _assignee(conn: Connection, actor: User, username: str) -> User:
    target = get_user(conn, username)
    if not target.procuratorate_code.startswith(actor.prefix):
        raise PermissionDenied(f"{username} is outside {actor.username}'s region")
    return target


def assign(
    casebook: Casebook,
    actor: User,
    clue_id: int,
    version: int | None,
    assignee: str,
    note: str = "",
) -> int:
    """Give a clue to a handler (who must be able to see it)."""
    return bulk_assign(casebook, actor, {clue_id: version}, assignee, note)[clue_id]


def bulk_assign(
    casebook: Casebook,
    actor: User,
    versions: Mapping[int, int | None],
    assignee: str,
    note: str = "",
) -> dict[int, int]:
    """Assign many clues at once, all or none: clue id → version read (``None``: current)."""
    require(actor, *WORKERS)
    out = {}
    with casebook.write() as (conn, events):
        target = _assignee(conn, actor, assignee)
        for clue_id, version in versions.items():
            clue = scoped_clue(conn, actor, clue_id, for_update=True)
            if not clue.procuratorate_code.startswith(target.prefix):
                raise PermissionDenied(f"{assignee} cannot see clue {clue_id}")
            out[clue_id] = _move(
                conn,
                events,
                actor,
                clue,
                version,
                "assigned",
                note=note,
                extra={"assignee_id": target.id},
            )
    return out


def start_verifying(
    casebook: Casebook, actor: User, clue_id: int, version: int | None, note: str = ""
) -> int:
    return transition(casebook, actor, clue_id, "verifying", version, note=note)


def confirm(
    casebook: Casebook, actor: User, clue_id: int, version: int | None, note: str = ""
) -> int:
    """Confirm a clue under verification (an assigned clue is put under verification first)."""
    require(actor, *WORKERS)
    with casebook.write() as (conn, events):
        clue = scoped_clue(conn, actor, clue_id, for_update=True)
        if clue.status == "assigned":
            version = _move(conn, events, actor, clue, version, "verifying")
            clue = scoped_clue(conn, actor, clue_id)
        return _move(conn, events, actor, clue, version, "confirmed", note=note)


def dismiss(
    casebook: Casebook, actor: User, clue_id: int, version: int | None, reason: str, note: str = ""
) -> int:
    return transition(casebook, actor, clue_id, "dismissed", version, reason=reason, note=note)


def add_note(casebook: Casebook, actor: User, clue_id: int, note: str) -> None:
    """A note on a clue: history, not a change of state (the version stays)."""
    with casebook.write() as (conn, events):
        clue = scoped_clue(conn, actor, clue_id)
        conn.execute(
            clue_events.insert().values(
                clue_id=clue.id,
                from_status=clue.status,
                to_status=None,
                actor=actor.username,
                at=utcnow(),
                note=note,
            )
        )
        events.append(ClueNoted(actor.username, clue.id, note))
