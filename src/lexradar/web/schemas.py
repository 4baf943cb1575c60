"""Request and response schemas of the JSON API, apart from the tables (STYLE habit 11)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from lexradar.clues.queries import ClueView
from lexradar.reports.stats import Row

MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int | None, Field(ge=0, le=MAX_ID)]
Versions = Annotated[dict[Id, Version], Field(min_length=1, max_length=1000)]


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
            first_seen=view.first_seen, last_seen=view.last_seen, times_seen=view.times_seen,
            version=view.version,
            history=[{k: (str(v) if isinstance(v, dt.datetime) else v) for k, v in h.items()}
                     for h in view.history],
        )  # fmt: skip


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
    version: Version = None
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
    version: Version = None
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
