"""The dashboard: the figures a leader reports, as numbers and charts.

Every figure comes from :func:`lexradar.reports.stats.statistics` for the logged-in user (or
a part of their subtree when drilling down: region → city → county).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from lexradar.clues.access import User
from lexradar.clues.tables import audit_log
from lexradar.reports.stats import Statistics, statistics
from lexradar.web.deps import CasebookDep, CurrentUser, SettingsDep, narrow
from lexradar.web.i18n import model_title, t
from lexradar.web.lookups import model_statuses, period, procuratorate_names
from lexradar.web.templating import render

router = APIRouter(include_in_schema=False)
DOMAINS = ("criminal", "civil", "administrative", "public_interest")
TOP_MODELS = 5


def next_level(viewer: User) -> str:
    """The level one below the viewer's procuratorate: region → city → county."""
    return "city" if len(viewer.prefix) <= 2 else "county"


_FIGURES: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_FIGURES_LOCK = threading.Lock()
_FIGURES_KEPT = 256


def casebook_version(casebook: CasebookDep) -> int:
    """The audit chain's last sequence number. Every change of the casebook (a load, a state
    change, a case) is chained after it commits, so figures computed under one number stay
    right until the number moves."""
    with casebook.read() as conn:
        return int(conn.execute(sa.select(sa.func.max(audit_log.c.seq))).scalar() or 0)


def dashboard_data(
    casebook: CasebookDep,
    settings: SettingsDep,
    user: User,
    start: str | None,
    end: str | None,
    region: str | None,
) -> dict[str, Any]:
    """Everything the dashboard shows (the page and ``/api/dashboard`` share it).

    The figures of one subtree and period are computed once per casebook version (see
    :func:`casebook_version`) and shared by every user who sees that subtree: a leader's page
    is the same for every leader of the region until something changes.
    """
    viewer = narrow(user, region)
    first, last = period(start, end)
    statuses = model_statuses(settings)
    key = (
        str(casebook.engine.url) if casebook.engine is not None else id(casebook),
        viewer.prefix,
        first,
        last,
        tuple(statuses),
        casebook_version(casebook),
    )
    with _FIGURES_LOCK:
        cached = _FIGURES.get(key)
        if cached is not None:
            _FIGURES.move_to_end(key)
    if cached is None:
        cached = _figures(casebook, viewer, first, last, statuses)
        with _FIGURES_LOCK:
            _FIGURES[key] = cached
            while len(_FIGURES) > _FIGURES_KEPT:
                _FIGURES.popitem(last=False)
    return {"viewer": viewer, **cached}


def _figures(
    casebook: CasebookDep,
    viewer: User,
    first: dt.date,
    last: dt.date,
    statuses: list[tuple[str, str]],
) -> dict[str, Any]:
    def stats(*by: str, **kw: Any) -> Statistics:
        return statistics(casebook, viewer, start=first, end=last, by=by, **kw)

    by_model = stats("model", models=statuses)
    by_month, by_domain = stats("month"), stats("domain")
    level = next_level(viewer)
    by_region = stats("region", level=level) if len(viewer.prefix) < 6 else None
    top = sorted(by_model.rows, key=lambda r: (-r.now.converted, -r.now.confirmed, -r.now.clues))[
        :TOP_MODELS
    ]
    return {
        "start": first.strftime("%Y-%m"),
        "end": last.strftime("%Y-%m"),
        "total": by_model.total,
        "models": by_model.models,
        "by_month": by_month,
        "by_domain": by_domain,
        "by_region": by_region,
        "level": level,
        "top": top,
    }


def _charts(data: dict[str, Any], names: dict[str, str], user: User) -> dict[str, str]:
    """Chart.js specifications as JSON, one per chart."""
    now, ly = t("dash.now"), t("dash.last_year")
    by_month = {r.key["month"]: r for r in data["by_month"].rows}
    months = month_range(data["start"], data["end"])
    domains = {r.key["domain"]: r for r in data["by_domain"].rows}
    charts: dict[str, Any] = {
        "chart-month": {
            "type": "line",
            "labels": months,
            "datasets": [
                {
                    "label": f"{t('dash.clues')} · {now}",
                    "data": [by_month[m].now.clues if m in by_month else 0 for m in months],
                },
                {
                    "label": f"{t('dash.clues')} · {ly}",
                    "data": [by_month[m].last_year.clues if m in by_month else 0 for m in months],
                },
                {
                    "label": f"{t('dash.cases')} · {now}",
                    "data": [by_month[m].now.cases if m in by_month else 0 for m in months],
                },
            ],
        },
        "chart-domain": {
            "type": "bar",
            "labels": [t("domain." + d) for d in DOMAINS],
            "datasets": [
                {
                    "label": f"{t('dash.clues')} · {now}",
                    "data": [domains[d].now.clues if d in domains else 0 for d in DOMAINS],
                },
                {
                    "label": f"{t('dash.clues')} · {ly}",
                    "data": [domains[d].last_year.clues if d in domains else 0 for d in DOMAINS],
                },
                {
                    "label": f"{t('dash.cases')} · {now}",
                    "data": [domains[d].now.cases if d in domains else 0 for d in DOMAINS],
                },
            ],
        },
        "chart-model": {
            "type": "bar",
            "horizontal": True,
            "labels": [model_title(r.key["model"]) for r in data["top"]],
            "datasets": [
                {"label": t("dash.clues"), "data": [r.now.clues for r in data["top"]]},
                {"label": t("dash.confirmed"), "data": [r.now.confirmed for r in data["top"]]},
                {"label": t("dash.converted"), "data": [r.now.converted for r in data["top"]]},
            ],
        },
    }
    if data["by_region"] is not None:
        rows = data["by_region"].rows
        qs = f"&start={data['start']}&end={data['end']}"
        charts["chart-region"] = {
            "type": "bar",
            "labels": [short_name(names.get(r.key["region"], r.key["region"])) for r in rows],
            "datasets": [
                {"label": f"{t('dash.clues')} · {now}", "data": [r.now.clues for r in rows]},
                {"label": f"{t('dash.clues')} · {ly}", "data": [r.last_year.clues for r in rows]},
                {"label": f"{t('dash.cases')} · {now}", "data": [r.now.cases for r in rows]},
            ],
            # a bar opens its procuratorate: a city's, then a county's
            "links": [f"/?region={r.key['region']}{qs}" for r in rows],
        }
    return {k: json.dumps(v, ensure_ascii=False).replace("<", "\\u003c") for k, v in charts.items()}


def month_range(start: str, end: str) -> list[str]:
    """Every month from ``start`` to ``end`` (``YYYY-MM``), so a chart shows empty months too."""
    year, month = int(start[:4]), int(start[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= end:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def short_name(name: str) -> str:
    """``内蒙古自治区赤峰市人民检察院`` → ``赤峰市``: what fits under a bar."""
    for prefix in ("内蒙古自治区",):
        if name.startswith(prefix) and len(name) > len(prefix) + 5:
            name = name[len(prefix) :]
    return name.removesuffix("人民检察院") or name


def breadcrumb(user: User, viewer: User, names: dict[str, str]) -> list[tuple[str, str]]:
    """(code, name) from the user's own procuratorate down to the one viewed."""
    codes = [user.procuratorate_code]
    for length in (4, 6):
        if len(user.prefix) < length <= len(viewer.prefix):
            codes.append(viewer.prefix[:length].ljust(6, "0"))
    return [(code, names.get(code, code)) for code in dict.fromkeys(codes)]


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    casebook: CasebookDep,
    settings: SettingsDep,
    user: CurrentUser,
    start: Annotated[str | None, Query(max_length=10)] = None,
    end: Annotated[str | None, Query(max_length=10)] = None,
    region: Annotated[str | None, Query(max_length=6)] = None,
) -> HTMLResponse:
    data = dashboard_data(casebook, settings, user, start, end, region)
    names = procuratorate_names(casebook, user)
    return render(
        request,
        "dashboard.html",
        **data,
        names=names,
        charts=_charts(data, names, user),
        crumbs=breadcrumb(user, data["viewer"], names),
        domains=DOMAINS,
        region=region or "",
    )
