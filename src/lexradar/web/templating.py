"""The shared Jinja2 environment and :func:`render`, used by every router (the studio too).

Templates live in ``web/templates``; partials (HTMX fragments) start with ``_``. Every template
gets ``t`` (the message catalogue), ``lang``, ``user``, ``csrf_token`` and ``nav``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from lexradar.clues.access import User
from lexradar.web.csrf import csrf_token
from lexradar.web.i18n import (
    HTML_LANG,
    LANGS,
    current_lang,
    dataset_title,
    explanation_template,
    field_label,
    label,
    model_title,
    problem_label,
    shown_evidence,
    t,
    value_label,
)
from lexradar.web.linkage_text import contribution_detail
from lexradar.web.studio_text import generated_text, param_doc

TEMPLATES = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))


@dataclass(frozen=True)
class NavItem:
    key: str
    """Message key of the label."""
    href: str
    roles: tuple[str, ...]


NAV: list[NavItem] = [
    NavItem("nav.dashboard", "/", ("admin", "leader", "handler", "model_builder")),
    NavItem("nav.clues", "/clues", ("admin", "leader", "handler", "model_builder")),
    NavItem("nav.cases", "/cases", ("admin", "leader", "handler")),
    NavItem("nav.models", "/models", ("admin", "leader", "handler", "model_builder")),
    NavItem("nav.studio", "/studio", ("admin", "model_builder")),
    NavItem("nav.batches", "/batches", ("admin", "leader", "model_builder")),
    NavItem("nav.audit", "/audit", ("admin",)),
    NavItem("nav.admin", "/admin", ("admin",)),
]
"""The navigation bar; an item shows to the roles named (``nav.studio`` only with the studio)."""


def nav_for(request: Request, user: User | None) -> list[NavItem]:
    if user is None:
        return []
    studio = getattr(request.app.state, "has_studio", False)
    return [
        item for item in NAV if user.role in item.roles and (item.key != "nav.studio" or studio)
    ]


def pct(value: float | None, signed: bool = False) -> str:
    """A share (0.25 → ``25.0%``) or, with ``signed``, a change already in per cent."""
    if value is None:
        return "—"
    return f"{value:+.1f}%" if signed else f"{value:.1%}"


def money(value: Decimal | float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def when(value: dt.datetime | dt.date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)[:19].replace("T", " ")


templates.env.globals.update(
    t=t,
    LANGS=LANGS,
    label=label,
    field_label=field_label,
    value_label=value_label,
    dataset_title=dataset_title,
    model_title=model_title,
    shown_evidence=shown_evidence,
    explanation_template=explanation_template,
    HTML_LANGS=HTML_LANG,
    problem_label=problem_label,
    contribution_detail=contribution_detail,
    generated_text=generated_text,
    param_doc=param_doc,
)
templates.env.filters.update(pct=pct, money=money, when=when)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render template ``name`` with the common context (user, language, CSRF token, nav)."""
    user = getattr(request.state, "user", None)
    lang = current_lang.get()
    base = {
        "user": user,
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "csrf_token": csrf_token(request),
        "nav": nav_for(request, user),
        "path": request.url.path,
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
