"""Users and procuratorates (admins): lists of the admin's subtree, and adding to them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lexradar.clues import access
from lexradar.clues.access import User
from lexradar.clues.tables import ROLES
from lexradar.web.deps import CasebookDep, require_role
from lexradar.web.lookups import list_procuratorates
from lexradar.web.templating import render

router = APIRouter(include_in_schema=False)
Admin = Annotated[User, Depends(require_role("admin"))]


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, casebook: CasebookDep, user: Admin) -> HTMLResponse:
    return render(
        request,
        "admin.html",
        users=access.list_users(casebook, user),
        procuratorates=list_procuratorates(casebook, user),
        roles=ROLES,
    )


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
