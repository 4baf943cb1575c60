"""The audit log (admins): the newest entries about the admin's subtree (an entry belongs to
the region of the object it concerns, :func:`lexradar.clues.access.audit_tail`), and whether
the hash chain holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from lexradar.clues import access, audit
from lexradar.clues.access import User
from lexradar.web.deps import CasebookDep, require_role
from lexradar.web.templating import render

router = APIRouter(include_in_schema=False)
Admin = Annotated[User, Depends(require_role("admin"))]


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    casebook: CasebookDep,
    user: Admin,
    n: Annotated[int, Query(ge=1, le=1000)] = 100,
    verify: bool = False,
) -> HTMLResponse:
    entries = list(reversed(access.audit_tail(casebook, user, n)))
    broken = audit.verify(casebook) if verify else None
    return render(request, "audit.html", entries=entries, n=n, verified=verify, broken=broken)
