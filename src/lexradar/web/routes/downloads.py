"""Documents to download: the period report (xlsx, html, pdf) and the procuratorial
recommendation (.docx) for a confirmed clue or a case: masked by a GET, unmasked only by a POST
that carries a reason (audited) and the CSRF token. The writers live in
:mod:`lexradar.reports` (:mod:`lexradar.reports.output` for the period report)."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from lexradar.clues.access import User
from lexradar.clues.errors import CasebookError
from lexradar.errors import Location
from lexradar.reports.output import WRITERS, write_report
from lexradar.reports.recommendation import DocNumberError, parse_doc_no, write_recommendation
from lexradar.web.deps import (
    LEADERS,
    WORKERS,
    CasebookDep,
    CaseId,
    ClueId,
    SettingsDep,
    narrow,
    require_role,
)
from lexradar.web.i18n import current_lang, t
from lexradar.web.lookups import model_statuses, period, registry

router = APIRouter(include_in_schema=False)
Leader = Annotated[User, Depends(require_role(*LEADERS))]
Worker = Annotated[User, Depends(require_role(*WORKERS))]
Reason = Annotated[str, Form(min_length=1, max_length=500)]
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _send(path: Path, folder: tempfile.TemporaryDirectory[str], kind: str, name: str) -> Response:
    return FileResponse(
        path,
        media_type=MEDIA[kind],
        filename=name,
        background=BackgroundTask(folder.cleanup),
        headers={"Cache-Control": "no-store"},
    )


def _write(kind: str, name: str, make: Callable[[Path], Any]) -> Response:
    folder = tempfile.TemporaryDirectory(prefix="lexradar-web-")
    try:
        path = Path(make(Path(folder.name) / name) or Path(folder.name) / name)
    except BaseException:
        folder.cleanup()
        raise
    return _send(path, folder, kind, name)


@router.get("/reports/period.{kind}")
def period_report(
    casebook: CasebookDep,
    settings: SettingsDep,
    user: Leader,
    kind: str,
    start: Annotated[str | None, Query(max_length=10)] = None,
    end: Annotated[str | None, Query(max_length=10)] = None,
    region: Annotated[str | None, Query(max_length=6)] = None,
) -> Response:
    """The period report of the user's region (or the part ``region`` of it, a dashboard's
    drill-down) for the months ``start``..``end``."""
    if kind not in WRITERS:
        raise CasebookError(f"a period report is {', '.join(WRITERS)}, not {kind!r}")
    first, last = period(start, end)
    name = f"period-{first:%Y%m}-{last:%Y%m}.{kind}"
    lang = current_lang.get()
    models = model_statuses(settings)
    inner = narrow(user, region).procuratorate_code if region else None
    return _write(
        kind,
        name,
        lambda out: write_report(
            casebook,
            user,
            first,
            last,
            out,
            lang=lang,
            models=models,
            procuratorate=inner,
            fmt=kind,
        ),
    )


def _recommendation(
    casebook: CasebookDep,
    settings: SettingsDep,
    user: User,
    name: str,
    reveal_reason: str | None,
    *,
    clue_id: int | None = None,
    case_id: int | None = None,
) -> Response:
    lang = current_lang.get()
    reveal = reveal_reason is not None  # a blank reason is refused by the writer
    return _write(
        "docx",
        name,
        lambda out: write_recommendation(
            casebook, user, out, reveal=reveal, reason=reveal_reason if reveal else None,
            lang=lang, models=registry(settings), clue_id=clue_id, case_id=case_id,
        ),
    )  # fmt: skip


DOCUMENT_FORMATS = ("docx", "pdf")
"""What the recommendation form writes: the template's .docx, or the shipped layout's PDF."""
FIRST_YEAR, LAST_YEAR = 2000, 2099


def document_day(text: str) -> dt.date:
    """The form's date (``YYYY-MM-DD``, blank: today), or a 400 saying what is wrong."""
    value = text.strip()
    if not value:
        return dt.date.today()
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or len(value) != 10 or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CasebookError(
            t("docform.error.date", value=value, first=FIRST_YEAR, last=LAST_YEAR),
            Location(field="date"),
        )
    return day


class DocumentForm:
    """The recommendation form: number, date, format, and whether (and why) to reveal."""

    def __init__(self, number: str, date: str, fmt: str, reveal: bool, reason: str) -> None:
        if fmt not in DOCUMENT_FORMATS:
            raise CasebookError(t("docform.error.format", value=fmt), Location(field="format"))
        self.day = document_day(date)
        self.number: int | None = None
        self.short: str | None = None
        if number.strip():
            try:
                parsed = parse_doc_no(number, self.day)
            except DocNumberError as exc:
                raise CasebookError(
                    t(f"docform.error.number_{exc.code}", **exc.values), Location(field="number")
                ) from None
            self.number, self.short = parsed.number, parsed.short
        if reveal and not reason.strip():
            raise CasebookError(t("docform.error.reason"), Location(field="reason"))
        self.fmt = fmt
        self.reason = reason.strip() if reveal else None


def _drafted(
    casebook: CasebookDep,
    settings: SettingsDep,
    user: User,
    form: DocumentForm,
    *,
    clue_id: int | None = None,
    case_id: int | None = None,
) -> Response:
    subject = f"clue-{clue_id}" if clue_id is not None else f"case-{case_id}"
    name = f"recommendation-{subject}.{form.fmt}"
    lang = current_lang.get()
    return _write(
        form.fmt,
        name,
        lambda out: write_recommendation(
            casebook, user, out, reveal=form.reason is not None, reason=form.reason, lang=lang,
            models=registry(settings), clue_id=clue_id, case_id=case_id, day=form.day,
            number=form.number, doc_short=form.short,
        ),
    )  # fmt: skip


Number = Annotated[str, Form(max_length=40)]
Day = Annotated[str, Form(max_length=20)]
Format = Annotated[str, Form(max_length=10)]
Reveal = Annotated[bool, Form()]
OptionalReason = Annotated[str, Form(max_length=500)]


@router.post("/clues/{clue_id}/recommendation")
def clue_recommendation_form(
    casebook: CasebookDep,
    settings: SettingsDep,
    user: Worker,
    clue_id: ClueId,
    number: Number = "",
    date: Day = "",
    format: Format = "docx",
    reveal: Reveal = False,
    reason: OptionalReason = "",
) -> Response:
    """The clue's recommendation with a document number and date, as .docx or PDF; masked
    unless ``reveal`` (with a reason, audited)."""
    form = DocumentForm(number, date, format, reveal, reason)
    return _drafted(casebook, settings, user, form, clue_id=clue_id)


@router.post("/cases/{case_id}/recommendation")
def case_recommendation_form(
    casebook: CasebookDep,
    settings: SettingsDep,
    user: Worker,
    case_id: CaseId,
    number: Number = "",
    date: Day = "",
    format: Format = "docx",
    reveal: Reveal = False,
    reason: OptionalReason = "",
) -> Response:
    """The case's recommendation with a document number and date, as .docx or PDF."""
    form = DocumentForm(number, date, format, reveal, reason)
    return _drafted(casebook, settings, user, form, case_id=case_id)


def _no_reveal_by_get(request: Request) -> None:
    if "reveal" in request.query_params:
        raise CasebookError(
            "personal data is revealed only by a POST with a reason and the CSRF token "
            "(the form on the clue's page), not by a link",
            Location(field="reveal"),
        )


@router.get("/clues/{clue_id}/recommendation.docx")
def clue_recommendation(
    request: Request, casebook: CasebookDep, settings: SettingsDep, user: Worker, clue_id: ClueId
) -> Response:
    """The procuratorial recommendation for a confirmed clue, names and IDs masked."""
    _no_reveal_by_get(request)
    return _recommendation(
        casebook, settings, user, f"recommendation-clue-{clue_id}.docx", None, clue_id=clue_id
    )


@router.post("/clues/{clue_id}/recommendation.docx")
def clue_recommendation_revealed(
    casebook: CasebookDep,
    settings: SettingsDep,
    user: Worker,
    clue_id: ClueId,
    reason: Reason,
) -> Response:
    """The recommendation with personal data unmasked: needs a reason, which is audited."""
    return _recommendation(
        casebook, settings, user, f"recommendation-clue-{clue_id}.docx", reason, clue_id=clue_id
    )


@router.get("/cases/{case_id}/recommendation.docx")
def case_recommendation(
    request: Request, casebook: CasebookDep, settings: SettingsDep, user: Worker, case_id: CaseId
) -> Response:
    """The procuratorial recommendation for a case, names and IDs masked."""
    _no_reveal_by_get(request)
    return _recommendation(
        casebook, settings, user, f"recommendation-case-{case_id}.docx", None, case_id=case_id
    )


@router.post("/cases/{case_id}/recommendation.docx")
def case_recommendation_revealed(
    casebook: CasebookDep,
    settings: SettingsDep,
    user: Worker,
    case_id: CaseId,
    reason: Reason,
) -> Response:
    """The case's recommendation with personal data unmasked (a reason, audited)."""
    return _recommendation(
        casebook, settings, user, f"recommendation-case-{case_id}.docx", reason, case_id=case_id
    )
