"""The clue queue's saved filters and its export (.xlsx, .csv): routes included first in the
clue router (:mod:`lexradar.web.routes.clues`), so ``/clues/export.xlsx`` is never read as a
clue id.

- ``GET /clues/export.{csv|xlsx}?<filters>`` — the filtered queue, masked (every role; a
  search term in the query string is refused);
- ``POST /clues/export-masked.{csv|xlsx}`` with the filters and the search term ``q`` — the
  same, the term in the body (the queue page's export buttons);
- ``POST /clues/export.{csv|xlsx}`` with the filters, ``q`` and a ``reason`` — revealed
  (workers);
- ``POST /clues/filters`` (``name`` and the filters) saves them; ``POST
  /clues/filters/{id}/delete`` deletes one of the user's own.

The filters are :class:`~lexradar.web.deps.QueueFilters` (declared once for the page, the
exports, saved filters and the API); why a term never travels in a URL is told there
(:class:`~lexradar.web.deps.QueueSearch`).

Every export and search is audited by :mod:`lexradar.clues`; the headers and the values of
domain, state, severity and dismissal reason are in the user's language.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from typing import IO, Annotated

from fastapi import APIRouter, Depends, Form, Path, Query
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from lexradar.clues import export, saved
from lexradar.clues.access import User
from lexradar.clues.db import Casebook
from lexradar.clues.queries import Filters
from lexradar.settings import Settings
from lexradar.web.deps import (
    ALL_ROLES,
    MAX_ID,
    WORKERS,
    CasebookDep,
    NoTermInUrl,
    QueueFilters,
    QueueFiltersForm,
    QueueFiltersQuery,
    QueueSearchForm,
    SettingsDep,
    require_role,
)
from lexradar.web.i18n import current_lang, t
from lexradar.web.lookups import procuratorate_names, registry

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(require_role(*ALL_ROLES))]
Worker = Annotated[User, Depends(require_role(*WORKERS))]
Format = Annotated[str, Path(pattern="^(csv|xlsx)$")]
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _label(kind: str, value: str) -> str:
    prefix = {"domain": "domain", "status": "state", "severity": "severity", "reason": "reason"}
    return t(f"{prefix[kind]}.{value}")


def _titles(settings: Settings) -> dict[str, str]:
    lang = current_lang.get()
    return {
        m.id: getattr(m.spec.title, lang, m.spec.title.zh)
        for m in registry(settings).models.values()
    }


def _chunks(f: IO[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    try:
        while chunk := f.read(size):
            yield chunk
    finally:
        f.close()


def _export(
    casebook: Casebook,
    settings: Settings,
    user: User,
    fmt: str,
    filters: Filters,
    sort: str,
    reason: str | None,
) -> Response:
    export.start_export(casebook, user, filters, fmt, reason=reason)  # checked and audited
    rows = export.queue_rows(
        casebook, user, filters, sort=sort, reveal=reason is not None, label=_label,
        models=_titles(settings), names=procuratorate_names(casebook, user),
        english=current_lang.get() == "en",
    )  # fmt: skip
    header = export.headers(lambda key: t(f"queue.col.{key}"))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    disposition = {"Content-Disposition": f'attachment; filename="clues-{stamp}.{fmt}"'}
    if fmt == "csv":
        return StreamingResponse(
            export.csv_chunks(header, rows), media_type=MEDIA[fmt], headers=disposition
        )
    f = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response's iterator)
    export.write_xlsx(f, header, rows)
    f.seek(0)
    return StreamingResponse(_chunks(f), media_type=MEDIA[fmt], headers=disposition)


@router.get("/clues/export.{fmt}", dependencies=[NoTermInUrl])
def export_masked(
    casebook: CasebookDep,
    settings: SettingsDep,
    user: Viewer,
    fmt: Format,
    filters: QueueFiltersQuery,
    sort: Annotated[str, Query(max_length=64)] = "newest",
) -> Response:
    """The filtered queue as a file, personal data masked (audited)."""
    return _export(casebook, settings, user, fmt, filters.to_filters(), sort or "newest", None)


@router.post("/clues/export-masked.{fmt}")
def export_masked_search(
    casebook: CasebookDep, settings: SettingsDep, user: Viewer, fmt: Format, form: QueueSearchForm
) -> Response:
    """The filtered (and searched) queue as a file, masked; the term in the body (audited)."""
    filters = form.to_filters(form.q)
    return _export(casebook, settings, user, fmt, filters, form.sort or "newest", None)


@router.post("/clues/export.{fmt}")
def export_revealed(
    casebook: CasebookDep,
    settings: SettingsDep,
    user: Worker,
    fmt: Format,
    reason: Annotated[str, Form(max_length=500)],
    form: QueueSearchForm,
) -> Response:
    """The filtered queue as a file with personal data revealed: a reason, audited."""
    filters = form.to_filters(form.q)
    return _export(casebook, settings, user, fmt, filters, form.sort or "newest", reason)


@router.post("/clues/filters")
def save_filter(
    casebook: CasebookDep,
    user: Viewer,
    name: Annotated[str, Form(max_length=60)],
    filters: QueueFiltersForm,
) -> Response:
    """Keep the queue's current filters under a name (the user's own; never a search term:
    one posted with them is dropped)."""
    kept = saved.save(casebook, user, name, filters.to_filters())
    return RedirectResponse(f"/clues?{query_of(kept.filters)}", status_code=303)


@router.post("/clues/filters/{filter_id}/delete")
def delete_filter(
    casebook: CasebookDep,
    user: Viewer,
    filter_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Response:
    """Delete one of the user's own saved filters."""
    saved.delete(casebook, user, filter_id)
    return RedirectResponse("/clues", status_code=303)


def query_of(filters: dict[str, str]) -> str:
    """A saved filter as the queue page's query string (it holds no search term)."""
    return QueueFilters.model_validate(filters).query()
