"""Server-side sessions, the login's timing and proxies, and the security headers.

Each test works on a copy of the casebook (with its audit key and checkpoints), so what it
ends or revokes stays there.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from lexradar.clues import audit
from lexradar.clues.db import Casebook
from lexradar.clues.tables import sessions
from lexradar.settings import load_settings
from tests.web.conftest import PASSWORD, World, copy_casebook, login_client


@pytest.fixture
def copy_url(world: World, tmp_path: Path) -> str:
    return copy_casebook(world, tmp_path)


def make_app(world: World, url: str, **settings):  # type: ignore[no-untyped-def]
    from lexradar.web.app import create_app

    return create_app(
        load_settings(lake=world.lake, casebook_url=url, **settings), secret_key="sessions"
    )


def rows(url: str) -> list[sa.Row]:
    cb = Casebook.open(url)
    with cb.read() as conn:
        found = conn.execute(sa.select(sessions)).all()
    cb.dispose()
    return list(found)


def _user_id(url: str, name: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT id FROM users WHERE username = :n"), {"n": name})
        value = int(found.scalar_one())
    engine.dispose()
    return value


def entries(url: str, action: str) -> list[audit.Entry]:
    cb = Casebook.open(url)
    found = [e for e in audit.tail(cb, 50) if e.action == action]
    cb.dispose()
    return found


def test_the_cookie_is_a_random_id_and_logout_ends_the_session(world: World, copy_url) -> None:  # type: ignore[no-untyped-def]
    app = make_app(world, copy_url)
    anonymous = TestClient(app)
    anonymous.get("/api/session")
    before = anonymous.cookies.get("lexradar_session")
    client = login_client(app, "county_handler")
    cookie = client.cookies.get("lexradar_session")
    assert cookie and len(cookie) == 43 and "." not in cookie  # 32 random bytes, nothing else
    stored = {r.id_hash for r in rows(copy_url)}
    assert cookie not in stored and all(len(h) == 64 for h in stored)
    assert client.get("/api/me").json()["username"] == "county_handler"
    # the id seen before the login is not the logged-in one
    stale = TestClient(app, cookies={"lexradar_session": before})
    assert stale.get("/api/me").status_code == 401
    assert client.post("/api/logout").status_code == 200
    replay = TestClient(app, cookies={"lexradar_session": cookie})
    assert replay.get("/api/me").status_code == 401
    assert replay.get("/clues", follow_redirects=False).status_code == 303
    assert [e.actor for e in entries(copy_url, "logout")] == ["county_handler"]
    # the page's logout ends it too
    page = login_client(app, "county_handler")
    kept = page.cookies.get("lexradar_session")
    out = page.post("/logout", data={"csrf_token": page.csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert TestClient(app, cookies={"lexradar_session": kept}).get("/api/me").status_code == 401


def test_an_admin_revokes_a_users_sessions(world: World, copy_url) -> None:  # type: ignore[no-untyped-def]
    app = make_app(world, copy_url)
    one, two = login_client(app, "county_handler"), login_client(app, "county_handler")
    admin = login_client(app, "admin")
    assert 'action="/admin/users/county_handler/revoke-sessions"' in admin.get("/admin").text
    # an admin of another region may not; a leader may not
    other = login_client(app, "other_leader")
    assert other.post("/api/users/county_handler/revoke-sessions").status_code == 403
    assert one.get("/api/me").status_code == 200
    live = admin.get("/admin").text
    theirs = sum(1 for r in rows(copy_url) if r.user_id == _user_id(copy_url, "county_handler"))
    assert theirs >= 2  # the two above (and any the copied casebook had)
    answer = admin.post("/api/users/county_handler/revoke-sessions")
    assert answer.status_code == 200 and answer.json() == {
        "username": "county_handler",
        "sessions": theirs,
    }
    assert "county_handler" in live
    assert one.get("/api/me").status_code == 401 and two.get("/api/me").status_code == 401
    assert admin.get("/api/me").status_code == 200
    (entry,) = entries(copy_url, "sessions.revoke")
    assert entry.actor == "admin" and entry.subject == "user:county_handler"
    assert f'"sessions":{theirs}' in entry.detail
    three = login_client(app, "county_handler")
    page = admin.post(
        "/admin/users/county_handler/revoke-sessions",
        data={"csrf_token": admin.csrf},
        follow_redirects=False,
    )
    assert page.status_code == 303 and three.get("/api/me").status_code == 401


def test_idle_and_absolute_expiry(world: World, copy_url) -> None:  # type: ignore[no-untyped-def]
    app = make_app(world, copy_url, session_idle_minutes=5, session_hours=2)
    idle, old = login_client(app, "county_handler"), login_client(app, "city_leader")
    fresh = login_client(app, "admin")
    lifetimes = [r.expires_at - r.created_at for r in rows(copy_url)]
    assert lifetimes.count(dt.timedelta(hours=2)) >= 3  # this app's three (and the copy's 8 h)
    engine = sa.create_engine(copy_url)
    with engine.begin() as conn:
        users = {r.username: r.id for r in conn.execute(sa.text("SELECT id, username FROM users"))}
        for r in conn.execute(sa.select(sessions)).all():
            if r.user_id == users["county_handler"]:
                change = {"last_seen": r.last_seen - dt.timedelta(minutes=6)}
            elif r.user_id == users["city_leader"]:
                change = {"expires_at": r.created_at - dt.timedelta(seconds=1)}
            else:
                continue
            conn.execute(sessions.update().where(sessions.c.id_hash == r.id_hash).values(change))
    engine.dispose()
    assert idle.get("/api/me").status_code == 401
    assert old.get("/api/me").status_code == 401
    assert fresh.get("/api/me").status_code == 200
    # ended sessions are dropped when the next one starts
    login_client(app, "county_handler")
    ids = {r.user_id for r in rows(copy_url)}
    assert users["city_leader"] not in ids


def test_a_row_written_without_the_key_is_no_session(world: World, copy_url) -> None:  # type: ignore[no-untyped-def]
    """Someone who can write the casebook but has no key cannot make a working cookie."""
    import hashlib

    app = make_app(world, copy_url)
    engine = sa.create_engine(copy_url)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        admin_id = conn.execute(sa.text("SELECT id FROM users WHERE username='admin'")).scalar()
        conn.execute(
            sessions.insert().values(
                id_hash=hashlib.sha256(b"forged-token").hexdigest(),
                user_id=admin_id,
                data="{}",
                created_at=now,
                last_seen=now,
                expires_at=now + dt.timedelta(hours=1),
            )
        )
    engine.dispose()
    forged = TestClient(app, cookies={"lexradar_session": "forged-token"})
    assert forged.get("/api/me").status_code == 401


def _login_ms(client: TestClient, username: str) -> float:
    token = client.get("/api/session").json()["csrf_token"]
    start = time.perf_counter()
    answer = client.post(
        "/api/login",
        json={"username": username, "password": "not-the-password"},
        headers={"X-CSRF-Token": token},
    )
    assert answer.status_code == 403
    return (time.perf_counter() - start) * 1000


def test_login_takes_as_long_for_an_unknown_user(world: World, copy_url) -> None:  # type: ignore[no-untyped-def]
    app = make_app(world, copy_url)
    app.state.throttle.max_failures = 10_000
    client = TestClient(app)
    _login_ms(client, "admin")  # the first login makes the dummy hash
    known = [_login_ms(client, name) for name in ("admin", "builder", "city_leader") * 3]
    unknown = [_login_ms(client, f"nobody{i}") for i in range(9)]
    k, u = statistics.median(known), statistics.median(unknown)
    # before: 610 ms against 13 ms; the argon2 check is now the bulk of both
    assert u > 0.6 * k, (k, u)
    assert k > 0.6 * u, (k, u)


def test_forwarded_for_only_from_a_trusted_proxy(world: World, copy_url) -> None:  # type: ignore[no-untyped-def]
    """TestClient connects as 'testclient': X-Forwarded-For is ignored until it is trusted."""

    def lock_out(app, forwarded: str) -> int:  # type: ignore[no-untyped-def]
        client = TestClient(app)
        token = client.get("/api/session").json()["csrf_token"]
        head = {"X-CSRF-Token": token, "X-Forwarded-For": forwarded}
        for n in range(5):
            client.post(
                "/api/login", json={"username": f"x{n}{forwarded}", "password": "no"}, headers=head
            )
        # the address is now locked: a right password from it waits
        ok = client.post(
            "/api/login", json={"username": "admin", "password": PASSWORD}, headers=head
        )
        return ok.status_code

    from lexradar.web.routes.auth import client_of

    plain = make_app(world, copy_url)
    # untrusted: each forged header is the same client, so the lock holds whatever it says
    assert lock_out(plain, "10.0.0.1") == 429
    fresh = TestClient(plain)
    token = fresh.get("/api/session").json()["csrf_token"]
    assert (
        fresh.post(
            "/api/login",
            json={"username": "admin", "password": PASSWORD},
            headers={"X-CSRF-Token": token, "X-Forwarded-For": "10.9.9.9"},
        ).status_code
        == 429
    )
    # trusted: the address the proxy names is the client
    from starlette.requests import Request

    settings = load_settings(lake=world.lake, trusted_proxies=["10.0.0.0/8"])

    class State:
        pass

    class App:
        state = State()

    App.state.settings = settings  # type: ignore[attr-defined]

    def request(peer: str, forwarded: str | None) -> Request:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
        return Request({"type": "http", "client": (peer, 1), "headers": headers, "app": App})

    assert client_of(request("10.1.1.1", "203.0.113.7")) == "203.0.113.7"
    assert client_of(request("10.1.1.1", "198.51.100.1, 203.0.113.7, 10.2.2.2")) == "203.0.113.7"
    assert client_of(request("192.0.2.5", "203.0.113.7")) == "192.0.2.5"
    assert client_of(request("10.1.1.1", None)) == "10.1.1.1"
    with pytest.raises(Exception, match="not an address"):
        load_settings(trusted_proxies=["proxy.example"])


def test_no_store_and_hsts(world: World, copy_url) -> None:  # type: ignore[no-untyped-def]
    from lexradar.web.app import create_app

    app = make_app(world, copy_url)
    client = login_client(app, "admin")
    for path in ("/", "/clues", "/api/clues", "/api/me", "/login", "/api/openapi.json"):
        answer = client.get(path)
        assert answer.headers["cache-control"] == "no-store", path
        assert "strict-transport-security" not in answer.headers, path
        assert answer.headers["x-frame-options"] == "DENY"
        assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert client.get("/static/app.css").headers.get("cache-control") != "no-store"
    secure = TestClient(app, base_url="https://testserver")
    assert "max-age=" in secure.get("/login").headers["strict-transport-security"]
    behind = create_app(
        load_settings(lake=world.lake, casebook_url=copy_url), secret_key="k", https_only=True
    )
    assert "strict-transport-security" in TestClient(behind).get("/login").headers
