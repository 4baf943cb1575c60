"""Logging in and out, changing one's own password, and the language switch.

A login checks the password with :func:`lexradar.clues.access.login` (which audits success
and failure) behind the throttle; a success starts a new session (new CSRF token). A user
with a temporary password (an admin reset it) goes from the login to the change-password page,
and every other page refuses them until it is changed (:func:`lexradar.web.policy.enforce`).
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lexradar.clues import access, users
from lexradar.clues.access import User
from lexradar.clues.errors import CasebookError, PermissionDenied
from lexradar.web.csrf import csrf_token
from lexradar.web.deps import CasebookDep, CurrentUser
from lexradar.web.i18n import LANGS, t
from lexradar.web.session import begin
from lexradar.web.templating import render
from lexradar.web.throttle import TooManyAttempts

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """A local path to go to after logging in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def client_of(request: Request) -> str:
    """The client's address: the connecting peer's, or, when the peer is one of the
    ``trusted_proxies``, the nearest address in ``X-Forwarded-For`` that is not a proxy."""
    peer = request.client.host if request.client else "unknown"
    trusted = _networks(tuple(request.app.state.settings.trusted_proxies))
    if not trusted or not _in(peer, trusted):
        return peer
    chain = [a.strip() for h in request.headers.getlist("x-forwarded-for") for a in h.split(",")]
    for address in reversed([a for a in chain if a]):
        if not _in(address, trusted):
            return address
    return peer


@functools.cache
def _networks(items: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(i, strict=False) for i in items)


def _in(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)


def log_in(request: Request, casebook: CasebookDep, username: str, password: str) -> User:
    """Check the password behind the throttle; on success, a fresh session for the user."""
    throttle = request.app.state.throttle
    keys = (f"user:{username}", f"ip:{client_of(request)}")
    throttle.check(*keys)
    try:
        found = access.login(casebook, username, password)
    except PermissionDenied:
        throttle.failed(*keys)
        raise
    throttle.succeeded(keys[0])
    lang = request.session.get("lang")
    begin(request, found, {"lang": lang} if lang else {})  # a new session id
    csrf_token(request)  # and a new CSRF token
    request.state.user = found
    return found


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", next=safe_next(next), error=None)


@router.post("/login")
def login_submit(
    request: Request,
    casebook: CasebookDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        found = log_in(request, casebook, username, password)
    except TooManyAttempts as exc:
        response = render(
            request, "login.html", status_code=429, next=safe_next(next),
            error=t("auth.throttled", seconds=exc.retry_after),
        )  # fmt: skip
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except PermissionDenied:
        return render(
            request, "login.html", status_code=401, next=safe_next(next), error=t("auth.failed")
        )
    if found.must_change_password:
        return RedirectResponse(PASSWORD_PAGE + "?next=" + quote(safe_next(next)), 303)
    return RedirectResponse(safe_next(next), status_code=303)


PASSWORD_PAGE = "/account/password"


@router.get(PASSWORD_PAGE, response_class=HTMLResponse)
def password_page(request: Request, user: CurrentUser, next: str = "/") -> HTMLResponse:
    """Change one's own password (the only page for a user with a temporary one)."""
    return render(
        request, "password.html", next=safe_next(next), error=None, forced=user.must_change_password
    )


def own_session(request: Request) -> str | None:
    """The hashed id of the request's session (kept when the password changes)."""
    loaded = getattr(request.session, "loaded", None)
    return loaded.id_hash if loaded is not None else None


@router.post(PASSWORD_PAGE)
def password_submit(
    request: Request,
    casebook: CasebookDep,
    user: CurrentUser,
    current_password: Annotated[str, Form(max_length=200)],
    new_password: Annotated[str, Form(max_length=200)],
    confirm_password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Change one's own password (the current one checked; audited); other sessions end."""
    try:
        if new_password != confirm_password:
            raise CasebookError(t("password.mismatch"))
        users.change_own_password(
            casebook, user, current_password, new_password, keep_session=own_session(request)
        )
    except CasebookError as exc:
        return render(
            request, "password.html", status_code=400, next=safe_next(next),
            error=exc.message, forced=user.must_change_password,
        )  # fmt: skip
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/lang")
def switch_language(
    request: Request,
    lang: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Switch the interface language (kept in the session)."""
    if lang in LANGS:
        request.session["lang"] = lang
    return RedirectResponse(safe_next(next), status_code=303)
