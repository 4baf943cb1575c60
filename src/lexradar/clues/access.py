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
from sqlalchemy.exc import IntegrityError

from lexradar.clues.db import Casebook, Event, utcnow
from lexradar.clues.errors import CasebookError, ConflictError, NotFoundError, PermissionDenied
from lexradar.clues.tables import ROLES, procuratorates, users
from lexradar.errors import Location


class DuplicateError(ConflictError):
    """A user name or procuratorate code that is already taken (answered 409 by the web)."""

    def __init__(self, what: str, field: str, value: str) -> None:
        self.expected = 0
        self.found = None
        self.value = value
        CasebookError.__init__(
            self, f"{what} {field} {value!r} already exists", Location(field=field)
        )


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


def prefix_after(prefix: str) -> str | None:
    """The smallest digit string of ``prefix``'s length above every code that starts with it.

    ``15`` → ``16``, ``1504`` → ``1505``, ``1599`` → ``1600``; ``None`` for ``99``: nothing of
    that length is above it, so no upper bound is needed.
    """
    if not prefix.isdigit():
        raise CasebookError(
            f"a procuratorate code prefix is digits, not {prefix!r}",
            Location(field="procuratorate_code"),
        )
    if set(prefix) == {"9"}:
        return None
    return str(int(prefix) + 1).zfill(len(prefix))


def subtree(column: sa.ColumnElement[Any], prefix: str) -> sa.ColumnElement[bool]:
    """``column`` (a 6-digit procuratorate code) starts with ``prefix``, as a range.

    ``code >= '1504' AND code < '1505'`` selects the same 6-digit codes as ``code LIKE
    '1504%'``, but SQLite and PostgreSQL (in any collation) can answer it from an index on
    the column, which they cannot do for ``LIKE``.
    """
    upper = prefix_after(prefix)
    low = column >= prefix
    return low if upper is None else sa.and_(low, column < upper)


def scope(column: sa.ColumnElement[Any], user: User) -> sa.ColumnElement[bool]:
    """The condition that keeps ``column`` (a procuratorate code) inside ``user``'s subtree."""
    return subtree(column, user.prefix)


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
        taken = sa.select(users.c.id).where(users.c.username == username)
        if conn.execute(taken).first() is not None:
            raise DuplicateError("user", "username", username)
        try:
            # a savepoint, so that losing a race to a concurrent insert leaves the
            # transaction usable (PostgreSQL aborts a transaction on any error)
            with conn.begin_nested():
                new_id = conn.execute(
                    users.insert().values(
                        username=username,
                        password_hash=_hasher().hash(password),
                        role=role,
                        procuratorate_code=procuratorate_code,
                        created_at=utcnow(),
                    )
                ).inserted_primary_key[0]
        except IntegrityError as exc:
            if conn.execute(taken).first() is not None:
                raise DuplicateError("user", "username", username) from exc
            raise
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
    """Add a procuratorate to the tree (admins only): the shipped tree is editable.

    A code already in the tree raises :class:`DuplicateError`.
    """
    require(actor, "admin")
    level = "province" if code.endswith("0000") else "city" if code.endswith("00") else "county"
    with casebook.write() as (conn, events):
        taken = sa.select(procuratorates.c.code).where(procuratorates.c.code == code)
        if conn.execute(taken).first() is not None:
            raise DuplicateError("procuratorate", "code", code)
        try:
            with conn.begin_nested():
                conn.execute(
                    procuratorates.insert().values(
                        code=code, name=name, level=level, parent_code=parent_code
                    )
                )
        except IntegrityError as exc:
            if conn.execute(taken).first() is not None:
                raise DuplicateError("procuratorate", "code", code) from exc
            raise
        events.append(
            Event(
                actor.username,
                "procuratorate.add",
                f"procuratorate:{code}",
                {"name": name, "parent": parent_code},
            )
        )
