"""Request and response schemas of the JSON API, apart from the tables (STYLE habit 11)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from lexradar.clues.queries import ClueView
from lexradar.reports.stats import Row

MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[
    int,
    Field(ge=0, le=MAX_ID, description="The version as read (a stale one answers 409)."),
]
Versions = Annotated[
    dict[Id, Version],
    Field(min_length=1, max_length=1000, description="Clue id → its version as read."),
]


class ErrorOut(BaseModel):
    """Every error answer of the API."""

    detail: str = Field(description="What went wrong, in words.")
    field: str | None = Field(default=None, description="The field at fault, if one is.")
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="A malformed request's validation errors (422)."
    )


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Refused (a rule of the casebook)."},
    401: {"model": ErrorOut, "description": "Not logged in."},
    403: {"model": ErrorOut, "description": "The role may not, or no CSRF token."},
    404: {"model": ErrorOut, "description": "Not found, or outside the user's region."},
    409: {"model": ErrorOut, "description": "A stale version, or a step the workflow refuses."},
    422: {"model": ErrorOut, "description": "Malformed, or a state change without its version."},
    429: {"model": ErrorOut, "description": "Throttled login or a full job queue (Retry-After)."},
}
"""The error answers every operation of the API may give, for its OpenAPI document."""


class SessionOut(BaseModel):
    username: str | None
    role: str | None = None
    procuratorate: str | None = None
    csrf_token: str


class LoginIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=200)


class FiguresOut(BaseModel):
    clues: int
    converted: int
    confirmed: int
    dismissed: int
    cases: int
    funds: str
    conversion: float | None
    precision: float | None


class RowOut(BaseModel):
    key: dict[str, str]
    now: FiguresOut
    last_year: FiguresOut
    clues_change: float | None
    cases_change: float | None

    @classmethod
    def of(cls, row: Row) -> RowOut:
        def fig(f: Any) -> FiguresOut:
            return FiguresOut(
                clues=f.clues, converted=f.converted, confirmed=f.confirmed,
                dismissed=f.dismissed, cases=f.cases, funds=f"{f.funds:.2f}",
                conversion=f.conversion, precision=f.precision,
            )  # fmt: skip

        return cls(
            key=row.key,
            now=fig(row.now),
            last_year=fig(row.last_year),
            clues_change=row.clues_change,
            cases_change=row.cases_change,
        )


class DashboardOut(BaseModel):
    procuratorate: str
    start: str
    end: str
    total: RowOut
    models: dict[str, int]
    by_month: list[RowOut]
    by_domain: list[RowOut]
    by_region: list[RowOut] | None
    region_level: str
    top_models: list[RowOut]


class ClueOut(BaseModel):
    id: int
    model_id: str
    domain: str
    region_code: str
    procuratorate_code: str
    severity: str
    status: str
    dismiss_reason: str | None
    assignee_id: int | None
    person_ids: str
    record_refs: str
    explanation: str
    explanation_en: str
    evidence: dict[str, Any]
    first_seen: dt.datetime
    last_seen: dt.datetime
    times_seen: int
    version: int
    history: list[dict[str, Any]] = Field(default_factory=list)

    @classmethod
    def of(cls, view: ClueView) -> ClueOut:
        return cls(
            id=view.id, model_id=view.model_id, domain=view.domain,
            region_code=view.region_code, procuratorate_code=view.procuratorate_code,
            severity=view.severity, status=view.status, dismiss_reason=view.dismiss_reason,
            assignee_id=view.assignee_id, person_ids=view.person_ids,
            record_refs=view.record_refs, explanation=view.explanation,
            explanation_en=view.explanation_en, evidence=view.evidence,
            first_seen=_utc(view.first_seen), last_seen=_utc(view.last_seen),
            times_seen=view.times_seen,
            version=view.version,
            history=[{k: (str(v) if isinstance(v, dt.datetime) else v) for k, v in h.items()}
                     for h in view.history],
        )  # fmt: skip


def _utc(value: dt.datetime) -> dt.datetime:
    """A casebook time (UTC, stored without a zone) with its zone, as RFC 3339 wants it."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


class CluePageOut(BaseModel):
    clues: list[ClueOut]
    total: int
    page: int
    size: int
    pages: int
    counts: dict[str, int]


class RevealIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class TransitionIn(BaseModel):
    action: Literal["assign", "verify", "confirm", "dismiss", "note"]
    version: int | None = Field(
        default=None,
        ge=0,
        le=MAX_ID,
        description="The clue's version as read: required for every action but a note "
        "(missing: 422; stale: 409).",
    )
    reason: str | None = Field(default=None, max_length=30)
    note: str = Field(default="", max_length=2000)
    assignee: str | None = Field(default=None, max_length=64)


class VersionOut(BaseModel):
    id: int
    version: int | None


class BulkAssignIn(BaseModel):
    assignee: str = Field(max_length=64)
    clues: Versions
    note: str = Field(default="", max_length=2000)


class CaseOut(BaseModel):
    id: int
    kind: str
    domain: str
    procuratorate_code: str
    title: str
    opened_on: dt.date
    closed_on: dt.date | None
    outcome: str | None
    funds_recovered: str
    model_id: str | None
    version: int
    clue_ids: list[int]


class CaseOpenIn(BaseModel):
    kind: str = Field(max_length=40)
    clues: Versions
    title: str = Field(default="", max_length=500)


class CaseCloseIn(BaseModel):
    outcome: str = Field(max_length=40)
    version: Version
    funds_recovered: str = Field(default="0", max_length=20)


class ModelOut(BaseModel):
    id: str
    title: dict[str, str]
    domain: str
    status: str
    version: int
    owner: str
    legal_basis: list[str]
    description: str
    datasets: list[str]
    runs: int
    clues: int
    confirmed: int
    dismissed: int
    cases: int
    precision: float | None


class ModelDetailOut(ModelOut):
    sql: str
    parameters: list[dict[str, Any]]
    last_runs: list[dict[str, Any]]
    examples: int


class JobOut(BaseModel):
    id: str
    kind: str
    subject: str
    owner: str
    state: str
    stage: str
    done: int
    total: int
    percent: int
    error: str
    result: dict[str, Any]
    created: str
    finished: str | None


class AuditOut(BaseModel):
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    detail: str
    hash: str


class UserOut(BaseModel):
    id: int | None
    username: str
    role: str
    procuratorate_code: str


class AccountOut(UserOut):
    """A user as an admin manages them."""

    active: bool = Field(description="False: deactivated (cannot log in; clues stay theirs).")
    must_change_password: bool = Field(description="A temporary password not yet changed.")
    version: int = Field(description="Send it back with a change (a stale one answers 409).")


class UserVersionIn(BaseModel):
    version: Version


class UserVersionOut(BaseModel):
    username: str
    version: int = Field(description="The user's version after the change.")


class ResetPasswordIn(UserVersionIn):
    password: str | None = Field(
        default=None, min_length=8, max_length=200, description="Omitted: a random one."
    )


class ResetPasswordOut(BaseModel):
    username: str
    version: int
    password: str = Field(description="The temporary password, to be changed at next login.")


class UserSetIn(UserVersionIn):
    role: str | None = Field(default=None, max_length=20)
    procuratorate: str | None = Field(default=None, pattern=r"^\d{6}$")


class PasswordIn(BaseModel):
    current_password: str = Field(max_length=200)
    new_password: str = Field(min_length=8, max_length=200)


class RevokedOut(BaseModel):
    username: str
    sessions: int = Field(description="Sessions ended.")


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: str = Field(max_length=20)
    procuratorate: str = Field(pattern=r"^\d{6}$")


class ProcuratorateOut(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None


class BatchOut(BaseModel):
    batch_id: str
    dataset: str
    file: str
    status: str
    read: int | None = None
    loaded: int | None = None
    quarantined: int | None = None
    started: str | None = None
