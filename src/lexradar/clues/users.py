"""Managing users: deactivate and reactivate, reset a password, change a role or procuratorate,
and a user's own password change.

Who may: admins, over the users of their own region subtree only (a user outside it is "not
found"); a new procuratorate must lie in the admin's subtree too, so no admin moves anyone
above their own region. No change may leave a region without an active admin: deactivating,
demoting or moving the last active admin whose subtree covers a procuratorate is refused (an
admin can do this to another admin of their subtree, since they cover it themselves, but never
to themselves as the last one). Every change names the user's ``version`` as read (``None``
from the CLI: the current one) and bumps it; a stale one is refused. Each change commits in its
own transaction with its typed audit event (:meth:`Casebook.write`); a deactivation and a reset
end the user's sessions in that same transaction. A deactivated user keeps their clues: they
stay assigned to them (``Account.active`` tells the pages to say so).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lexradar.clues.access import ROLES, User, _hasher, require, scope
from lexradar.clues.db import Casebook, utcnow
from lexradar.clues.errors import (
    CasebookError,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    TransitionError,
)
from lexradar.clues.sessions import end_all
from lexradar.clues.tables import clues, procuratorates, users
from lexradar.clues.workflow import OPEN_STATES
from lexradar.errors import Location

MIN_PASSWORD = 8

__all__ = [
    "Account",
    "PasswordChanged",
    "PasswordReset",
    "UserActivated",
    "UserChanged",
    "UserDeactivated",
    "accounts",
    "activate",
    "change",
    "change_own_password",
    "deactivate",
    "find",
    "reset_password",
]


# audit events


@dataclass(frozen=True)
class UserDeactivated:
    actor: str
    username: str
    version: int
    sessions: int
    assigned_clues: int
    action: ClassVar[str] = "user.deactivate"

    @property
    def subject(self) -> str:
        return f"user:{self.username}"

    @property
    def detail(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "sessions": self.sessions,
            "assigned_clues": self.assigned_clues,
        }


@dataclass(frozen=True)
class UserActivated:
    actor: str
    username: str
    version: int
    action: ClassVar[str] = "user.activate"

    @property
    def subject(self) -> str:
        return f"user:{self.username}"

    @property
    def detail(self) -> dict[str, Any]:
        return {"version": self.version}


@dataclass(frozen=True)
class PasswordReset:
    """An admin set a temporary password (never recorded): changed at the next login."""

    actor: str
    username: str
    version: int
    generated: bool
    sessions: int
    action: ClassVar[str] = "user.reset_password"

    @property
    def subject(self) -> str:
        return f"user:{self.username}"

    @property
    def detail(self) -> dict[str, Any]:
        return {"version": self.version, "generated": self.generated, "sessions": self.sessions}


@dataclass(frozen=True)
class UserChanged:
    """A user's role and/or procuratorate changed: ``changes`` field → [from, to]."""

    actor: str
    username: str
    version: int
    changes: tuple[tuple[str, str, str], ...]
    action: ClassVar[str] = "user.change"

    @property
    def subject(self) -> str:
        return f"user:{self.username}"

    @property
    def detail(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": self.version}
        out.update({name: [old, new] for name, old, new in self.changes})
        return out


@dataclass(frozen=True)
class PasswordChanged:
    """A user changed their own password (``forced``: it was a temporary one)."""

    actor: str
    forced: bool
    sessions: int
    action: ClassVar[str] = "user.passwd"

    @property
    def subject(self) -> str:
        return f"user:{self.actor}"

    @property
    def detail(self) -> dict[str, Any]:
        return {"forced": self.forced, "sessions": self.sessions}


# reading


@dataclass(frozen=True)
class Account:
    """A user as an admin manages them."""

    id: int
    username: str
    role: str
    procuratorate_code: str
    active: bool
    must_change_password: bool
    password_changed_at: dt.datetime | None
    created_at: dt.datetime
    version: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "role": self.role,
            "procuratorate": self.procuratorate_code,
            "active": self.active,
            "must_change_password": self.must_change_password,
            "password_changed_at": self.password_changed_at,
            "version": self.version,
        }


def _account(row: Any) -> Account:
    return Account(
        row.id,
        row.username,
        row.role,
        row.procuratorate_code,
        bool(row.active),
        bool(row.must_change_password),
        row.password_changed_at,
        row.created_at,
        int(row.version),
    )


def accounts(casebook: Casebook, actor: User, *, active: bool | None = None) -> list[Account]:
    """The users of the actor's subtree, active and deactivated (or only one kind)."""
    query = sa.select(users).where(scope(users.c.procuratorate_code, actor))
    if active is not None:
        query = query.where(users.c.active.is_(active))
    with casebook.read() as conn:
        return [_account(r) for r in conn.execute(query.order_by(users.c.username))]


def deactivated_ids(conn: Connection, ids: list[int]) -> set[int]:
    """Which of these user ids are deactivated (to show a clue assigned to one as such)."""
    if not ids:
        return set()
    query = sa.select(users.c.id).where(users.c.id.in_(ids), users.c.active.is_(False))
    return set(conn.execute(query).scalars())


def find(casebook: Casebook, actor: User, username: str) -> Account:
    """The user ``username`` of the actor's subtree (admins only; outside it: not found)."""
    with casebook.read() as conn:
        return _target(conn, actor, username, None)


# the checks every change makes


def _target(conn: Connection, actor: User, username: str, version: int | None) -> Account:
    """The user ``username`` of the actor's subtree, at ``version`` (admins only)."""
    require(actor, "admin")
    row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    if row is None or not row.procuratorate_code.startswith(actor.prefix):
        raise NotFoundError(f"no user {username!r}", Location(field="user"))  # as if none
    found = _account(row)
    if version is not None and version != found.version:
        raise ConflictError(f"user {username}", version, found.version)
    return found


def _keep_an_admin(conn: Connection, target: Account, actor: User, what: str) -> None:
    """Refuse a change that would leave ``target``'s procuratorate without an active admin
    covering it (one of its own, or of a procuratorate above it)."""
    if target.role != "admin" or not target.active:
        return
    others = conn.execute(
        sa.select(users.c.procuratorate_code).where(
            users.c.role == "admin", users.c.active.is_(True), users.c.id != target.id
        )
    ).scalars()
    code = target.procuratorate_code
    if any(code.startswith(User(None, "", "admin", other).prefix) for other in others):
        return
    who = "yourself" if actor.username == target.username else target.username
    raise PermissionDenied(
        f"cannot {what} {who}: {target.username} is the last active admin of {code}'s region "
        "(make another admin there first)"
    )


def _bump(conn: Connection, target: Account, **values: Any) -> int:
    """Update the user at the version read; the new version."""
    done = conn.execute(
        users.update()
        .where(users.c.id == target.id, users.c.version == target.version)
        .values(version=target.version + 1, **values)
    ).rowcount
    if not done:  # changed between the read and the write
        raise ConflictError(f"user {target.username}", target.version, None)
    return target.version + 1


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD or len(password) > 200:
        raise CasebookError(
            f"a password has {MIN_PASSWORD} to 200 characters", Location(field="password")
        )


# the changes


def deactivate(casebook: Casebook, actor: User, username: str, version: int | None) -> int:
    """Deactivate a user: their login fails and every session of theirs ends now. Their clues
    stay assigned to them. The new version."""
    with casebook.write() as (conn, events):
        target = _target(conn, actor, username, version)
        if not target.active:
            raise TransitionError(f"{username} is already deactivated", Location(field="user"))
        _keep_an_admin(conn, target, actor, "deactivate")
        new = _bump(conn, target, active=False)
        ended = end_all(conn, target.id)
        assigned = conn.execute(
            sa.select(sa.func.count())
            .select_from(clues)
            .where(clues.c.assignee_id == target.id, clues.c.status.in_(OPEN_STATES))
        ).scalar_one()
        events.append(UserDeactivated(actor.username, username, new, ended, int(assigned)))
    return new


def activate(casebook: Casebook, actor: User, username: str, version: int | None) -> int:
    """Reactivate a deactivated user (with the password they had). The new version."""
    with casebook.write() as (conn, events):
        target = _target(conn, actor, username, version)
        if target.active:
            raise TransitionError(f"{username} is already active", Location(field="user"))
        new = _bump(conn, target, active=True)
        events.append(UserActivated(actor.username, username, new))
    return new


def temporary_password() -> str:
    """A random temporary password (about 72 bits, no look-alike characters)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def reset_password(
    casebook: Casebook,
    actor: User,
    username: str,
    version: int | None,
    password: str | None = None,
) -> tuple[str, int]:
    """Give a user a temporary password (``password``, else a random one), to be changed at
    their next login; their sessions end. The temporary password and the new version."""
    generated = password is None
    secret = temporary_password() if password is None else password
    _check_password(secret)
    hashed = _hasher().hash(secret)
    with casebook.write() as (conn, events):
        target = _target(conn, actor, username, version)
        new = _bump(
            conn,
            target,
            password_hash=hashed,
            must_change_password=True,
            password_changed_at=utcnow(),
        )
        ended = end_all(conn, target.id)
        events.append(PasswordReset(actor.username, username, new, generated, ended))
    return secret, new


def change(
    casebook: Casebook,
    actor: User,
    username: str,
    version: int | None,
    *,
    role: str | None = None,
    procuratorate: str | None = None,
) -> int:
    """Change a user's role and/or procuratorate (inside the admin's subtree). The new version."""
    if role is not None and role not in ROLES:
        raise CasebookError(f"role must be one of {ROLES}", Location(field="role"))
    with casebook.write() as (conn, events):
        target = _target(conn, actor, username, version)
        changes: list[tuple[str, str, str]] = []
        values: dict[str, Any] = {}
        if role is not None and role != target.role:
            changes.append(("role", target.role, role))
            values["role"] = role
        if procuratorate is not None and procuratorate != target.procuratorate_code:
            known = conn.execute(
                sa.select(procuratorates.c.code).where(procuratorates.c.code == procuratorate)
            ).first()
            if known is None:
                raise NotFoundError(
                    f"no procuratorate {procuratorate}", Location(field="procuratorate")
                )
            if not procuratorate.startswith(actor.prefix):
                raise PermissionDenied(
                    f"{procuratorate} is outside {actor.username}'s region",
                    Location(field="procuratorate"),
                )
            changes.append(("procuratorate", target.procuratorate_code, procuratorate))
            values["procuratorate_code"] = procuratorate
        if not changes:
            raise CasebookError(
                f"nothing to change: {username} already has this role and procuratorate",
                Location(field="role"),
            )
        new_code = values.get("procuratorate_code", target.procuratorate_code)
        still_covers = target.procuratorate_code.startswith(
            User(None, "", "admin", new_code).prefix
        )
        if values.get("role", "admin") != "admin" or not still_covers:
            _keep_an_admin(conn, target, actor, "demote" if "role" in values else "move")
        new = _bump(conn, target, **values)
        events.append(UserChanged(actor.username, username, new, tuple(changes)))
    return new


def change_own_password(
    casebook: Casebook, user: User, current: str, new: str, *, keep_session: str | None = None
) -> None:
    """A user changes their own password (checking the current one); it is no longer
    temporary, and their other sessions end (all but ``keep_session``, a hashed id)."""
    from argon2.exceptions import VerificationError

    _check_password(new)
    if new == current:
        raise CasebookError(
            "the new password must differ from the current one", Location(field="new_password")
        )
    hashed = _hasher().hash(new)
    with casebook.write() as (conn, events):
        row = conn.execute(
            sa.select(users).where(users.c.username == user.username, users.c.active.is_(True))
        ).first()
        if row is None:
            raise NotFoundError(f"no active user {user.username!r}", Location(field="user"))
        try:
            ok: bool = _hasher().verify(row.password_hash, current)
        except VerificationError:
            ok = False
        if not ok:
            raise PermissionDenied(
                "the current password is wrong", Location(field="current_password")
            )
        target = _account(row)
        _bump(
            conn,
            target,
            password_hash=hashed,
            must_change_password=False,
            password_changed_at=utcnow(),
        )
        ended = end_all(conn, target.id, keep=keep_session)
        events.append(PasswordChanged(user.username, target.must_change_password, ended))
