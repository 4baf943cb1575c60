"""Users, roles and the one helper that scopes every query to the user's region subtree.

A user belongs to a procuratorate (a GB/T 2260 code). They see the clues and cases of that
procuratorate and of those below it: a county's handler sees the county, a city's leader the
city and its counties, the region's staff everything. :func:`scope` is the only place that
decides this; every query function in :mod:`lexradar.clues` applies it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from lexradar.clues.db import Casebook, utcnow
from lexradar.clues.errors import CasebookError, ConflictError, NotFoundError, PermissionDenied
from lexradar.clues.events import LoggedIn, LoginFailed, ProcuratorateAdded, UserAdded
from lexradar.clues.tables import ROLES as ROLES  # the roles a user may have, exported
from lexradar.clues.tables import procuratorates, users
from lexradar.errors import Location

if TYPE_CHECKING:
    from argon2 import PasswordHasher


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
    must_change_password: bool = False
    """Logged in with a temporary password: nothing but changing it until it is changed."""

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


def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """An argon2 hash of a random password, checked when the user name is unknown, so that a
    login takes as long whether or not the user exists."""
    import secrets

    return str(_hasher().hash(secrets.token_urlsafe(16)))


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
                key = conn.execute(
                    users.insert().values(
                        username=username,
                        password_hash=_hasher().hash(password),
                        role=role,
                        procuratorate_code=procuratorate_code,
                        created_at=utcnow(),
                    )
                ).inserted_primary_key
                assert key is not None  # the key of the one row inserted
                new_id: int = key[0]
        except IntegrityError as exc:
            if conn.execute(taken).first() is not None:
                raise DuplicateError("user", "username", username) from exc
            raise
        events.append(UserAdded(actor.username, username, role, procuratorate_code))
    return User(new_id, username, role, procuratorate_code)


def _to_user(row: Any) -> User:
    return User(
        row.id, row.username, row.role, row.procuratorate_code, bool(row.must_change_password)
    )


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
    """Check a password; success and failure are both audited. A deactivated user's login
    fails as an unknown user's does."""
    from argon2.exceptions import VerificationError

    dummy = _dummy_hash()  # made at the first login, whoever logs in: it tells nothing
    with casebook.write() as (conn, events):
        row = conn.execute(
            sa.select(users).where(users.c.username == username, users.c.active.is_(True))
        ).first()
        ok = False
        try:  # an unknown user is checked against a dummy hash: the same time either way
            ok = _hasher().verify(row.password_hash if row else dummy, password)
        except VerificationError:
            ok = False
        ok = ok and row is not None
        events.append(LoggedIn(username) if ok else LoginFailed(username))
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
        events.append(ProcuratorateAdded(actor.username, code, name, parent_code))


# The audit log, as an admin of a subtree may read it


def _is_root(conn: Connection, actor: User) -> bool:
    """Whether the actor's procuratorate is at the top of the tree (it has no parent)."""
    parent = conn.execute(
        sa.select(procuratorates.c.parent_code).where(
            procuratorates.c.code == actor.procuratorate_code
        )
    ).first()
    return parent is not None and parent.parent_code is None


def entry_regions(conn: Connection, entries: list[Any]) -> dict[int, str | None]:
    """Audit entry (by ``seq``) → the procuratorate it is about: that of its object (the clue,
    case, user or procuratorate of its ``subject``), else its actor's; ``None`` when neither
    has one (the system's work, a failed login of an unknown name)."""
    from lexradar.clues.tables import cases, clues

    wanted: dict[str, set[str]] = {"clue": set(), "case": set(), "user": set()}
    for e in entries:
        kind, _, key = e.subject.partition(":")
        if kind in wanted:
            wanted[kind].add(key)
        wanted["user"].add(e.actor)
    found: dict[tuple[str, str], str] = {}
    for kind, table, column in (("clue", clues, clues.c.id), ("case", cases, cases.c.id)):
        ids = sorted({int(k) for k in wanted[kind] if k.isdigit() and len(k) < 10})
        for start in range(0, len(ids), 500):
            rows = conn.execute(
                sa.select(column, table.c.procuratorate_code).where(
                    column.in_(ids[start : start + 500])
                )
            )
            found.update({(kind, str(k)): code for k, code in rows})
    names = sorted(wanted["user"])
    for start in range(0, len(names), 500):
        rows = conn.execute(
            sa.select(users.c.username, users.c.procuratorate_code).where(
                users.c.username.in_(names[start : start + 500])
            )
        )
        found.update({("user", str(k)): code for k, code in rows})
    out: dict[int, str | None] = {}
    for e in entries:
        kind, _, key = e.subject.partition(":")
        if kind == "procuratorate" and key.isdigit() and len(key) == 6:
            out[e.seq] = key
        elif (kind, key) in found:
            out[e.seq] = found[(kind, key)]
        else:
            out[e.seq] = found.get(("user", e.actor))
    return out


def audit_tail(casebook: Casebook, actor: User, n: int = 100) -> list[Any]:
    """The newest ``n`` audit entries about the actor's subtree (admins only), oldest first.

    An entry belongs to the procuratorate of the object it concerns (:func:`entry_regions`;
    in SQL, :func:`lexradar.clues.audit.region_of`): a county's admin reads the reveals,
    changes and logins of the county's clues, cases and users, never another region's (nor
    their reasons). Entries about no region are read only by an admin at the top of the tree.
    The casebook picks them (:func:`lexradar.clues.audit.scoped_tail`): one query.
    """
    from lexradar.clues.audit import scoped_tail

    require(actor, "admin")
    with casebook.read() as conn:
        return list(scoped_tail(conn, actor.prefix, _is_root(conn, actor), n))
