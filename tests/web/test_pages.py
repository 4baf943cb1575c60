"""Pages without a browser: the message catalogue is complete in both languages, no page refers
to anything off the machine, and ``lexradar serve`` is a command."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from lexradar.web.i18n import LANGS, catalogue, t
from lexradar.web.templating import TEMPLATES
from tests.web.conftest import World, login_client

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?(?:https?:)?//""", re.I)
KEY = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']\s*[,)]""")


def test_catalogue_has_every_key_in_every_language() -> None:
    keys = {lang: set(catalogue(lang)) for lang in LANGS}
    assert keys["zh"] == keys["en"], keys["zh"] ^ keys["en"]
    sources = [*TEMPLATES.rglob("*.html"), *Path(TEMPLATES.parent).rglob("*.py")]
    used = {k for path in sources for k in KEY.findall(path.read_text(encoding="utf-8"))}
    assert len(used) > 150
    missing = sorted(k for k in used if k not in keys["zh"])
    assert not missing, missing
    assert t("nav.dashboard", lang="zh") == "首页" and t("nav.dashboard", lang="en") == "Dashboard"


def test_no_page_refers_off_the_machine(app, world: World) -> None:  # type: ignore[no-untyped-def]
    admin = login_client(app, "admin")
    clue = admin.get("/api/clues", params={"size": 1}).json()["clues"][0]["id"]
    batch = admin.get("/api/batches").json()
    pages = ["/", "/?region=150400", "/clues", f"/clues/{clue}", f"/clues/{clue}/evidence",
             "/cases", "/models", "/models/marriage.bigamy", "/batches", "/audit", "/admin",
             "/login", "/api/docs"]  # fmt: skip
    if batch:
        pages.append(f"/batches/{batch[0]['batch_id']}")
    for path in pages:
        answer = admin.get(path)
        assert answer.status_code == 200, path
        assert not EXTERNAL.search(answer.text), (path, EXTERNAL.search(answer.text))
        assert "default-src 'self'" in answer.headers["content-security-policy"]
    for asset in ("htmx.min.js", "chart.umd.min.js", "pico.min.css"):
        assert admin.get(f"/static/vendor/{asset}").status_code == 200, asset


def test_serve_help() -> None:
    from lexradar.cli.app import app

    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output and "--casebook" in result.output


def test_demo_users_one_per_role_and_level(tmp_path: Path) -> None:
    from lexradar.clues import access
    from lexradar.clues.db import Casebook
    from lexradar.web.demo import DEMO_PASSWORD, add_demo_users

    casebook = Casebook.open(f"sqlite:///{tmp_path / 'demo.db'}")
    casebook.init()
    first = add_demo_users(casebook)
    again = add_demo_users(casebook)
    assert all(added for *_, added in first) and not any(added for *_, added in again)
    levels = {(role, code) for _, role, code, _ in first}
    assert levels == {
        (role, code) for role in access.ROLES for code in ("150000", "150400", "150404")
    }
    user = access.login(casebook, "songshan_handler", DEMO_PASSWORD)
    assert user.role == "handler" and user.prefix == "150404"
    casebook.dispose()


def test_throttle_locks_and_releases() -> None:
    from lexradar.web.throttle import LoginThrottle, TooManyAttempts

    now = [1000.0]
    throttle = LoginThrottle(max_failures=3, window=60, lockout=30, clock=lambda: now[0])
    for _ in range(2):
        throttle.failed("user:a", "ip:1")
    throttle.check("user:a", "ip:1")  # two failures: not yet
    throttle.failed("user:a", "ip:1")
    for key in ("user:a", "ip:1"):
        try:
            throttle.check(key)
        except TooManyAttempts as exc:
            assert exc.retry_after == 31
        else:
            raise AssertionError(f"{key} should be locked")
    now[0] += 31
    throttle.check("user:a", "ip:1")  # the lockout is over
    throttle.failed("user:b")
    now[0] += 61
    throttle.failed("user:b")
    throttle.failed("user:b")
    throttle.check("user:b")  # the first failure left the window


def test_a_tampered_session_cookie_is_no_session(app) -> None:  # type: ignore[no-untyped-def]
    client = login_client(app, "admin")
    assert client.get("/api/me").status_code == 200
    value = client.cookies.get("lexradar_session")
    forged = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    client.cookies.clear()
    client.cookies.set("lexradar_session", forged)
    assert client.get("/api/me").status_code == 401


def test_login_form_stays_on_the_site(app) -> None:  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    from tests.web.conftest import PASSWORD

    client = TestClient(app)
    page = client.get("/login?next=/clues")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {"username": "region_leader", "password": PASSWORD, "csrf_token": token}
    away = client.post("/login", data={**form, "next": "//evil.example/x"}, follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"] == "/"
    stale = client.post("/login", data={**form, "password": "nope"}, follow_redirects=False)
    assert stale.status_code == 403  # logging in made a new session, with a new token
    page = client.get("/login")
    form["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    wrong = client.post("/login", data={**form, "password": "nope"}, follow_redirects=False)
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
