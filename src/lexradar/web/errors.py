"""Errors as answers: casebook errors become 400/403/404/409/429, pages show them in the page.

The API answers ``{"detail": message, "field": field}``; pages render ``error.html`` (or the
``_error.html`` fragment for an HTMX request). A request without a session is sent to the
login page (pages) or answered 401 (API).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lexradar.clues.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    TransitionError,
)
from lexradar.errors import LexradarError, Location
from lexradar.web.deps import LoginRequired, wants_json
from lexradar.web.i18n import t
from lexradar.web.throttle import TooManyAttempts


class NotAvailable(LexradarError):
    """A feature whose code this installation does not have (answered 501)."""


VERSION_REQUIRED = (
    "version is required: send the version of the clue or case as you read it (a stale one "
    "answers 409, so that no change is lost)"
)


class MissingVersion(LexradarError):
    """A state change sent without the version it was read at (answered 422)."""

    def __init__(self) -> None:
        super().__init__(VERSION_REQUIRED, Location(field="version"))


def require_version(version: int | None) -> int:
    """``version`` itself, or :class:`MissingVersion`: every state change names its version."""
    if version is None:
        raise MissingVersion()
    return version


def status_of(exc: LexradarError) -> int:
    if isinstance(exc, NotAvailable):
        return 501
    if isinstance(exc, MissingVersion):
        return 422
    if isinstance(exc, TooManyAttempts):
        return 429
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError | TransitionError):
        return 409
    return 400


def error_response(
    request: Request, status: int, message: str, field: str | None = None
) -> Response:
    """The error as JSON (API) or as a page or fragment."""
    if wants_json(request):
        return JSONResponse({"detail": message, "field": field}, status_code=status)
    from lexradar.web.templating import render

    name = "_error.html" if request.headers.get("HX-Request") else "error.html"
    return render(request, name, status_code=status, status=status, message=message)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": t("auth.required")}, status_code=401)
        target = "/login?next=" + quote(request.url.path)
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    from lexradar.web.policy import PasswordChangeRequired

    @app.exception_handler(PasswordChangeRequired)
    async def _temporary(request: Request, exc: PasswordChangeRequired) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": t("password.required"), "field": None}, 403)
        target = "/account/password?next=" + quote(request.url.path)
        if request.headers.get("HX-Request"):
            return Response(status_code=403, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(LexradarError)
    async def _lexradar(request: Request, exc: LexradarError) -> Response:
        response = error_response(request, status_of(exc), exc.message, exc.location.field)
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> Response:
        # the casebook's unique keys (a user name, a procuratorate code) already taken
        return error_response(request, 409, t("error.exists"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else t("error.title")
        response = error_response(request, exc.status_code, message)
        for k, v in (exc.headers or {}).items():
            response.headers[k] = v
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "form")]
        where = ".".join(loc)
        text = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        if first.get("type") == "missing" and "version" in loc:
            text = VERSION_REQUIRED
        elif first.get("type") == "int_type" and "clues" in loc and first.get("input") is None:
            text = VERSION_REQUIRED  # a clue id mapped to null instead of its version
        message = f"{where}: {text}" if where else text
        if wants_json(request):
            return JSONResponse(
                {"detail": message, "field": where or None, "errors": _plain(exc.errors())},
                status_code=422,
            )
        return error_response(request, 422, message, where or None)


def _plain(errors: object) -> object:
    """Validation errors with every value made JSON-safe (inputs can be bytes)."""
    import json

    return json.loads(json.dumps(errors, default=str))
