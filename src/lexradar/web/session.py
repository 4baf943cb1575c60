"""Server-side sessions: the cookie carries only a random id, the casebook keeps the session.

``scope["session"]`` is a :class:`Session` (a dict of the session's small data: CSRF token,
language, and ``user`` once logged in) read from the casebook's ``sessions`` table
(:mod:`lexradar.clues.sessions`) by the cookie's id. A session is created in the table the
first time it holds something; :func:`begin` (a login) gives it a new id, so an id seen before
the login is worth nothing after it; clearing it (logout) deletes the row, so the old cookie no
longer works. Sessions end after ``idle`` without a request and ``lifetime`` after they
started; an admin can revoke a user's sessions.

The cookie is ``HttpOnly`` and ``SameSite=Lax``; it is ``Secure`` when the request came over
https (or always, with ``https_only``). The id is stored as its HMAC under ``key`` (the
``LEXRADAR_SECRET_KEY``), so a row written into the database by someone without the key
matches no cookie.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import anyio.to_thread
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lexradar.clues import sessions as store
from lexradar.clues.access import User
from lexradar.clues.db import Casebook, utcnow

COOKIE = "lexradar_session"
TOUCH = dt.timedelta(seconds=60)
"""A session's last use is written at most once a minute (not on every request)."""
USER = "lexradar.user"
"""``scope[USER]``: the logged-in user as read with the session (or ``None``)."""


class Session(dict[str, Any]):
    """The session's data; ``rotate`` and ``user_obj`` are set by :func:`begin`."""

    def __init__(self, data: dict[str, Any], loaded: store.Loaded | None = None) -> None:
        super().__init__(data)
        self.loaded = loaded
        self.rotate = False
        self.user_obj: User | None = loaded.user if loaded else None
        if self.user_obj is not None:
            self["user"] = self.user_obj.username
        self.original = dict(self)
        self.ended = False

    def clear(self) -> None:
        """Empty the session and end it: its id is deleted from the casebook (logout)."""
        super().clear()
        self.ended = True


def begin(request: Request, user: User, keep: dict[str, Any]) -> None:
    """Log ``user`` in: the session gets a new id and holds ``keep`` (language) and the user."""
    session = request.session
    assert isinstance(session, Session)
    session.clear()
    session.update(keep)
    session["user"] = user.username
    session.user_obj = user
    session.rotate = True
    request.scope[USER] = user


class SessionMiddleware:
    """Put ``scope["session"]`` on every request and keep it in the casebook."""

    def __init__(
        self,
        app: ASGIApp,
        casebook: Casebook,
        *,
        key: bytes | None = None,
        idle: dt.timedelta = dt.timedelta(minutes=30),
        lifetime: dt.timedelta = dt.timedelta(hours=8),
        cookie: str = COOKIE,
        https_only: bool = False,
    ) -> None:
        self.app = app
        self.casebook = casebook
        self.key = key
        self.idle = idle
        self.lifetime = lifetime
        self.cookie = cookie
        self.https_only = https_only

    def flags(self, scope: Scope) -> str:
        """The cookie attributes for a response to ``scope``."""
        secure = self.https_only or scope.get("scheme") in ("https", "wss")
        return "; path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")

    def _load(self, raw: str | None) -> store.Loaded | None:
        if not raw or len(raw) > 100:
            return None
        return store.load(self.casebook, store.id_hash(raw, self.key), utcnow(), self.idle)

    def _save(self, session: Session) -> str | None:
        """Write the session back; the new cookie value, ``""`` to clear it, ``None``: as is."""
        loaded, now = session.loaded, utcnow()
        data = {k: v for k, v in session.items() if k != "user"}
        replaces = None
        if loaded is not None and session.ended and not session.rotate:
            store.end(self.casebook, loaded.id_hash, loaded.user)  # logout: the id is dead
            loaded = None
            if not session:
                return ""
        elif loaded is not None and session.rotate:
            replaces = loaded.id_hash
        if session.rotate or (loaded is None and session):
            token = secrets.token_urlsafe(32)
            user = session.user_obj if session.rotate and "user" in session else None
            store.create(
                self.casebook, store.id_hash(token, self.key), user, data, now,
                idle=self.idle, lifetime=self.lifetime, replaces=replaces,
            )  # fmt: skip
            return token
        if loaded is None:
            return None
        if dict(session) != session.original:
            store.save(self.casebook, loaded.id_hash, now, data)
        elif now - loaded.last_seen >= TOUCH:
            store.save(self.casebook, loaded.id_hash, now)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = HTTPConnection(scope).cookies.get(self.cookie)
        loaded = await anyio.to_thread.run_sync(self._load, raw) if raw else None
        session = Session(loaded.data if loaded else {}, loaded)
        scope["session"] = session
        scope[USER] = session.user_obj
        stale_cookie = bool(raw) and loaded is None

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                value = await anyio.to_thread.run_sync(self._save, session)
                headers = MutableHeaders(scope=message)
                if value:
                    max_age = int(self.lifetime.total_seconds())
                    headers.append(
                        "Set-Cookie",
                        f"{self.cookie}={value}; Max-Age={max_age}{self.flags(scope)}",
                    )
                elif value == "" or (stale_cookie and value is None):
                    headers.append(
                        "Set-Cookie",
                        f"{self.cookie}=; Max-Age=0; "
                        f"expires=Thu, 01 Jan 1970 00:00:00 GMT{self.flags(scope)}",
                    )
            await send(message)

        await self.app(scope, receive, send_with_cookie)
