"""Typed dependencies (STYLE habit 11): the casebook, the logged-in user, roles, region scope.

Routes name what they need as ``Annotated`` aliases: ``CasebookDep``, ``CurrentUser``,
``Depends(require_role("admin"))``. Scoping itself stays in :func:`lexradar.clues.access.scope`;
:func:`narrow` only lets a user look at a part of their own subtree (a leader drilling down
from the region to a city), never outside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Form, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from lexradar.clues import access
from lexradar.clues.access import User
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError, NotFoundError, PermissionDenied
from lexradar.clues.queries import Filters
from lexradar.clues.workflow import WORKERS
from lexradar.errors import Location
from lexradar.settings import Settings
from lexradar.web.i18n import t

ALL_ROLES = access.ROLES
BUILDERS = ("admin", "model_builder")
LEADERS = ("admin", "leader")
__all__ = [
    "ALL_ROLES",
    "BUILDERS",
    "LEADERS",
    "MAX_ID",
    "WORKERS",
    "CaseId",
    "CasebookDep",
    "ClueId",
    "CurrentUser",
    "LoginRequired",
    "NoTermInUrl",
    "QueueFilters",
    "QueueFiltersForm",
    "QueueFiltersQuery",
    "QueueSearch",
    "QueueSearchForm",
    "QueueView",
    "QueueViewQuery",
    "SettingsDep",
    "current_user",
    "get_casebook",
    "get_settings",
    "narrow",
    "require_role",
    "term_not_in_url",
    "wants_json",
]


MAX_ID = 2**31 - 1
"""Ids and versions are 32-bit in both databases: larger numbers are refused as invalid."""
ClueId = Annotated[int, Path(ge=1, le=MAX_ID, description="Clue id.")]
CaseId = Annotated[int, Path(ge=1, le=MAX_ID, description="Case id.")]


class LoginRequired(Exception):
    """No logged-in user: pages redirect to the login page, the API answers 401."""


def get_casebook(request: Request) -> Casebook:
    return request.app.state.casebook  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


CasebookDep = Annotated[Casebook, Depends(get_casebook)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def current_user(request: Request, casebook: CasebookDep) -> User:
    """The user of the session (still active), or :class:`LoginRequired`."""
    from lexradar.web.session import USER

    known = request.scope.get(USER)
    if isinstance(known, User):
        request.state.user = known
        return known
    name = request.session.get("user")
    if not name:
        raise LoginRequired()
    try:
        found = access.user(casebook, str(name))
    except NotFoundError:
        request.session.clear()
        raise LoginRequired() from None
    request.state.user = found
    return found


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: str) -> Callable[[User], User]:
    """A dependency giving the current user if their role is one of ``roles`` (else 403)."""

    def dependency(user: CurrentUser) -> User:
        access.require(user, *roles)
        return user

    dependency.__name__ = f"require_{'_'.join(roles)}"
    return dependency


def narrow(user: User, code: str | None) -> User:
    """``user`` looking only at the subtree of procuratorate ``code`` (inside their own)."""
    if not code or code == user.procuratorate_code:
        return user
    inner = User(user.id, user.username, user.role, code)
    if not code.isdigit() or len(code) != 6 or not inner.prefix.startswith(user.prefix):
        raise PermissionDenied(f"{code} is outside {user.username}'s region")
    if inner.prefix == user.prefix:
        return user
    return inner


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api")


# the clue queue's filters, declared once (the queue page, its export, saved filters, the API)


def _date(text: str | None, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CasebookError(
            f"a date is written YYYY-MM-DD, not {text!r}", Location(field=name)
        ) from None


class QueueFilters(BaseModel):
    """The seven filters of the clue queue, as query parameters (``QueueFiltersQuery``: the
    queue page, the masked export, ``GET /api/clues``), as form fields (``QueueFiltersForm``:
    saved filters, the exports by POST) or in a JSON body. An empty field is no filter.

    None of them is personal data, so they may travel in a URL; the search term may not
    (:class:`QueueSearch`)."""

    model_config = ConfigDict(extra="ignore")

    model: str | None = Field(default=None, max_length=64, description="Model id.")
    domain: str | None = Field(default=None, max_length=64, description="Domain.")
    procuratorate: str | None = Field(
        default=None, max_length=64, description="Procuratorate code (its subtree)."
    )
    status: str | None = Field(default=None, max_length=64, description="Status.")
    severity: str | None = Field(default=None, max_length=64, description="Severity.")
    seen_from: str | None = Field(
        default=None, max_length=64, description="First seen on or after (YYYY-MM-DD)."
    )
    seen_to: str | None = Field(
        default=None, max_length=64, description="First seen on or before (YYYY-MM-DD)."
    )

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(QueueFilters.model_fields)

    def values(self) -> dict[str, str]:
        """The seven filters as text, ``""`` for none (what the page's fields show)."""
        return {k: getattr(self, k) or "" for k in self.names()}

    def to_filters(self, search: str | None = None) -> Filters:
        """The casebook's :class:`~lexradar.clues.queries.Filters` (dates read, empty fields
        dropped), with the search term ``search`` if one is given."""
        return Filters(
            model=self.model or None,
            domain=self.domain or None,
            procuratorate=self.procuratorate or None,
            status=self.status or None,
            severity=self.severity or None,
            seen_from=_date(self.seen_from, "seen_from"),
            seen_to=_date(self.seen_to, "seen_to"),
            search=(search or "").strip() or None,
        )

    def query(self, **more: object) -> str:
        """The filters set (and ``more``) as a query string: never a search term."""
        shown = {k: v for k, v in self.values().items() if v}
        shown.update({k: str(v) for k, v in more.items() if v not in (None, "")})
        shown.pop("q", None)
        return urlencode(shown)


class QueueView(QueueFilters):
    """The filters with the queue's sort and page."""

    sort: str = Field(default="newest", max_length=64, description="Sort order.")
    page: int = Field(default=1, ge=1, le=100_000, description="Page number (from 1).")
    size: int = Field(default=50, ge=1, le=500, description="Clues per page.")


class QueueSearch(QueueView):
    """A page of the queue searched by a resident ID, name, case or certificate number.

    Why the term travels in a POST body, never in a URL: a URL is written to the access log
    of uvicorn and of any proxy in front of it, to the browser's history and HTMX's history
    cache, and sent on in ``Referer`` headers — a resident ID or a name must be in none of
    them. So the queue's form, its pager and status links while a search is shown, its
    exports and the API's ``POST /api/clues/search`` send the term as a posted field (CSRF
    checked like every POST), and ``GET`` routes refuse a ``q`` in the query string
    (:func:`no_term_in_url`) rather than silently showing an unsearched queue.

    The term is carried from page to page as a hidden field of the page itself, which
    already shows it in the search box: nothing about it is kept on the server between
    requests. A server-side search handle was considered (a random id in the URL mapped in
    the session to the term's keyed hashes); it would keep a link between a session and the
    persons searched outside the audit chain, the handle in the URL would still find the
    same results while the session lives, and the page must hold the term anyway to show it
    in its search box — so it hides nothing that the hidden field discloses and adds a store
    to protect. Pages answering a POST are ``no-store`` (as every page) and marked
    ``hx-history="false"`` while a search is shown, so the browser keeps no copy of them."""

    q: str | None = Field(
        default=None,
        max_length=64,
        description="Search term: a resident ID, name, case or certificate number (audited).",
    )

    def view(self) -> QueueView:
        return QueueView(**self.model_dump(exclude={"q"}))


QueueFiltersQuery = Annotated[QueueFilters, Query()]
QueueFiltersForm = Annotated[QueueFilters, Form()]
QueueViewQuery = Annotated[QueueView, Query()]
QueueSearchForm = Annotated[QueueSearch, Form()]
TERM_FIELDS = ("q", "search")


def term_not_in_url(message: str) -> Callable[[Request], None]:
    """A dependency refusing a search term (``q`` or ``search``) in the query string with a
    400 saying ``message`` (a catalogue key, in the user's language): a term is personal data
    and belongs in a POST body (:class:`QueueSearch` says why). The queue's routes use
    :data:`NoTermInUrl`, the studio's lake search its own message."""

    def dependency(request: Request) -> None:
        if any(k in request.query_params for k in TERM_FIELDS):
            raise CasebookError(t(message), Location(field="q"))

    dependency.__name__ = f"no_term_in_url_{message.split('.')[0]}"
    return dependency


no_term_in_url = term_not_in_url("queue.term_in_url")
"""Refuse a search term in the query string of a queue route (it belongs in a POST body)."""
NoTermInUrl = Depends(no_term_in_url)
