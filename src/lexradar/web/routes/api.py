"""The JSON API under ``/api``: the same functions as the pages, as JSON.

Authentication is the session cookie: ``GET /api/session`` gives a CSRF token, ``POST
/api/login`` (with that token in ``X-CSRF-Token``) logs in. Every state-changing call sends the
token in ``X-CSRF-Token``. Answers are scoped to the user's region; personal data is masked
unless revealed with a reason.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from lexradar.clues import access, cases, queries, sessions, users, workflow
from lexradar.clues.access import User
from lexradar.clues.errors import CasebookError
from lexradar.clues.queries import queue
from lexradar.errors import Location
from lexradar.ingest import batches
from lexradar.models.examples import examples_path, load_examples
from lexradar.models.registry import Model
from lexradar.reports.activity import Activity, model_activity
from lexradar.web.csrf import csrf_token
from lexradar.web.deps import (
    ALL_ROLES,
    BUILDERS,
    WORKERS,
    CasebookDep,
    CaseId,
    ClueId,
    CurrentUser,
    NoTermInUrl,
    QueueSearch,
    QueueView,
    QueueViewQuery,
    SettingsDep,
    require_role,
)
from lexradar.web.errors import require_version
from lexradar.web.lookups import list_procuratorates, registry
from lexradar.web.routes.auth import log_in
from lexradar.web.routes.cases import money
from lexradar.web.routes.dashboard import dashboard_data
from lexradar.web.runs import refuse_unless_runnable, run_model_job
from lexradar.web.schemas import (
    ERRORS,
    AccountOut,
    AuditOut,
    BatchOut,
    BulkAssignIn,
    CaseCloseIn,
    CaseOpenIn,
    CaseOut,
    ClueOut,
    CluePageOut,
    DashboardOut,
    JobOut,
    LoginIn,
    ModelDetailOut,
    ModelOut,
    PasswordIn,
    ProcuratorateOut,
    ResetPasswordIn,
    ResetPasswordOut,
    RevealIn,
    RevokedOut,
    RowOut,
    SessionOut,
    TransitionIn,
    UserIn,
    UserOut,
    UserSetIn,
    UserVersionIn,
    UserVersionOut,
    VersionOut,
)

router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS)
Viewer = Annotated[User, Depends(require_role(*ALL_ROLES))]
Worker = Annotated[User, Depends(require_role(*WORKERS))]
Builder = Annotated[User, Depends(require_role(*BUILDERS))]
Admin = Annotated[User, Depends(require_role("admin"))]
DataViewer = Annotated[User, Depends(require_role("admin", "leader", "model_builder"))]


def _session(request: Request, user: User | None) -> SessionOut:
    return SessionOut(
        username=user.username if user else None,
        role=user.role if user else None,
        procuratorate=user.procuratorate_code if user else None,
        csrf_token=csrf_token(request),
    )


@router.get("/session", response_model=SessionOut)
def session(request: Request, casebook: CasebookDep) -> SessionOut:
    """The CSRF token of this session, and who is logged in (if anyone)."""
    from lexradar.web.session import USER

    user = request.scope.get(USER)
    return _session(request, user if isinstance(user, User) else None)


@router.post("/login", response_model=SessionOut)
def login(request: Request, casebook: CasebookDep, body: LoginIn) -> SessionOut:
    """Log in (throttled after repeated failures); the answer carries the new CSRF token."""
    return _session(request, log_in(request, casebook, body.username, body.password))


@router.post("/logout", response_model=SessionOut)
def logout(request: Request) -> SessionOut:
    request.session.clear()
    return _session(request, None)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return UserOut(**user.__dict__)


@router.get("/dashboard", response_model=DashboardOut)
def dashboard(
    casebook: CasebookDep,
    settings: SettingsDep,
    user: Viewer,
    start: Annotated[str | None, Query(max_length=10)] = None,
    end: Annotated[str | None, Query(max_length=10)] = None,
    region: Annotated[str | None, Query(max_length=6)] = None,
) -> DashboardOut:
    """The dashboard's figures: total, by month, domain, procuratorate, top models."""
    d = dashboard_data(casebook, settings, user, start, end, region)
    return DashboardOut(
        procuratorate=d["viewer"].procuratorate_code,
        start=d["start"],
        end=d["end"],
        total=RowOut.of(d["total"]),
        models=d["models"],
        by_month=[RowOut.of(r) for r in d["by_month"].rows],
        by_domain=[RowOut.of(r) for r in d["by_domain"].rows],
        by_region=[RowOut.of(r) for r in d["by_region"].rows] if d["by_region"] else None,
        region_level=d["level"],
        top_models=[RowOut.of(r) for r in d["top"]],
    )


def _clue_page(casebook: CasebookDep, user: User, view: QueueView, q: str | None) -> CluePageOut:
    filters = view.to_filters(q)
    result = queue(casebook, user, filters, sort=view.sort or "newest", page=view.page,
                   size=view.size)  # fmt: skip
    return CluePageOut(
        clues=[ClueOut.of(c) for c in result.clues],
        total=result.total,
        page=result.page,
        size=result.size,
        pages=result.pages,
        counts=result.counts,
    )


@router.get("/clues", response_model=CluePageOut, dependencies=[NoTermInUrl])
def clue_list(casebook: CasebookDep, user: Viewer, view: QueueViewQuery) -> CluePageOut:
    """A page of the user's clues (masked), filtered and sorted, with the counts per status.
    A search term is refused here (400): it goes in the body of ``POST /api/clues/search``."""
    return _clue_page(casebook, user, view, None)


@router.post("/clues/search", response_model=CluePageOut)
def clue_search(casebook: CasebookDep, user: Viewer, body: QueueSearch) -> CluePageOut:
    """A page of the user's clues (masked) matching ``q`` — a resident ID (18 or 15 digits,
    or as Excel damaged it), a name, a case or a certificate number — and the filters, with
    the counts per status. The term is in the JSON body, never in the URL (which is logged);
    every search is audited, the term masked."""
    return _clue_page(casebook, user, body.view(), body.q)


@router.post("/clues/assign", response_model=list[VersionOut])
def clue_bulk_assign(casebook: CasebookDep, user: Worker, body: BulkAssignIn) -> list[VersionOut]:
    """Assign many clues (id → version read) to one user, all or none."""
    done = workflow.bulk_assign(casebook, user, body.clues, body.assignee, body.note)
    return [VersionOut(id=k, version=v) for k, v in done.items()]


@router.get("/clues/{clue_id}", response_model=ClueOut)
def clue_get(casebook: CasebookDep, user: Viewer, clue_id: ClueId) -> ClueOut:
    """One clue with its history, masked."""
    return ClueOut.of(queries.get_clue(casebook, user, clue_id))


@router.post("/clues/{clue_id}/reveal", response_model=ClueOut)
def clue_reveal(casebook: CasebookDep, user: Worker, clue_id: ClueId, body: RevealIn) -> ClueOut:
    """One clue unmasked: the reason is written to the audit chain."""
    return ClueOut.of(queries.reveal(casebook, user, clue_id, body.reason))


@router.post("/clues/{clue_id}/transition", response_model=VersionOut)
def clue_transition(
    casebook: CasebookDep, user: Worker, clue_id: ClueId, body: TransitionIn
) -> VersionOut:
    """One workflow step at the version read (missing: 422, stale: 409); a note needs none."""
    version: int | None
    if body.action == "assign":
        version = workflow.assign(
            casebook, user, clue_id, require_version(body.version), body.assignee or "", body.note
        )
    elif body.action == "verify":
        version = workflow.start_verifying(
            casebook, user, clue_id, require_version(body.version), body.note
        )
    elif body.action == "confirm":
        version = workflow.confirm(
            casebook, user, clue_id, require_version(body.version), body.note
        )
    elif body.action == "dismiss":
        version = workflow.dismiss(
            casebook, user, clue_id, require_version(body.version), body.reason or "", body.note
        )
    else:
        if not body.note.strip():
            raise CasebookError("a note needs text", Location(field="note"))
        workflow.add_note(casebook, user, clue_id, body.note)
        version = None
    return VersionOut(id=clue_id, version=version)


def _case(c: cases.Case) -> CaseOut:
    return CaseOut(**{**c.__dict__, "funds_recovered": f"{c.funds_recovered:.2f}"})


@router.get("/cases", response_model=list[CaseOut])
def case_list(casebook: CasebookDep, user: Worker, open_only: bool = False) -> list[CaseOut]:
    return [_case(c) for c in cases.list_cases(casebook, user, open_only=open_only)]


@router.post("/cases", response_model=CaseOut)
def case_open(casebook: CasebookDep, user: Worker, body: CaseOpenIn) -> CaseOut:
    """Open a supervised case from confirmed clues (id → version read)."""
    case_id = cases.open_case(casebook, user, body.kind, body.clues, title=body.title)
    return next(_case(c) for c in cases.list_cases(casebook, user) if c.id == case_id)


@router.post("/cases/{case_id}/close", response_model=CaseOut)
def case_close(casebook: CasebookDep, user: Worker, case_id: CaseId, body: CaseCloseIn) -> CaseOut:
    cases.close_case(
        casebook, user, case_id, body.version, body.outcome,
        funds_recovered=money(body.funds_recovered),
    )  # fmt: skip
    return next(_case(c) for c in cases.list_cases(casebook, user) if c.id == case_id)


def _model(m: Model, a: Activity) -> dict[str, Any]:
    s = m.spec
    y = a.yield_
    return {
        "id": s.id, "title": {"zh": s.title.zh, "en": s.title.en}, "domain": s.domain,
        "status": s.status, "version": s.version, "owner": s.owner,
        "legal_basis": s.legal_basis, "description": s.description, "datasets": s.datasets,
        "runs": a.run_count, "clues": y.clues, "confirmed": y.confirmed,
        "dismissed": y.dismissed, "cases": y.cases, "precision": y.precision,
    }  # fmt: skip


@router.get("/models", response_model=list[ModelOut])
def model_list(casebook: CasebookDep, settings: SettingsDep, user: Viewer) -> list[ModelOut]:
    """Every model with its runs and its yield in the user's region."""
    models = sorted(registry(settings).models.values(), key=lambda m: m.id)
    activity = model_activity(casebook, user, [m.id for m in models])
    return [ModelOut(**_model(m, activity[m.id])) for m in models]


@router.get("/models/{model_id}", response_model=ModelDetailOut)
def model_get(
    casebook: CasebookDep, settings: SettingsDep, user: Viewer, model_id: str
) -> ModelDetailOut:
    m = registry(settings).get(model_id)
    a = model_activity(casebook, user, [m.id])[m.id]
    examples = len(load_examples(m)) if examples_path(m).exists() else 0
    return ModelDetailOut(
        **_model(m, a),
        sql=m.sql,
        parameters=[p.model_dump(mode="json") for p in m.spec.parameters],
        last_runs=[{k: str(v) for k, v in r.items()} for r in a.runs],
        examples=examples,
    )


@router.post("/models/{model_id}/run", response_model=JobOut, status_code=202)
def model_run(
    request: Request, casebook: CasebookDep, settings: SettingsDep, user: Builder, model_id: str
) -> JobOut:
    """Start a run of the model in the background; poll ``/api/jobs/{id}``."""
    model = registry(settings).get(model_id)
    refuse_unless_runnable(settings, model)  # 409: no production version
    job = request.app.state.jobs.submit(
        "model.run", model.id, user, partial(run_model_job, settings, casebook, user, model.id)
    )
    return JobOut(**job.as_dict())


@router.get("/jobs/{job_id}", response_model=JobOut)
def job_get(request: Request, user: Builder, job_id: str) -> JobOut:
    return JobOut(**request.app.state.jobs.get(job_id, user).as_dict())


@router.get("/audit", response_model=list[AuditOut])
def audit_tail(
    casebook: CasebookDep, user: Admin, n: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[AuditOut]:
    """The newest audit entries about your subtree (by the region of the object each concerns),
    newest first."""
    return [
        AuditOut(**{k: getattr(e, k) for k in AuditOut.model_fields})
        for e in reversed(access.audit_tail(casebook, user, n))
    ]


@router.get("/users", response_model=list[AccountOut])
def user_list(casebook: CasebookDep, user: Admin) -> list[AccountOut]:
    """The users of your subtree, active and deactivated."""
    return [
        AccountOut(**{k: getattr(a, k) for k in AccountOut.model_fields})
        for a in users.accounts(casebook, user)
    ]


Username = Annotated[str, Path(max_length=64)]


def _version(casebook: CasebookDep, actor: User, username: str, body: UserVersionIn | None) -> int:
    """The version the body names, once the user is found in the actor's subtree (else
    404): a body without one answers 422."""
    users.find(casebook, actor, username)
    return require_version(body.version if body is not None else None)


@router.post("/users/{username}/deactivate", response_model=UserVersionOut)
def user_deactivate(
    casebook: CasebookDep, user: Admin, username: Username, body: UserVersionIn | None = None
) -> UserVersionOut:
    """Deactivate a user of your subtree (audited): their login fails and their sessions end;
    their clues stay assigned to them."""
    return UserVersionOut(
        username=username,
        version=users.deactivate(
            casebook, user, username, _version(casebook, user, username, body)
        ),
    )


@router.post("/users/{username}/activate", response_model=UserVersionOut)
def user_activate(
    casebook: CasebookDep, user: Admin, username: Username, body: UserVersionIn | None = None
) -> UserVersionOut:
    """Reactivate a deactivated user of your subtree (audited)."""
    return UserVersionOut(
        username=username,
        version=users.activate(casebook, user, username, _version(casebook, user, username, body)),
    )


@router.post("/users/{username}/reset-password", response_model=ResetPasswordOut)
def user_reset_password(
    casebook: CasebookDep, user: Admin, username: Username, body: ResetPasswordIn | None = None
) -> ResetPasswordOut:
    """A temporary password (the one given, else a random one) that the user must change at
    their next login; their sessions end (audited, the password never recorded)."""
    checked = _version(casebook, user, username, body)
    password = body.password if body else None
    secret, version = users.reset_password(casebook, user, username, checked, password)
    return ResetPasswordOut(username=username, version=version, password=secret)


@router.post("/users/{username}/set", response_model=UserVersionOut)
def user_set(
    casebook: CasebookDep, user: Admin, username: Username, body: UserSetIn | None = None
) -> UserVersionOut:
    """Change the role and/or procuratorate of a user of your subtree (audited)."""
    checked = _version(casebook, user, username, body)
    assert body is not None
    version = users.change(
        casebook, user, username, checked, role=body.role, procuratorate=body.procuratorate
    )
    return UserVersionOut(username=username, version=version)


@router.post("/me/password", response_model=UserOut)
def me_password(
    request: Request, casebook: CasebookDep, user: CurrentUser, body: PasswordIn
) -> UserOut:
    """Change your own password (the current one checked; audited); your other sessions end.
    A temporary password must be changed so before anything else answers."""
    from lexradar.web.routes.auth import own_session

    users.change_own_password(
        casebook, user, body.current_password, body.new_password,
        keep_session=own_session(request),
    )  # fmt: skip
    return UserOut(id=user.id, username=user.username, role=user.role,
                   procuratorate_code=user.procuratorate_code)  # fmt: skip


@router.post("/users", response_model=UserOut)
def user_add(casebook: CasebookDep, user: Admin, body: UserIn) -> UserOut:
    added = access.add_user(
        casebook, user, body.username, body.password, body.role, body.procuratorate
    )
    return UserOut(**added.__dict__)


@router.post("/users/{username}/revoke-sessions", response_model=RevokedOut)
def user_revoke_sessions(
    casebook: CasebookDep, user: Admin, username: Annotated[str, Path(max_length=64)]
) -> RevokedOut:
    """End every session of a user of your subtree (audited): their cookies stop working."""
    return RevokedOut(username=username, sessions=sessions.revoke(casebook, user, username))


@router.get("/procuratorates", response_model=list[ProcuratorateOut])
def procuratorate_list(casebook: CasebookDep, user: Viewer) -> list[ProcuratorateOut]:
    """The procuratorates of the user's subtree."""
    return [ProcuratorateOut(**p) for p in list_procuratorates(casebook, user)]  # type: ignore[arg-type]


@router.get("/batches", response_model=list[BatchOut])
def batch_list(settings: SettingsDep, user: DataViewer) -> list[BatchOut]:
    """The ingestion batches of the lake, newest first."""
    found = batches.list_batches(settings.lake) if settings.lake.is_dir() else []
    return [
        BatchOut(**{k: m.get(k) for k in BatchOut.model_fields if k in m}) for m in reversed(found)
    ]
