"""A signed-cookie session whose cookie flags follow the request.

The session is a small JSON mapping (user name, CSRF token, language) signed with
itsdangerous and kept in one cookie. The cookie is always ``HttpOnly`` and ``SameSite=Lax``;
it is ``Secure`` when the request came over https (or always, with ``https_only``), so a
workbench behind a TLS proxy keeps its cookie off plain http.
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from typing import Any

from itsdangerous import BadSignature, TimestampSigner
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "lexradar_session"


class SessionMiddleware:
    """Put ``scope["session"]`` (a dict) on every request and write it back as a cookie."""

    def __init__(
        self,
        app: ASGIApp,
        secret_key: str,
        *,
        cookie: str = COOKIE,
        max_age: int = 8 * 3600,
        https_only: bool = False,
    ) -> None:
        self.app = app
        self.signer = TimestampSigner(secret_key)
        self.cookie = cookie
        self.max_age = max_age
        self.https_only = https_only

    def _load(self, raw: str | None) -> dict[str, Any]:
        if not raw:
            return {}
        try:
            data = self.signer.unsign(raw.encode("utf-8"), max_age=self.max_age)
            value = json.loads(b64decode(data))
        except (BadSignature, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def flags(self, scope: Scope) -> str:
        """The cookie attributes for a response to ``scope``."""
        secure = self.https_only or scope.get("scheme") in ("https", "wss")
        return "; path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        scope["session"] = self._load(conn.cookies.get(self.cookie))
        had_session = bool(scope["session"])

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                session = scope["session"]
                headers = MutableHeaders(scope=message)
                if session:
                    payload = b64encode(json.dumps(session).encode("utf-8"))
                    value = self.signer.sign(payload).decode("utf-8")
                    headers.append(
                        "Set-Cookie",
                        f"{self.cookie}={value}; Max-Age={self.max_age}{self.flags(scope)}",
                    )
                elif had_session:
                    headers.append(
                        "Set-Cookie",
                        f"{self.cookie}=; Max-Age=0; "
                        f"expires=Thu, 01 Jan 1970 00:00:00 GMT{self.flags(scope)}",
                    )
            await send(message)

        await self.app(scope, receive, send_with_cookie)
