"""User management in the workbench: the admin page's forms and the API (CSRF, version,
confirmation, who may), and in a real browser an admin deactivating a user and resetting a
password, the user then forced to change it at the next login.

Everything runs on a copy of the web tests' casebook, so the shared users stay as they are."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from lexradar.clues import audit
from lexradar.clues.db import Casebook
from lexradar.clues.tables import clues, users
from tests.web.conftest import PASSWORD, SCREENSHOTS, World, copy_casebook, login_client


def _app(world: World, folder: Path):  # type: ignore[no-untyped-def]
    from lexradar.settings import load_settings
    from lexradar.web.app import create_app

    url = copy_casebook(world, folder)
    settings = load_settings(lake=world.lake, casebook_url=url)
    return create_app(settings, secret_key="users-secret-key"), url


@pytest.fixture
def copied(world: World, tmp_path: Path):  # type: ignore[no-untyped-def]
    app, url = _app(world, tmp_path)
    yield app, url
    app.state.casebook.dispose()


def _version(url: str, name: str) -> int:
    cb = Casebook.open(url)
    try:
        with cb.read() as conn:
            return int(
                conn.execute(
                    sa.select(users.c.version).where(users.c.username == name)
                ).scalar_one()
            )
    finally:
        cb.dispose()


def _actions(url: str, subject: str) -> list[str]:
    cb = Casebook.open(url)
    try:
        return [
            e.action
            for e in audit.tail(cb, 1_000_000)  # the shared casebook grows with other tests
            if e.subject == subject and e.action.startswith("user.")
        ]
    finally:
        cb.dispose()


def test_the_admin_page_manages_users_with_csrf_version_and_confirmation(copied) -> None:  # type: ignore[no-untyped-def]
    app, url = copied
    admin = login_client(app, "admin")
    victim = login_client(app, "county_handler2")
    assert victim.get("/api/me").status_code == 200
    page = admin.get("/admin")
    assert page.status_code == 200 and "停用" in page.text and "重置密码" in page.text
    form = {"csrf_token": admin.csrf, "version": "0"}
    target = "/admin/users/county_handler2"

    no_csrf = admin.post(f"{target}/deactivate", data={"version": "0", "confirm": "yes"},
                         headers={"X-CSRF-Token": ""})  # fmt: skip
    assert no_csrf.status_code == 403
    unconfirmed = admin.post(f"{target}/deactivate", data=form)
    assert unconfirmed.status_code == 400 and "确认" in unconfirmed.text
    no_version = admin.post(
        f"{target}/deactivate", data={"csrf_token": admin.csrf, "confirm": "yes"}
    )
    assert no_version.status_code == 422
    done = admin.post(
        f"{target}/deactivate", data={**form, "confirm": "yes"}, follow_redirects=False
    )
    assert done.status_code == 303
    assert victim.get("/api/me").status_code == 401  # the session ended at once
    stale = admin.post(f"{target}/activate", data=form)
    assert stale.status_code == 409
    listed = admin.get("/admin").text
    row = re.search(r'<tr data-user="county_handler2".*?</tr>', listed, re.S)
    assert row is not None and "已停用" in row.group(0)
    assert (
        admin.post(
            f"{target}/activate", data={**form, "version": "1"}, follow_redirects=False
        ).status_code
        == 303
    )

    reset = admin.post(f"{target}/reset-password", data={**form, "version": "2", "confirm": "yes"})
    assert reset.status_code == 200
    temporary = re.search(r"临时密码：(\w+)", reset.text)
    assert temporary is not None
    assert temporary.group(1) not in str(_actions(url, "user:county_handler2"))

    # a handler of the county may do none of it; a city leader neither
    handler = login_client(app, "county_handler")
    refused = handler.post(
        f"{target}/deactivate", data={"csrf_token": handler.csrf, "version": "3", "confirm": "yes"}
    )
    assert refused.status_code == 403

    change = {**form, "version": "3", "role": "leader", "procuratorate": "150400"}
    moved = admin.post(f"{target}/set", data=change, follow_redirects=False)
    assert moved.status_code == 303
    assert _actions(url, "user:county_handler2") == [
        "user.add", "user.deactivate", "user.activate", "user.reset_password", "user.change"
    ]  # fmt: skip


def test_the_api_manages_users_and_a_temporary_password_blocks_everything_else(copied) -> None:  # type: ignore[no-untyped-def]
    app, url = copied
    admin = login_client(app, "admin")
    listed = {u["username"]: u for u in admin.get("/api/users").json()}
    assert listed["other_handler"]["active"] is True and listed["other_handler"]["version"] == 0
    answer = admin.post("/api/users/other_handler/reset-password", json={"version": 0})
    assert answer.status_code == 200, answer.text
    temporary = answer.json()["password"]
    assert (
        admin.post(
            "/api/users/other_handler/set", json={"version": 0, "role": "leader"}
        ).status_code
        == 409
    )
    assert admin.post("/api/users/nobody/deactivate", json={"version": 0}).status_code == 404

    # the user logs in with the temporary password: nothing but changing it answers
    user = login_client(app, "other_handler", temporary)
    assert user.get("/api/clues").status_code == 403
    assert (
        user.get("/clues", follow_redirects=False)
        .headers["location"]
        .startswith("/account/password")
    )
    assert user.get("/api/me").status_code == 200
    bad = user.post(
        "/api/me/password", json={"current_password": "wrong-pass", "new_password": "fresh-pass-1"}
    )
    assert bad.status_code == 403
    ok = user.post(
        "/api/me/password", json={"current_password": temporary, "new_password": "fresh-pass-1"}
    )
    assert ok.status_code == 200, ok.text
    assert user.get("/api/clues").status_code == 200  # the same session goes on
    assert not listed["other_handler"]["must_change_password"]
    assert _actions(url, "user:other_handler")[-2:] == ["user.reset_password", "user.passwd"]

    # a county admin: users of the county only, never moved above it
    from lexradar.clues.access import SYSTEM, add_user

    add_user(
        app.state.casebook,
        SYSTEM,
        "county_admin",
        PASSWORD,
        "admin",
        listed["county_handler"]["procuratorate_code"],
    )
    county_admin = login_client(app, "county_admin")
    assert {u["username"] for u in county_admin.get("/api/users").json()} >= {
        "county_handler",
        "county_admin",
    }
    assert "city_leader" not in {u["username"] for u in county_admin.get("/api/users").json()}
    assert (
        county_admin.post("/api/users/city_leader/deactivate", json={"version": 0}).status_code
        == 404
    )
    up = county_admin.post(
        "/api/users/county_handler/set", json={"version": 0, "procuratorate": "150000"}
    )
    assert up.status_code == 403
    last = admin.post("/api/users/admin/deactivate", json={"version": 0})
    assert last.status_code == 403 and "last active admin" in last.json()["detail"]


# the browser


@pytest.fixture
def served(world: World, tmp_path: Path) -> Iterator[tuple[str, str]]:
    import socket

    import uvicorn

    app, url = _app(world, tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the workbench did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", url
    server.should_exit = True
    thread.join(timeout=10)
    app.state.casebook.dispose()


def _login(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_an_admin_deactivates_a_user_and_resets_a_password_in_the_browser(  # type: ignore[no-untyped-def]
    browser, served: tuple[str, str], world: World
) -> None:
    base, url = served
    cb = Casebook.open(url)
    with cb.read() as conn:
        handler_id = conn.execute(
            sa.select(users.c.id).where(users.c.username == "county_handler")
        ).scalar_one()
        assigned = conn.execute(
            sa.select(sa.func.count()).select_from(clues).where(clues.c.assignee_id == handler_id)
        ).scalar_one()
    cb.dispose()
    ctx_admin = browser.new_context(
        base_url=base, locale="zh-CN", viewport={"width": 1366, "height": 768}
    )
    ctx_user = browser.new_context(
        base_url=base, locale="zh-CN", viewport={"width": 1366, "height": 768}
    )
    try:
        victim = ctx_user.new_page()
        _login(victim, "county_handler", PASSWORD)
        victim.wait_for_url(re.compile(r"/$"))

        page = ctx_admin.new_page()
        _login(page, "admin", PASSWORD)
        page.wait_for_url(re.compile(r"/$"))
        page.goto("/admin")
        row = page.locator('tr[data-user="county_handler"]')
        row.locator("summary").click()
        _shot(page, "users_admin_manage")
        # the confirmation box is required: without it the browser does not send the form
        row.locator("form.deactivate button").click()
        assert "/admin" in page.url and row.locator(".user-status").inner_text().startswith("在用")
        row.locator("form.deactivate input[name=confirm]").check()
        row.locator("form.deactivate button").click()
        page.wait_for_load_state()
        row = page.locator('tr[data-user="county_handler"]')
        assert "已停用" in row.locator(".user-status").inner_text()
        _shot(page, "users_admin_deactivated")

        # the user's session ended at once; their login now fails; their clues stay theirs
        victim.goto("/clues")
        assert "/login" in victim.url
        _login(victim, "county_handler", PASSWORD)
        assert victim.locator("p.error").is_visible()
        cb = Casebook.open(url)
        with cb.read() as conn:
            still = conn.execute(
                sa.select(sa.func.count())
                .select_from(clues)
                .where(clues.c.assignee_id == handler_id)
            ).scalar_one()
        cb.dispose()
        assert still == assigned

        # reactivate, then reset the password
        row.locator("summary").click()
        row.locator("form.activate button").click()
        page.wait_for_load_state()
        row = page.locator('tr[data-user="county_handler"]')
        row.locator("summary").click()
        row.locator("form.reset input[name=confirm]").check()
        row.locator("form.reset button").click()
        notice = page.locator("#admin-notice").inner_text()
        temporary = re.search(r"临时密码：(\w+)", notice)
        assert temporary is not None
        _shot(page, "users_admin_reset")

        # the user logs in with it and is sent to change it; nothing else opens meanwhile
        _login(victim, "county_handler", temporary.group(1))
        victim.wait_for_url(re.compile(r"/account/password"))
        assert victim.locator("#password-forced").is_visible()
        victim.goto("/clues")
        assert "/account/password" in victim.url
        _shot(victim, "users_forced_change")
        victim.fill("input[name=current_password]", temporary.group(1))
        victim.fill("input[name=new_password]", "brand-new-pass-1")
        victim.fill("input[name=confirm_password]", "brand-new-pass-1")
        victim.click("#password-form button[type=submit]")
        victim.wait_for_url(re.compile(r"/clues$"))
        assert victim.locator("#clue-list, table").first.is_visible()
    finally:
        ctx_admin.close()
        ctx_user.close()
    assert _actions(url, "user:county_handler")[-4:] == [
        "user.deactivate", "user.activate", "user.reset_password", "user.passwd"
    ]  # fmt: skip
