"""The application factory: ``create_app()`` builds the workbench over one casebook.

It wires the server-side sessions, the language of each request, CSRF checking on every
state-changing request, the access policy of every route (:mod:`lexradar.web.policy`),
security headers, the static files (``static/vendor`` holds the front-end packages copied there
by ``make assets``), the routers of the pages and the JSON API (``/api``, documented at
``/api/openapi.json`` and ``/api/docs``), and the model studio's router when
:mod:`lexradar.web.studio` is present.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lexradar.clues.db import Casebook
from lexradar.settings import Settings, load_settings
from lexradar.web import policy
from lexradar.web.csrf import check_csrf
from lexradar.web.errors import install_handlers
from lexradar.web.i18n import current_lang, pick_lang
from lexradar.web.jobs import Jobs
from lexradar.web.session import SessionMiddleware
from lexradar.web.throttle import LoginThrottle

STATIC = Path(__file__).parent / "static"
VENDOR = STATIC / "vendor"
VENDOR_FILES = (
    "htmx.min.js",
    "chart.umd.min.js",
    "pico.min.css",
    "swagger-ui-bundle.js",
    "swagger-ui.css",
)
log = logging.getLogger(__name__)
HSTS = b"max-age=31536000; includeSubDomains"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'self'; object-src 'none'"
)


class LanguageAndHeaders:
    """Set the request's language from the session and add security headers to responses.

    Every answer but the static files carries ``Cache-Control: no-store`` (pages, JSON and
    downloads may hold personal data, and the login page a CSRF token); ``Strict-Transport-
    Security`` is sent over https, and on every answer with ``hsts`` (behind a TLS proxy).
    """

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = current_lang.set(pick_lang(scope.get("session", {}).get("lang")))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"same-origin",
                }
                if not scope.get("path", "").startswith("/static/"):
                    extra[b"cache-control"] = b"no-store"
                if self.hsts or scope.get("scheme") == "https":
                    extra[b"strict-transport-security"] = HSTS
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            current_lang.reset(token)


def missing_assets() -> list[str]:
    """Front-end files not yet copied into ``static/vendor`` (``make assets`` copies them)."""
    return [name for name in VENDOR_FILES if not (VENDOR / name).exists()]


def create_app(
    settings: Settings | None = None,
    casebook_url: str | None = None,
    *,
    secret_key: str | None = None,
    https_only: bool = False,
) -> FastAPI:
    """The workbench over the casebook at ``casebook_url`` (default: the settings').

    Sessions live in the casebook (:mod:`lexradar.web.session`); ``secret_key`` keys the hash
    their ids are stored under (default: ``LEXRADAR_SECRET_KEY``, else a random key, so
    sessions end when the process does). ``https_only`` marks the cookie ``Secure`` and sends
    HSTS even on plain-http requests (behind a TLS-terminating proxy); both always over https.
    """
    settings = settings or load_settings()
    url = casebook_url or settings.casebook_url
    key = secret_key or os.environ.get("LEXRADAR_SECRET_KEY") or secrets.token_urlsafe(32)
    app = FastAPI(
        title="lexradar workbench API",
        version=_version(),
        description="The JSON API of the lexradar workbench: every answer is scoped to the "
        "logged-in user's region, personal data masked unless revealed with a reason.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        dependencies=[Depends(check_csrf), Depends(policy.enforce)],
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.casebook = Casebook.open(url)
    app.state.throttle = LoginThrottle()
    app.state.jobs = Jobs()
    app.state.has_studio = False
    missing = missing_assets()
    if missing:
        log.warning("front-end files missing in %s: %s (run `make assets`)", VENDOR, missing)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    install_handlers(app)

    from lexradar.web.routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    try:
        studio = importlib.import_module("lexradar.web.studio")
    except ModuleNotFoundError as exc:
        if exc.name != "lexradar.web.studio":
            raise
    else:
        app.include_router(studio.router)
        app.state.has_studio = True

    app.state.policy = policy.bind(app)  # every route has its rule, or the app does not start
    app.add_middleware(LanguageAndHeaders, hsts=https_only)
    app.add_middleware(
        SessionMiddleware,
        casebook=app.state.casebook,
        key=key.encode("utf-8"),
        idle=dt.timedelta(minutes=settings.session_idle_minutes),
        lifetime=dt.timedelta(hours=settings.session_hours),
        https_only=https_only,
    )

    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The resolution panel's first name comparison would otherwise import pypinyin's large
    # dictionaries (about a second) inside a handler's request: load them beside start-up.
    threading.Thread(target=_warm_up, name="lexradar-warm-up", daemon=True).start()
    yield
    app.state.jobs.shutdown()
    app.state.casebook.dispose()


def _warm_up() -> None:
    from lexradar.normalize.name import pinyin

    pinyin("张三")


def _version() -> str:
    from lexradar import __version__

    return __version__
