"""Users, roles and the one helper that scopes every query to the user's region subtree.

A user belongs to a procuratorate (a GB/T 2260 code). They see the clues and cases of that
procuratorate and of those below it: a county's handler sees the county, a city's leader the
city and its counties, the region's staff everything. :func:`scope` is the only place that
decides this; every query function in :mod:`lexradar.clues` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lexradar.clues.db import Casebook, Event, utcnow
from lexradar.clues.errors import CasebookError, NotFoundError, PermissionDenied
from lexradar.clues.tables import ROLES, procuratorates, users
from lexradar.errors import Location


@dataclass(frozen=True)
class User:
    """The acting user."""

    id: int | None
    username: str
    role: str
    procuratorate_code: str

    @property
    def prefix(self) -> str:
        """The code prefix of the user's subtree: ``15``, ``1504`` or ``150404``."""
        code = self.procuratorate_code
        while code.endswith("00") and len(code) > 2:
            code = code[:-2]
        return code


SYSTEM = User(None, "system", "admin", "150000")
"""The actor of unattended work (a model run loaded by a scheduler)."""


def scope(column: sa.ColumnElement[Any], user: User) -> sa.ColumnElement[bool]:
    """The condition that keeps ``column`` (a procuratorate code) inside ``user``'s subtree."""
    return column.like(user.prefix + "%")


def require(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(f"{user.username} ({user.role}) may not do this; needs {roles}")


def _hasher():  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher

    return PasswordHasher()


def add_user(
    casebook: Casebook,
    actor: User,
    username: str,
    password: str,
    role: str,
    procuratorate_code: str,
) -> User:
    """Create a user (admins only); the password is stored as an argon2 hash."""
    require(actor, "admin")
    if role not in ROLES:
        raise CasebookError(f"role must be one of {ROLES}", Location(field="role"))
    with casebook.write() as (conn, events):
        known = conn.execute(
            sa.select(procuratorates.c.code).where(procuratorates.c.code == procuratorate_code)
        ).first()
        if known is None:
            raise NotFoundError(f"no procuratorate {procuratorate_code}")
        if not procuratorate_code.startswith(actor.prefix):
            raise PermissionDenied(f"{procuratorate_code} is outside {actor.username}'s region")
        new_id = conn.execute(
            users.insert().values(
                username=username,
                password_hash=_hasher().hash(password),
                role=role,
                procuratorate_code=procuratorate_code,
                created_at=utcnow(),
            )
        ).inserted_primary_key[0]
        events.append(
            Event(
                actor.username,
                "user.add",
                f"user:{username}",
                {"role": role, "procuratorate": procuratorate_code},
            )
        )
    return User(new_id, username, role, procuratorate_code)


def _to_user(row: Any) -> User:
    return User(row.id, row.username, row.role, row.procuratorate_code)


def get_user(conn: Connection, username: str) -> User:
    row = conn.execute(
        sa.select(users).where(users.c.username == username, users.c.active.is_(True))
    ).first()
    if row is None:
        raise NotFoundError(f"no active user {username!r}", Location(field="user"))
    return _to_user(row)


def user(casebook: Casebook, username: str) -> User:
    """The active user with this name."""
    with casebook.read() as conn:
        return get_user(conn, username)


def login(casebook: Casebook, username: str, password: str) -> User:
    """Check a password; success and failure are both audited."""
    from argon2.exceptions import VerificationError

    with casebook.write() as (conn, events):
        row = conn.execute(
            sa.select(users).where(users.c.username == username, users.c.active.is_(True))
        ).first()
        ok = False
        if row is not None:
            try:
                ok = _hasher().verify(row.password_hash, password)
            except VerificationError:
                ok = False
        events.append(Event(username, "login" if ok else "login.failed", f"user:{username}"))
    if not ok:
        raise PermissionDenied("wrong user name or password")
    return _to_user(row)


def list_users(casebook: Casebook, actor: User) -> list[User]:
    """Users of the actor's subtree."""
    with casebook.read() as conn:
        rows = conn.execute(
            sa.select(users)
            .where(scope(users.c.procuratorate_code, actor))
            .order_by(users.c.username)
        ).all()
    return [_to_user(r) for r in rows]


def add_procuratorate(
    casebook: Casebook, actor: User, code: str, name: str, parent_code: str | None
) -> None:
    """Add a procuratorate to the tree (admins only): the shipped tree is editable."""
    require(actor, "admin")
    level = "province" if code.endswith("0000") else "city" if code.endswith("00") else "county"
    with casebook.write() as (conn, events):
        conn.execute(
            procuratorates.insert().values(
                code=code, name=name, level=level, parent_code=parent_code
            )
        )
        events.append(
            Event(
                actor.username,
                "procuratorate.add",
                f"procuratorate:{code}",
                {"name": name, "parent": parent_code},
            )
        )
