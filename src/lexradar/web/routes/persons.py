"""A person's page (一人一档): every record of one resolved person on a timeline, the clues
citing them and how their records were linked (:mod:`lexradar.web.persons`), masked. Personal
data is revealed only on a clue's page (a reason, audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse

from lexradar.clues.access import User
from lexradar.errors import LexradarError
from lexradar.web.deps import ALL_ROLES, CasebookDep, SettingsDep, require_role
from lexradar.web.engines import lease
from lexradar.web.lookups import procuratorate_names
from lexradar.web.persons import person_file
from lexradar.web.templating import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(require_role(*ALL_ROLES))]
PersonRef = Annotated[str, Path(max_length=120)]


@router.get("/persons/{person_ref}", response_class=HTMLResponse)
def person_page(
    request: Request,
    casebook: CasebookDep,
    settings: SettingsDep,
    user: Viewer,
    person_ref: PersonRef,
) -> HTMLResponse:
    """The person of the mention ``person_ref`` (``dataset:record_id:role``)."""
    from lexradar.clues.errors import NotFoundError

    try:
        with lease(settings.lake) as engine:
            person = person_file(casebook, user, engine, person_ref)
    except NotFoundError:
        raise
    except LexradarError as exc:
        raise NotFoundError(f"no person {person_ref!r}: {exc}") from exc
    names = procuratorate_names(casebook, user)
    return render(request, "person.html", person=person, names=names)
