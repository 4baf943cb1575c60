"""Logging in and out, and the language switch.

A login checks the password with :func:`lexradar.clues.access.login` (which audits success
and failure) behind the throttle; a success starts a new session (new CSRF token).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lexradar.clues import access
from lexradar.clues.access import User
from lexradar.clues.errors import PermissionDenied
from lexradar.web.csrf import csrf_token
from lexradar.web.deps import CasebookDep
from lexradar.web.i18n import LANGS, t
from lexradar.web.templating import render
from lexradar.web.throttle import TooManyAttempts

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """A local path to go to after logging in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


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
    request.session.clear()
    request.session.update({"user": found.username})
    if lang:
        request.session["lang"] = lang
    csrf_token(request)
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
        log_in(request, casebook, username, password)
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
