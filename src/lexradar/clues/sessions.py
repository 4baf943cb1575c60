"""Server-side sessions of the workbench, kept in the casebook's ``sessions`` table.

The browser's cookie carries only a random id; the table keeps the keyed hash of that id
(:func:`id_hash`), so neither a copy of the database nor a row written into it by someone
without the key gives a working cookie. A session ends when its user logs out (the row is
deleted: the old cookie no longer works), when an admin revokes the user's sessions, when it
has not been used for the idle time, or at its absolute end, whichever comes first. A session
of a user who is no longer active is no session.

Logging out and revoking are audited; starting a session is not (the login is, by
:func:`lexradar.clues.access.login`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lexradar.clues.access import User, get_user, require
from lexradar.clues.db import Casebook
from lexradar.clues.errors import NotFoundError
from lexradar.clues.events import loads_strict
from lexradar.clues.tables import sessions, users
from lexradar.errors import Location

__all__ = [
    "Loaded",
    "LoggedOut",
    "SessionsRevoked",
    "active_counts",
    "create",
    "end",
    "end_all",
    "id_hash",
    "load",
    "revoke",
    "save",
]


@dataclass(frozen=True)
class LoggedOut:
    actor: str
    action: ClassVar[str] = "logout"

    @property
    def subject(self) -> str:
        return f"user:{self.actor}"

    @property
    def detail(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class SessionsRevoked:
    """An admin ended every session of a user."""

    actor: str
    username: str
    sessions: int
    action: ClassVar[str] = "sessions.revoke"

    @property
    def subject(self) -> str:
        return f"user:{self.username}"

    @property
    def detail(self) -> dict[str, Any]:
        return {"sessions": self.sessions}


@dataclass(frozen=True)
class Loaded:
    """A live session read back: its user (``None`` before login) and data."""

    id_hash: str
    user: User | None
    data: dict[str, Any]
    last_seen: dt.datetime
    expires_at: dt.datetime


def id_hash(session_id: str, key: bytes | None = None) -> str:
    """The stored form of a session id: HMAC-SHA256 under ``key`` (SHA-256 without one)."""
    raw = session_id.encode("utf-8")
    if key:
        return hmac.new(key, raw, hashlib.sha256).hexdigest()
    return hashlib.sha256(raw).hexdigest()


def _data(text: str) -> dict[str, Any]:
    try:
        value = loads_strict(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def load(casebook: Casebook, hashed: str, now: dt.datetime, idle: dt.timedelta) -> Loaded | None:
    """The live session with this hashed id, or ``None`` (unknown, idle too long, past its end,
    or its user no longer active)."""
    query = (
        sa.select(
            sessions,
            users.c.username,
            users.c.role,
            users.c.procuratorate_code,
            users.c.active,
            users.c.must_change_password,
        )
        .select_from(sessions.outerjoin(users, users.c.id == sessions.c.user_id))
        .where(sessions.c.id_hash == hashed)
    )
    with casebook.read() as conn:
        row = conn.execute(query).first()
    if row is None or row.expires_at <= now or row.last_seen + idle <= now:
        return None
    user = None
    if row.user_id is not None:
        if not row.active:
            return None
        user = User(
            row.user_id,
            row.username,
            row.role,
            row.procuratorate_code,
            bool(row.must_change_password),
        )
    return Loaded(hashed, user, _data(row.data), row.last_seen, row.expires_at)


def _prune(conn: Connection, now: dt.datetime, idle: dt.timedelta) -> None:
    conn.execute(
        sessions.delete().where(
            sa.or_(sessions.c.expires_at <= now, sessions.c.last_seen <= now - idle)
        )
    )


def create(
    casebook: Casebook,
    hashed: str,
    user: User | None,
    data: dict[str, Any],
    now: dt.datetime,
    *,
    idle: dt.timedelta,
    lifetime: dt.timedelta,
    replaces: str | None = None,
) -> None:
    """Start a session (deleting the one it ``replaces``: a login gets a new id) and drop the
    sessions that have ended."""
    with casebook.write() as (conn, _events):
        _prune(conn, now, idle)
        if replaces:
            conn.execute(sessions.delete().where(sessions.c.id_hash == replaces))
        conn.execute(
            sessions.insert().values(
                id_hash=hashed,
                user_id=user.id if user else None,
                data=json.dumps(data, sort_keys=True),
                created_at=now,
                last_seen=now,
                expires_at=now + lifetime,
            )
        )


def save(
    casebook: Casebook, hashed: str, now: dt.datetime, data: dict[str, Any] | None = None
) -> None:
    """Mark the session used now (and replace its data when given)."""
    values: dict[str, Any] = {"last_seen": now}
    if data is not None:
        values["data"] = json.dumps(data, sort_keys=True)
    with casebook.write() as (conn, _events):
        conn.execute(sessions.update().where(sessions.c.id_hash == hashed).values(values))


def end(casebook: Casebook, hashed: str, user: User | None = None) -> None:
    """End one session (logout): its cookie no longer works. A user's logout is audited."""
    with casebook.write() as (conn, events):
        gone = conn.execute(sessions.delete().where(sessions.c.id_hash == hashed)).rowcount
        if gone and user is not None:
            events.append(LoggedOut(user.username))


def end_all(conn: Connection, user_id: int, keep: str | None = None) -> int:
    """Delete every session of a user (but the one whose hashed id is ``keep``), inside the
    caller's transaction; how many."""
    query = sessions.delete().where(sessions.c.user_id == user_id)
    if keep:
        query = query.where(sessions.c.id_hash != keep)
    return int(conn.execute(query).rowcount or 0)


def revoke(casebook: Casebook, actor: User, username: str) -> int:
    """End every session of ``username`` (admins, for users of their subtree); how many."""
    require(actor, "admin")
    with casebook.write() as (conn, events):
        target = get_user(conn, username)
        if not target.procuratorate_code.startswith(actor.prefix):  # as if there were none
            raise NotFoundError(f"no active user {username!r}", Location(field="user"))
        assert target.id is not None
        n = end_all(conn, target.id)
        events.append(SessionsRevoked(actor.username, username, n))
    return n


def active_counts(
    casebook: Casebook, actor: User, now: dt.datetime, idle: dt.timedelta
) -> dict[str, int]:
    """User name → live sessions, for the users of the actor's subtree."""
    from lexradar.clues.access import scope

    query = (
        sa.select(users.c.username, sa.func.count())
        .select_from(sessions.join(users, users.c.id == sessions.c.user_id))
        .where(
            scope(users.c.procuratorate_code, actor),
            sessions.c.expires_at > now,
            sessions.c.last_seen > now - idle,
        )
        .group_by(users.c.username)
    )
    with casebook.read() as conn:
        return {str(name): int(n) for name, n in conn.execute(query)}
