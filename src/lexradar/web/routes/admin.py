"""Users and procuratorates (admins): lists of the admin's subtree, adding to them, and
managing users (deactivate, reactivate, reset a password, change role or procuratorate).

Every change is a POST form with the CSRF token and the ``version`` of the user as the page
showed it (a stale one answers 409); deactivating and resetting a password also need the
``confirm`` box ticked. The functions of :mod:`lexradar.clues.users` check who may and audit.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lexradar.clues import access, sessions, users
from lexradar.clues.access import User
from lexradar.clues.db import utcnow
from lexradar.clues.errors import CasebookError
from lexradar.clues.tables import ROLES
from lexradar.errors import Location
from lexradar.web.deps import MAX_ID, CasebookDep, require_role
from lexradar.web.errors import require_version
from lexradar.web.i18n import t
from lexradar.web.lookups import list_procuratorates
from lexradar.web.templating import render

router = APIRouter(include_in_schema=False)
Admin = Annotated[User, Depends(require_role("admin"))]
Username = Annotated[str, Path(max_length=64)]
VersionForm = Annotated[int | None, Form(ge=0, le=MAX_ID)]
ConfirmForm = Annotated[str | None, Form(max_length=10)]


def _page(
    request: Request, casebook: CasebookDep, user: User, notice: str | None = None
) -> HTMLResponse:
    idle = dt.timedelta(minutes=request.app.state.settings.session_idle_minutes)
    return render(
        request,
        "admin.html",
        users=users.accounts(casebook, user),
        procuratorates=list_procuratorates(casebook, user),
        roles=ROLES,
        sessions=sessions.active_counts(casebook, user, utcnow(), idle),
        me=user.username,
        notice=notice,
    )


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, casebook: CasebookDep, user: Admin) -> HTMLResponse:
    return _page(request, casebook, user)


def _checked(
    casebook: CasebookDep, user: User, username: str, version: int | None, confirm: str | None
) -> int:
    """The version named, after the user is found in the admin's subtree (else 404) and the
    confirmation box (``confirm``, unless ``None`` is not asked for) is ticked."""
    users.find(casebook, user, username)
    found = require_version(version)
    if confirm is not None:
        _confirmed(confirm)
    return found


def _confirmed(confirm: str | None) -> None:
    if confirm != "yes":
        raise CasebookError(t("admin.confirm_needed"), Location(field="confirm"))


@router.post("/admin/users/{username}/revoke-sessions")
def revoke_sessions(casebook: CasebookDep, user: Admin, username: Username) -> Response:
    """End every session of a user of the admin's subtree (audited)."""
    sessions.revoke(casebook, user, username)
    return RedirectResponse("/admin#users", status_code=303)


@router.post("/admin/users/{username}/deactivate")
def deactivate_user(
    casebook: CasebookDep,
    user: Admin,
    username: Username,
    version: VersionForm = None,
    confirm: ConfirmForm = None,
) -> Response:
    """Deactivate a user: their login fails, their sessions end, their clues stay theirs."""
    checked = _checked(casebook, user, username, version, confirm or "")
    users.deactivate(casebook, user, username, checked)
    return RedirectResponse("/admin#users", status_code=303)


@router.post("/admin/users/{username}/activate")
def activate_user(
    casebook: CasebookDep, user: Admin, username: Username, version: VersionForm = None
) -> Response:
    users.activate(casebook, user, username, _checked(casebook, user, username, version, None))
    return RedirectResponse("/admin#users", status_code=303)


@router.post("/admin/users/{username}/reset-password", response_class=HTMLResponse)
def reset_password(
    request: Request,
    casebook: CasebookDep,
    user: Admin,
    username: Username,
    version: VersionForm = None,
    confirm: ConfirmForm = None,
) -> HTMLResponse:
    """A temporary password, shown once on the page that answers: the user changes it at
    their next login."""
    checked = _checked(casebook, user, username, version, confirm or "")
    temporary, _version = users.reset_password(casebook, user, username, checked)
    notice = t("admin.reset_done", username=username, password=temporary)
    return _page(request, casebook, user, notice)


@router.post("/admin/users/{username}/set")
def set_user(
    casebook: CasebookDep,
    user: Admin,
    username: Username,
    version: VersionForm = None,
    role: Annotated[str | None, Form(max_length=20)] = None,
    procuratorate: Annotated[
        str | None, Form(min_length=6, max_length=6, pattern=r"^\d{6}$")
    ] = None,
) -> Response:
    """Change a user's role and procuratorate (inside the admin's subtree)."""
    checked = _checked(casebook, user, username, version, None)
    users.change(casebook, user, username, checked, role=role, procuratorate=procuratorate)
    return RedirectResponse("/admin#users", status_code=303)


@router.post("/admin/users")
def add_user(
    casebook: CasebookDep,
    user: Admin,
    username: Annotated[str, Form(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")],
    password: Annotated[str, Form(min_length=8, max_length=200)],
    role: Annotated[str, Form(max_length=20)],
    procuratorate: Annotated[str, Form(min_length=6, max_length=6)],
) -> Response:
    access.add_user(casebook, user, username, password, role, procuratorate)
    return RedirectResponse("/admin#users", status_code=303)


@router.post("/admin/procuratorates")
def add_procuratorate(
    casebook: CasebookDep,
    user: Admin,
    code: Annotated[str, Form(min_length=6, max_length=6, pattern=r"^\d{6}$")],
    name: Annotated[str, Form(min_length=1, max_length=100)],
    parent: Annotated[str, Form(min_length=6, max_length=6, pattern=r"^\d{6}$")],
) -> Response:
    from lexradar.clues.errors import PermissionDenied

    if not code.startswith(user.prefix) or not parent.startswith(user.prefix):
        raise PermissionDenied(f"{code} is outside {user.username}'s region")
    access.add_procuratorate(casebook, user, code, name, parent)
    return RedirectResponse("/admin#procuratorates", status_code=303)
