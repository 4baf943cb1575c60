"""Documents to download: the period report (xlsx, html, pdf) and the procuratorial
recommendation (.docx) for a confirmed clue or a case. The writers live in
:mod:`lexradar.reports`; they are imported when asked for, and a writer that is not installed
answers 501 with its name."""

from __future__ import annotations

import importlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from lexradar.clues.access import User
from lexradar.clues.errors import CasebookError
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
from lexradar.web.errors import NotAvailable
from lexradar.web.i18n import current_lang
from lexradar.web.lookups import model_statuses, period, registry

router = APIRouter(include_in_schema=False)
Leader = Annotated[User, Depends(require_role(*LEADERS))]
Worker = Annotated[User, Depends(require_role(*WORKERS))]
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
PERIOD_WRITERS = {
    "xlsx": "write_period_report",
    "html": "write_period_report_html",
    "pdf": "write_period_report_pdf",
}


def writer(module: str, name: str) -> Callable[..., Path]:
    try:
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]
    except (ImportError, AttributeError):
        raise NotAvailable(f"{module}.{name} is not available in this installation") from None


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
    if kind not in PERIOD_WRITERS:
        raise CasebookError(f"a period report is {', '.join(PERIOD_WRITERS)}, not {kind!r}")
    write = writer("lexradar.reports.period", PERIOD_WRITERS[kind])
    first, last = period(start, end)
    name = f"period-{first:%Y%m}-{last:%Y%m}.{kind}"
    lang = current_lang.get()
    models = model_statuses(settings)
    inner = narrow(user, region).procuratorate_code if region else None
    return _write(
        kind,
        name,
        lambda out: write(
            casebook, user, first, last, out, lang=lang, models=models, procuratorate=inner
        ),
    )


def _recommendation(
    casebook: CasebookDep,
    settings: SettingsDep,
    user: User,
    name: str,
    reveal_reason: str | None,
    **target: int,
) -> Response:
    write = writer("lexradar.reports.recommendation", "write_recommendation")
    lang = current_lang.get()
    reveal = bool(reveal_reason and reveal_reason.strip())
    return _write(
        "docx",
        name,
        lambda out: write(
            casebook, user, out, reveal=reveal, reason=reveal_reason if reveal else None,
            lang=lang, models=registry(settings), **target,
        ),
    )  # fmt: skip


@router.get("/clues/{clue_id}/recommendation.docx")
def clue_recommendation(
    casebook: CasebookDep,
    settings: SettingsDep,
    user: Worker,
    clue_id: ClueId,
    reveal: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """The procuratorial recommendation for a confirmed clue (names masked unless ``reveal``
    gives a reason, which is audited)."""
    return _recommendation(
        casebook, settings, user, f"recommendation-clue-{clue_id}.docx", reveal, clue_id=clue_id
    )


@router.get("/cases/{case_id}/recommendation.docx")
def case_recommendation(
    casebook: CasebookDep,
    settings: SettingsDep,
    user: Worker,
    case_id: CaseId,
    reveal: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """The procuratorial recommendation for a case."""
    return _recommendation(
        casebook, settings, user, f"recommendation-case-{case_id}.docx", reveal, case_id=case_id
    )
