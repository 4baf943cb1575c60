"""Supervised cases of the user's region: the list, and closing a case with its outcome."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lexradar.clues import cases
from lexradar.clues.access import User
from lexradar.clues.errors import CasebookError
from lexradar.errors import Location
from lexradar.web.deps import MAX_ID, WORKERS, CasebookDep, CaseId, require_role
from lexradar.web.errors import require_version
from lexradar.web.lookups import procuratorate_names
from lexradar.web.templating import render

router = APIRouter(include_in_schema=False)
Worker = Annotated[User, Depends(require_role(*WORKERS))]


@router.get("/cases", response_class=HTMLResponse)
def case_list(
    request: Request, casebook: CasebookDep, user: Worker, open_only: bool = False
) -> HTMLResponse:
    return render(
        request,
        "cases.html",
        cases=cases.list_cases(casebook, user, open_only=open_only),
        names=procuratorate_names(casebook, user),
        outcomes=cases.OUTCOMES,
        open_only=open_only,
        today=dt.date.today().isoformat(),  # the recommendation form's date
    )


def money(text: str) -> Decimal:
    try:
        value = Decimal(text or "0")
    except InvalidOperation:
        raise CasebookError(f"not an amount: {text!r}", Location(field="funds")) from None
    if value < 0 or not value.is_finite():
        raise CasebookError("funds recovered cannot be negative", Location(field="funds"))
    return value


@router.post("/cases/{case_id}/close")
def case_close(
    casebook: CasebookDep,
    user: Worker,
    case_id: CaseId,
    outcome: Annotated[str, Form(max_length=40)],
    version: Annotated[int | None, Form(ge=0, le=MAX_ID)] = None,
    funds: Annotated[str, Form(max_length=20)] = "0",
) -> Response:
    cases.close_case(
        casebook, user, case_id, require_version(version), outcome, funds_recovered=money(funds)
    )
    return RedirectResponse(f"/cases#case-{case_id}", status_code=303)
