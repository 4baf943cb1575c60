"""Typed dependencies (STYLE habit 11): the casebook, the logged-in user, roles, region scope.

Routes name what they need as ``Annotated`` aliases: ``CasebookDep``, ``CurrentUser``,
``Depends(require_role("admin"))``. Scoping itself stays in :func:`lexradar.clues.access.scope`;
:func:`narrow` only lets a user look at a part of their own subtree (a leader drilling down
from the region to a city), never outside it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request

from lexradar.clues import access
from lexradar.clues.access import User
from lexradar.clues.db import Casebook
from lexradar.clues.errors import NotFoundError, PermissionDenied
from lexradar.clues.workflow import WORKERS
from lexradar.settings import Settings

ALL_ROLES = access.ROLES
BUILDERS = ("admin", "model_builder")
LEADERS = ("admin", "leader")
__all__ = [
    "ALL_ROLES",
    "BUILDERS",
    "LEADERS",
    "MAX_ID",
    "WORKERS",
    "CaseId",
    "CasebookDep",
    "ClueId",
    "CurrentUser",
    "LoginRequired",
    "SettingsDep",
    "current_user",
    "get_casebook",
    "get_settings",
    "narrow",
    "require_role",
    "wants_json",
]


MAX_ID = 2**31 - 1
"""Ids and versions are 32-bit in both databases: larger numbers are refused as invalid."""
ClueId = Annotated[int, Path(ge=1, le=MAX_ID, description="Clue id.")]
CaseId = Annotated[int, Path(ge=1, le=MAX_ID, description="Case id.")]


class LoginRequired(Exception):
    """No logged-in user: pages redirect to the login page, the API answers 401."""


def get_casebook(request: Request) -> Casebook:
    return request.app.state.casebook  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


CasebookDep = Annotated[Casebook, Depends(get_casebook)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def current_user(request: Request, casebook: CasebookDep) -> User:
    """The user of the session (still active), or :class:`LoginRequired`."""
    from lexradar.web.session import USER

    known = request.scope.get(USER)
    if isinstance(known, User):
        request.state.user = known
        return known
    name = request.session.get("user")
    if not name:
        raise LoginRequired()
    try:
        found = access.user(casebook, str(name))
    except NotFoundError:
        request.session.clear()
        raise LoginRequired() from None
    request.state.user = found
    return found


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: str) -> Callable[[User], User]:
    """A dependency giving the current user if their role is one of ``roles`` (else 403)."""

    def dependency(user: CurrentUser) -> User:
        access.require(user, *roles)
        return user

    dependency.__name__ = f"require_{'_'.join(roles)}"
    return dependency


def narrow(user: User, code: str | None) -> User:
    """``user`` looking only at the subtree of procuratorate ``code`` (inside their own)."""
    if not code or code == user.procuratorate_code:
        return user
    inner = User(user.id, user.username, user.role, code)
    if not code.isdigit() or len(code) != 6 or not inner.prefix.startswith(user.prefix):
        raise PermissionDenied(f"{code} is outside {user.username}'s region")
    if inner.prefix == user.prefix:
        return user
    return inner


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api")
