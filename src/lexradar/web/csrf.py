"""CSRF protection: one random token per session, checked on every state-changing request.

Forms carry the token as a hidden field ``csrf_token``; HTMX and API clients send it in the
``X-CSRF-Token`` header (``base.html`` sets it for every HTMX request). :func:`check_csrf` is a
dependency of the whole application, so a router added later (the model studio) is covered
without doing anything.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

from lexradar.clues.errors import PermissionDenied

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CsrfError(PermissionDenied):
    """A state-changing request without the session's CSRF token."""


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    token = request.session.get(FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[FIELD] = token
    return str(token)


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose header or form field does not carry the session's token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(FIELD)
    given = request.headers.get(HEADER)
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(FIELD)
        given = value if isinstance(value, str) else None
    if not expected or not given or not hmac.compare_digest(str(expected), given):
        raise CsrfError("missing or wrong CSRF token; reload the page and try again")
