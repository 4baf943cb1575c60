"""The clue queue and the clue detail, with the workflow actions a user's role and the clue's
state allow. Every action calls :mod:`lexradar.clues.workflow` / :mod:`lexradar.clues.cases`,
which check scope, role, state and version again."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lexradar.clues import access, cases, queries, saved, workflow
from lexradar.clues.access import User
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError
from lexradar.clues.queries import (
    PAGE_SIZES,
    SEVERITIES,
    SORTS,
    ClueView,
    model_ids,
    queue,
)
from lexradar.clues.tables import DOMAINS, STATES
from lexradar.errors import Location
from lexradar.settings import Settings
from lexradar.web.assignees import active_only, assignees_of
from lexradar.web.deps import (
    ALL_ROLES,
    MAX_ID,
    WORKERS,
    CasebookDep,
    ClueId,
    NoTermInUrl,
    QueueSearchForm,
    QueueView,
    QueueViewQuery,
    SettingsDep,
    require_role,
)
from lexradar.web.errors import MissingVersion, require_version
from lexradar.web.evidence import cited_sentences, refs_of, resolution, side_by_side
from lexradar.web.lookups import procuratorate_names
from lexradar.web.routes import queue as queue_routes
from lexradar.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(queue_routes.router)  # first: /clues/export.xlsx is not a clue id
Viewer = Annotated[User, Depends(require_role(*ALL_ROLES))]
Worker = Annotated[User, Depends(require_role(*WORKERS))]


def _queue_page(
    request: Request, casebook: Casebook, user: User, view: QueueView, search: str | None
) -> HTMLResponse:
    """The queue page (or its table, for HTMX) for ``view`` and a search term, if any."""
    filters = view.to_filters(search)  # the search by ID, name, case or certificate: audited
    result = queue(casebook, user, filters, sort=view.sort or "newest", page=view.page,
                   size=view.size)  # fmt: skip
    names = procuratorate_names(casebook, user)
    handlers = active_only(  # a deactivated user is not offered (their clues stay theirs)
        casebook,
        [u for u in access.list_users(casebook, user) if u.role in ("handler", "leader", "admin")],
    )
    params: dict[str, object] = {
        **view.values(),
        "sort": view.sort or "newest",
        "size": view.size,
        "q": filters.search or "",
    }
    partial = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    )
    name = "_clue_table.html" if partial else "clues.html"
    response = render(
        request,
        name,
        result=result,
        params=params,
        names=names,
        handlers=handlers,
        assignee_names=assignees_of(casebook, (c.assignee_id for c in result.clues)),
        models=model_ids(casebook, user),
        domains=DOMAINS,
        states=STATES,
        severities=SEVERITIES,
        sorts=list(SORTS),
        sizes=PAGE_SIZES,
        can_assign=user.role in WORKERS,
        saved_filters=saved.list_saved(casebook, user),
        saved_query=queue_routes.query_of,
    )
    if partial:  # the address bar shows the filters, never the term
        response.headers["HX-Push-Url"] = "/clues?" + view.query(
            sort=None if view.sort == "newest" else view.sort,
            size=None if view.size == 50 else view.size,
            page=None if result.page == 1 else result.page,
        )
    return response


@router.get("/clues", response_class=HTMLResponse, dependencies=[NoTermInUrl])
def clue_queue(
    request: Request, casebook: CasebookDep, user: Viewer, view: QueueViewQuery
) -> HTMLResponse:
    """The queue, filtered by its query string (a search term there is refused)."""
    return _queue_page(request, casebook, user, view, None)


@router.post("/clues", response_class=HTMLResponse)
def clue_queue_search(
    request: Request, casebook: CasebookDep, user: Viewer, form: QueueSearchForm
) -> HTMLResponse:
    """The queue with its filters and the search term posted (see
    :class:`~lexradar.web.deps.QueueSearch`: the term is never in a URL)."""
    return _queue_page(request, casebook, user, form.view(), form.q)


def _versions(values: list[str]) -> dict[int, int]:
    """``id:version`` of the ticked clues (the version is required)."""
    out: dict[int, int] = {}
    for value in values:
        clue, _, version = value.partition(":")
        if not version:
            raise MissingVersion()
        if not all(n.isdigit() and int(n) <= MAX_ID for n in (clue, version)):
            raise CasebookError(f"not a clue: {value!r}", Location(field="clue_ids"))
        out[int(clue)] = int(version)
    return out


@router.post("/clues/assign")
def bulk_assign(
    casebook: CasebookDep,
    user: Worker,
    assignee: Annotated[str, Form(max_length=64)],
    clue_ids: Annotated[list[str], Form()],
    next: Annotated[str, Form(max_length=2000)] = "/clues",
) -> Response:
    """Assign the ticked clues to one user, all or none."""
    from lexradar.web.routes.auth import safe_next

    workflow.bulk_assign(casebook, user, _versions(clue_ids), assignee)
    return RedirectResponse(safe_next(next), status_code=303)


def allowed_actions(user: User, view: ClueView) -> list[str]:
    """The actions the user's role and the clue's state allow (the workflow checks again)."""
    if user.role not in WORKERS:
        return []
    steps = workflow.TRANSITIONS[view.status]
    out = []
    if "assigned" in steps:
        out.append("assign")
    if "verifying" in steps:
        out.append("verify")
    if view.status in ("assigned", "verifying"):
        out.append("confirm")
    if "supervised" in steps:
        out.append("open_case")
    if "dismissed" in steps:
        out.append("dismiss")
    out.append("note")
    return out


def _detail(
    request: Request,
    casebook: Casebook,
    settings: Settings,
    user: User,
    view: ClueView,
    revealed: str | None = None,
) -> HTMLResponse:
    names = procuratorate_names(casebook, user)
    assignees = active_only(
        casebook,
        [
            u
            for u in access.list_users(casebook, user)
            if u.role in WORKERS and view.procuratorate_code.startswith(u.prefix)
        ],
    )
    evidence = side_by_side(settings.lake, view.record_refs, masked=False) if revealed else None
    return render(
        request,
        "clue.html",
        clue=view,
        names=names,
        actions=allowed_actions(user, view),
        assignees=assignees,
        assignee=assignees_of(casebook, [view.assignee_id]).get(view.assignee_id or 0),
        today=dt.date.today().isoformat(),  # the recommendation form's date
        reasons=workflow.DISMISS_REASONS,
        kinds=cases.KINDS,
        revealed=revealed,
        evidence=evidence,
        can_reveal=user.role in WORKERS,
    )


@router.get("/clues/{clue_id}", response_class=HTMLResponse)
def clue_detail(
    request: Request, casebook: CasebookDep, settings: SettingsDep, user: Viewer, clue_id: ClueId
) -> HTMLResponse:
    return _detail(request, casebook, settings, user, queries.get_clue(casebook, user, clue_id))


@router.get("/clues/{clue_id}/evidence", response_class=HTMLResponse)
def clue_evidence(
    request: Request, casebook: CasebookDep, settings: SettingsDep, user: Viewer, clue_id: ClueId
) -> HTMLResponse:
    """The evidence records side by side, masked (an HTMX fragment)."""
    view = queries.get_clue(casebook, user, clue_id)
    return render(
        request,
        "_evidence.html",
        evidence=side_by_side(settings.lake, view.record_refs),
        sentences=cited_sentences(settings.lake, view.record_refs),
        clue=view,
    )


def raw_person_ids(casebook: Casebook, user: User, clue_id: int) -> list[str]:
    """The clue's resident IDs, unmasked, for matching records on the server (never shown)."""
    with casebook.read() as conn:
        return str(workflow.scoped_clue(conn, user, clue_id).person_ids).split(";")


@router.get("/clues/{clue_id}/resolution", response_class=HTMLResponse)
def clue_resolution(
    request: Request, casebook: CasebookDep, settings: SettingsDep, user: Viewer, clue_id: ClueId
) -> HTMLResponse:
    """Why the clue's records are one person: the chain of links resolution made between
    them, each link's comparison contributions (masked); a link to each person's page."""
    from lexradar.errors import LexradarError
    from lexradar.linkage.explain import Lookups
    from lexradar.web.engines import lease
    from lexradar.web.persons import person_refs

    view = queries.get_clue(casebook, user, clue_id)
    persons = [p for p in raw_person_ids(casebook, user, clue_id) if p]
    try:
        with lease(settings.lake) as engine:  # one engine for the records and the pairs
            # the records' mentions, not the records: the names on the chains come with them
            refs = [f"{d}:{r}" for d, r in refs_of(view.record_refs)]
            reads = Lookups(engine)  # each mention, key and link read once for the panel
            chains, problem = resolution(settings.lake, refs, persons, engine=engine, lookups=reads)
            ends = [c.left for c in chains[:1]] + [c.right for c in chains]
            pages = person_refs(engine, ends, reads)
    except LexradarError as exc:
        return render(request, "_resolution.html", chains=[], problem=str(exc), pages=[])
    return render(request, "_resolution.html", chains=chains, problem=problem, pages=pages)


@router.post("/clues/{clue_id}/reveal", response_class=HTMLResponse)
def clue_reveal(
    request: Request,
    casebook: CasebookDep,
    settings: SettingsDep,
    user: Worker,
    clue_id: ClueId,
    reason: Annotated[str, Form(max_length=500)],
) -> HTMLResponse:
    """The clue unmasked: needs a reason, written to the audit chain."""
    view = queries.reveal(casebook, user, clue_id, reason)
    response = _detail(request, casebook, settings, user, view, revealed=reason)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/clues/{clue_id}/act")
def clue_act(
    casebook: CasebookDep,
    user: Worker,
    clue_id: ClueId,
    action: Annotated[str, Form(max_length=20)],
    version: Annotated[int | None, Form(ge=0, le=MAX_ID)] = None,
    reason: Annotated[str | None, Form(max_length=30)] = None,
    note: Annotated[str, Form(max_length=2000)] = "",
    assignee: Annotated[str | None, Form(max_length=64)] = None,
    kind: Annotated[str | None, Form(max_length=40)] = None,
    title: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """One workflow step on the clue, at the version the page showed (required but for a
    note)."""
    target = f"/clues/{clue_id}"
    if action != "note":
        version = require_version(version)
    if action == "assign":
        workflow.assign(casebook, user, clue_id, version, assignee or "", note)
    elif action == "verify":
        workflow.start_verifying(casebook, user, clue_id, version, note)
    elif action == "confirm":
        workflow.confirm(casebook, user, clue_id, version, note)
    elif action == "dismiss":
        workflow.dismiss(casebook, user, clue_id, version, reason or "", note)
    elif action == "note":
        if not note.strip():
            raise CasebookError("a note needs text", Location(field="note"))
        workflow.add_note(casebook, user, clue_id, note)
    elif action == "open_case":
        case_id = cases.open_case(casebook, user, kind or "", {clue_id: version}, title=title)
        target = f"/cases#case-{case_id}"
    else:
        raise CasebookError(f"unknown action {action!r}", Location(field="action"))
    return RedirectResponse(target, status_code=303)
