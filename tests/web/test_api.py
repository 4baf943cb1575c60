"""The JSON API and the pages as each role and as users of other regions: no leak, no
forbidden action; sessions, CSRF, cookie flags and login throttling."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from lexradar.clues import audit
from lexradar.clues.db import Casebook
from lexradar.clues.tables import clues
from tests.web.conftest import PASSWORD, World, login_client

ID18 = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


def clue_rows(world: World, prefix: str, status: str | None = None) -> list[tuple[int, int]]:
    """(id, version) of the clues under ``prefix``."""
    cb = Casebook.open(world.url)
    query = sa.select(clues.c.id, clues.c.version).where(
        clues.c.procuratorate_code.like(prefix + "%")
    )
    if status:
        query = query.where(clues.c.status == status)
    with cb.read() as conn:
        rows = [(r.id, r.version) for r in conn.execute(query.order_by(clues.c.id))]
    cb.dispose()
    return rows


@pytest.fixture(scope="module")
def clients(app, world: World) -> dict[str, TestClient]:  # type: ignore[no-untyped-def]
    return {name: login_client(app, name) for name in world.users}


# ------------------------------------------------------------------ sessions and CSRF


def test_anonymous_gets_nothing(app) -> None:  # type: ignore[no-untyped-def]
    anon = TestClient(app)
    paths = [p for p, ops in app.openapi()["paths"].items() if "get" in ops]
    assert len(paths) >= 12
    for path in paths:
        if path == "/api/session":
            continue
        answer = anon.get(
            path.replace("{clue_id}", "1")
            .replace("{model_id}", "pension.after_death")
            .replace("{job_id}", "x")
        )
        assert answer.status_code == 401, path
    page = anon.get("/clues", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_cookie_flags_and_csrf(app) -> None:  # type: ignore[no-untyped-def]
    plain = TestClient(app)
    first = plain.get("/api/session")
    token, cookie = first.json()["csrf_token"], first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = TestClient(app, base_url="https://testserver")
    assert "Secure" in secure.get("/api/session").headers["set-cookie"]
    no_token = plain.post("/api/login", json={"username": "admin", "password": PASSWORD})
    assert no_token.status_code == 403
    wrong = plain.post(
        "/api/login",
        json={"username": "admin", "password": PASSWORD},
        headers={"X-CSRF-Token": "x"},
    )
    assert wrong.status_code == 403
    ok = plain.post(
        "/api/login",
        json={"username": "admin", "password": PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    assert ok.status_code == 200 and ok.json()["role"] == "admin"
    # a form post without the token changes nothing
    form = plain.post("/lang", data={"lang": "en"}, follow_redirects=False)
    assert form.status_code == 403
    assert plain.get("/api/me").status_code == 200


def test_state_change_without_csrf_is_refused(clients, world: World) -> None:  # type: ignore[no-untyped-def]
    handler = clients["county_handler"]
    clue_id, version = clue_rows(world, world.county, "new")[-1]
    answer = handler.post(
        f"/api/clues/{clue_id}/transition",
        json={"action": "dismiss", "reason": "duplicate", "version": version},
        headers={"X-CSRF-Token": ""},
    )
    assert answer.status_code == 403
    assert dict(clue_rows(world, world.county))[clue_id] == version


def test_failed_logins_are_throttled(world: World) -> None:
    from lexradar.web.app import create_app

    app = create_app(world.settings, secret_key="throttle-test")
    client = TestClient(app)
    token = client.get("/api/session").json()["csrf_token"]
    head = {"X-CSRF-Token": token}
    codes = [
        client.post(
            "/api/login", json={"username": "builder", "password": "wrong"}, headers=head
        ).status_code
        for _ in range(5)
    ]
    assert codes == [403] * 5
    locked = client.post(
        "/api/login", json={"username": "builder", "password": PASSWORD}, headers=head
    )
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    cb = Casebook.open(world.url)
    failed = [e for e in audit.tail(cb, 200) if e.action == "login.failed" and e.actor == "builder"]
    cb.dispose()
    assert len(failed) >= 5


# ------------------------------------------------------------------ roles

GETS = {
    # path: roles allowed
    "/api/me": {"admin", "leader", "handler", "model_builder"},
    "/api/dashboard": {"admin", "leader", "handler", "model_builder"},
    "/api/clues": {"admin", "leader", "handler", "model_builder"},
    "/api/cases": {"admin", "leader", "handler"},
    "/api/models": {"admin", "leader", "handler", "model_builder"},
    "/api/models/pension.after_death": {"admin", "leader", "handler", "model_builder"},
    "/api/audit": {"admin"},
    "/api/users": {"admin"},
    "/api/procuratorates": {"admin", "leader", "handler", "model_builder"},
    "/api/batches": {"admin", "leader", "model_builder"},
    "/": {"admin", "leader", "handler", "model_builder"},
    "/clues": {"admin", "leader", "handler", "model_builder"},
    "/cases": {"admin", "leader", "handler"},
    "/models": {"admin", "leader", "handler", "model_builder"},
    "/batches": {"admin", "leader", "model_builder"},
    "/audit": {"admin"},
    "/admin": {"admin"},
}


def test_every_role_gets_what_it_may(clients, world: World) -> None:  # type: ignore[no-untyped-def]
    for name, client in clients.items():
        role = world.users[name][0]
        for path, allowed in GETS.items():
            status = client.get(path).status_code
            assert status == (200 if role in allowed else 403), (name, path, status)


def test_forbidden_actions(clients, world: World) -> None:  # type: ignore[no-untyped-def]
    clue_id, version = clue_rows(world, world.county, "new")[-1]
    builder, handler, leader = clients["builder"], clients["county_handler"], clients["city_leader"]
    for client, path, body in [
        (
            builder,
            f"/api/clues/{clue_id}/transition",
            {"action": "dismiss", "reason": "duplicate", "version": version},
        ),
        (builder, f"/api/clues/{clue_id}/reveal", {"reason": "好奇"}),
        (builder, "/api/cases", {"kind": "protest", "clues": {str(clue_id): version}}),
        (handler, "/api/models/pension.after_death/run", None),
        (
            handler,
            "/api/users",
            {
                "username": "mallory",
                "password": "12345678",
                "role": "admin",
                "procuratorate": "150000",
            },
        ),
        (
            leader,
            "/api/users",
            {
                "username": "mallory",
                "password": "12345678",
                "role": "admin",
                "procuratorate": "150000",
            },
        ),
    ]:
        answer = client.post(path, json=body)
        assert answer.status_code == 403, (path, answer.text)
    page = handler.post(
        "/admin/users",
        data={
            "username": "mallory",
            "password": "12345678",
            "role": "admin",
            "procuratorate": "150000",
            "csrf_token": handler.csrf,
        },
        follow_redirects=False,
    )
    assert page.status_code == 403
    assert dict(clue_rows(world, world.county))[clue_id] == version
    assert clients["admin"].get("/api/users").json() and "mallory" not in {
        u["username"] for u in clients["admin"].get("/api/users").json()
    }


# ------------------------------------------------------------------ region scoping


def test_other_region_sees_and_touches_nothing(clients, world: World) -> None:  # type: ignore[no-untyped-def]
    other = clients["other_handler"]
    mine = world.other_county
    listed = other.get("/api/clues", params={"size": 500}).json()
    assert listed["clues"] and {c["procuratorate_code"] for c in listed["clues"]} == {mine}
    assert listed["total"] == len(clue_rows(world, mine))
    target, version = clue_rows(world, world.county, "new")[-1]
    for method, path, body in [
        ("get", f"/api/clues/{target}", None),
        ("post", f"/api/clues/{target}/reveal", {"reason": "看看"}),
        (
            "post",
            f"/api/clues/{target}/transition",
            {"action": "dismiss", "reason": "duplicate", "version": version},
        ),
        ("post", f"/api/clues/{target}/transition", {"action": "note", "note": "x"}),
        (
            "post",
            "/api/clues/assign",
            {"assignee": "other_handler", "clues": {str(target): version}},
        ),
        ("post", "/api/cases", {"kind": "protest", "clues": {str(target): version}}),
        ("get", f"/clues/{target}", None),
        ("get", f"/clues/{target}/evidence", None),
        ("get", f"/clues/{target}/resolution", None),
        ("get", f"/clues/{target}/recommendation.docx", None),
    ]:
        answer = getattr(other, method)(path, json=body) if body else getattr(other, method)(path)
        assert answer.status_code == 404, (path, answer.status_code, answer.text[:200])
    page = other.post(
        f"/clues/{target}/act",
        data={
            "action": "dismiss",
            "reason": "duplicate",
            "version": version,
            "csrf_token": other.csrf,
        },
        follow_redirects=False,
    )
    assert page.status_code == 404
    assert dict(clue_rows(world, world.county))[target] == version
    # cases, dashboard, users and procuratorates stay inside the region
    assert all(c["procuratorate_code"].startswith(mine[:6]) for c in other.get("/api/cases").json())
    dash = other.get("/api/dashboard", params={"start": "2000-01"}).json()
    assert dash["total"]["now"]["clues"] + dash["total"]["last_year"]["clues"] <= len(
        clue_rows(world, mine)
    )
    assert other.get("/api/dashboard", params={"region": "150400"}).status_code == 403
    assert other.get("/", params={"region": "150400"}).status_code == 403
    assert {p["code"] for p in other.get("/api/procuratorates").json()} == {mine}
    leader = clients["other_leader"]
    city = leader.get("/api/clues", params={"size": 500}).json()
    assert {c["procuratorate_code"][:4] for c in city["clues"]} == {mine[:4]}
    assert leader.get("/api/dashboard", params={"region": world.county}).status_code == 403


def test_drill_down_narrows_to_the_city(clients, world: World) -> None:  # type: ignore[no-untyped-def]
    region = clients["region_leader"].get("/api/dashboard", params={"start": "2000-01"}).json()
    city = (
        clients["region_leader"]
        .get("/api/dashboard", params={"start": "2000-01", "region": "150400"})
        .json()
    )
    assert region["region_level"] == "city" and city["region_level"] == "county"
    assert {r["key"]["region"][:4] for r in city["by_region"]} == {"1504"}
    own = clients["city_leader"].get("/api/dashboard", params={"start": "2000-01"}).json()
    assert own["total"] == city["total"]
    assert city["total"]["now"]["clues"] == len(clue_rows(world, "1504"))


# ------------------------------------------------------------------ masking and workflow


def test_masked_until_revealed_with_a_reason(clients, world: World) -> None:  # type: ignore[no-untyped-def]
    handler = clients["county_handler2"]
    listed = handler.get("/api/clues", params={"size": 100}).text
    assert not ID18.search(listed)
    clue_id = clue_rows(world, world.county)[2][0]  # the browser test reveals the first
    assert not ID18.search(handler.get(f"/api/clues/{clue_id}").text)
    assert handler.post(f"/api/clues/{clue_id}/reveal", json={"reason": ""}).status_code == 422
    shown = handler.post(f"/api/clues/{clue_id}/reveal", json={"reason": "核对户籍"})
    assert shown.status_code == 200 and ID18.search(shown.json()["person_ids"])
    cb = Casebook.open(world.url)
    last = [e for e in audit.tail(cb, 20) if e.action == "clue.reveal"][-1]
    cb.dispose()
    assert (
        last.actor == "county_handler2"
        and last.subject == f"clue:{clue_id}"
        and "核对户籍" in last.detail
    )


def test_workflow_through_the_api(clients, world: World) -> None:  # type: ignore[no-untyped-def]
    handler = clients["county_handler2"]
    clue_id, version = clue_rows(world, world.county, "new")[-2]
    stale = handler.post(
        f"/api/clues/{clue_id}/transition",
        json={"action": "assign", "assignee": "county_handler2", "version": version + 5},
    )
    assert stale.status_code == 409
    step = handler.post(
        f"/api/clues/{clue_id}/transition",
        json={"action": "assign", "assignee": "county_handler2", "version": version},
    )
    assert step.status_code == 200 and step.json()["version"] == version + 1
    wrong = handler.post(
        f"/api/clues/{clue_id}/transition",
        json={"action": "dismiss", "reason": "bored", "version": version + 1},
    )
    assert wrong.status_code == 400
    # every state change names the version it read: missing is 422, stale is 409
    missing = handler.post(f"/api/clues/{clue_id}/transition", json={"action": "confirm"})
    assert missing.status_code == 422 and missing.json()["field"] == "version"
    assert "version is required" in missing.json()["detail"]
    done = handler.post(
        f"/api/clues/{clue_id}/transition", json={"action": "confirm", "version": version + 1}
    )
    assert done.status_code == 200
    case = handler.post(
        "/api/cases",
        json={"kind": "execution_supervision", "clues": {str(clue_id): None}, "title": "测试"},
    )
    assert case.status_code == 422 and "version is required" in case.json()["detail"]
    case = handler.post(
        "/api/cases",
        json={
            "kind": "execution_supervision",
            "clues": {str(clue_id): version + 3},
            "title": "测试",
        },
    )
    assert case.status_code == 200 and case.json()["clue_ids"] == [clue_id]
    closed = handler.post(
        f"/api/cases/{case.json()['id']}/close",
        json={"outcome": "funds_recovered", "funds_recovered": "9165.50"},
    )
    assert closed.status_code == 422 and closed.json()["field"] == "version"
    stale = handler.post(
        f"/api/cases/{case.json()['id']}/close",
        json={"outcome": "funds_recovered", "funds_recovered": "1", "version": 7},
    )
    assert stale.status_code == 409
    closed = handler.post(
        f"/api/cases/{case.json()['id']}/close",
        json={"outcome": "funds_recovered", "funds_recovered": "9165.50", "version": 1},
    )
    assert closed.status_code == 200 and closed.json()["funds_recovered"] == "9165.50"
    assert handler.get(f"/api/clues/{clue_id}").json()["status"] == "closed"


def test_page_forms_send_the_version(clients, world: World) -> None:  # type: ignore[no-untyped-def]
    handler = clients["county_handler2"]
    clue_id, version = clue_rows(world, world.county, "new")[-3]
    page = handler.get(f"/clues/{clue_id}").text
    assert f'name="version" value="{version}"' in page
    form = {"action": "assign", "assignee": "county_handler2", "csrf_token": handler.csrf}
    missing = handler.post(f"/clues/{clue_id}/act", data=form, follow_redirects=False)
    assert missing.status_code == 422 and "version is required" in missing.text
    bulk = handler.post(
        "/clues/assign",
        data={
            "assignee": "county_handler2",
            "clue_ids": [str(clue_id)],
            "csrf_token": handler.csrf,
        },
        follow_redirects=False,
    )
    assert bulk.status_code == 422
    stale = handler.post(
        f"/clues/{clue_id}/act", data={**form, "version": version + 3}, follow_redirects=False
    )
    assert stale.status_code == 409
    assert dict(clue_rows(world, world.county))[clue_id] == version
    note = {"action": "note", "note": "无需版本", "csrf_token": handler.csrf}
    assert (
        handler.post(f"/clues/{clue_id}/act", data=note, follow_redirects=False).status_code == 303
    )


def test_bulk_assign_all_or_none(clients, world: World) -> None:  # type: ignore[no-untyped-def]
    leader = clients["city_leader"]
    news = clue_rows(world, world.county, "new")[:2]
    outside = clue_rows(world, world.other_county)[0]
    mixed = {str(i): v for i, v in [*news, outside]}
    assert (
        leader.post(
            "/api/clues/assign", json={"assignee": "county_handler", "clues": mixed}
        ).status_code
        == 404
    )
    assert dict(clue_rows(world, world.county)) | dict(news) == dict(clue_rows(world, world.county))


def test_model_run_job_reports_progress(clients, world: World) -> None:  # type: ignore[no-untyped-def]
    builder = clients["builder"]
    before = builder.get("/api/models/pension.after_death").json()["runs"]
    job = builder.post("/api/models/pension.after_death/run")
    assert job.status_code == 202 and job.json()["state"] in ("queued", "running")
    assert clients["admin"].get(f"/api/jobs/{job.json()['id']}").status_code == 200
    assert clients["city_leader"].get(f"/api/jobs/{job.json()['id']}").status_code == 403
    for _ in range(600):
        state = builder.get(f"/api/jobs/{job.json()['id']}").json()
        if state["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert state["state"] == "done", state
    assert state["percent"] == 100 and state["result"]["clues"] >= 0
    assert builder.get("/api/models/pension.after_death").json()["runs"] == before + 1


# ------------------------------------------------------------------ downloads


def test_period_report_downloads(clients) -> None:  # type: ignore[no-untyped-def]
    import io

    from openpyxl import load_workbook

    def clues_in(content: bytes) -> object:
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        return [[c.value for c in row] for row in sheet.iter_rows()]

    leader = clients["region_leader"]
    params = {"start": "2000-01"}
    xlsx = leader.get("/reports/period.xlsx", params=params)
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith("application/vnd.openxml")
    assert len(load_workbook(io.BytesIO(xlsx.content)).sheetnames) >= 5
    city = leader.get("/reports/period.xlsx", params={**params, "region": "150400"})
    assert city.status_code == 200 and clues_in(city.content) != clues_in(xlsx.content)
    own = clients["city_leader"].get("/reports/period.xlsx", params=params)
    assert clues_in(own.content) == clues_in(city.content)
    html = leader.get("/reports/period.html", params=params)
    assert html.status_code == 200 and "<table" in html.text
    for name in ("county_handler", "builder"):
        assert clients[name].get("/reports/period.xlsx").status_code == 403
    outside = clients["other_leader"].get("/reports/period.xlsx", params={"region": "150400"})
    assert outside.status_code == 403
    assert leader.get("/reports/period.exe").status_code == 400


def test_period_report_pdf(clients) -> None:  # type: ignore[no-untyped-def]
    pdf = clients["region_leader"].get("/reports/period.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_recommendation_docx(clients, world: World) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    confirmed = admin.get("/api/clues", params={"status": "confirmed"}).json()["clues"][0]["id"]
    doc = admin.get(f"/clues/{confirmed}/recommendation.docx")
    assert doc.status_code == 200 and doc.content.startswith(b"PK")
    case = admin.get("/api/cases").json()[0]["id"]
    assert admin.get(f"/cases/{case}/recommendation.docx").content.startswith(b"PK")
    # a reveal is a POST with a reason and the CSRF token, audited; never a link
    by_link = admin.get(f"/clues/{confirmed}/recommendation.docx", params={"reveal": "核对"})
    assert by_link.status_code == 400 and "POST" in by_link.text
    no_token = admin.post(
        f"/clues/{confirmed}/recommendation.docx",
        data={"reason": "核对身份"},
        headers={"X-CSRF-Token": ""},
    )
    assert no_token.status_code == 403
    blank = admin.post(f"/clues/{confirmed}/recommendation.docx", data={"reason": "  "})
    assert blank.status_code == 400
    shown = admin.post(
        f"/clues/{confirmed}/recommendation.docx",
        data={"reason": "制发建议书", "csrf_token": admin.csrf},
        headers={"X-CSRF-Token": ""},
    )
    assert shown.status_code == 200 and shown.content.startswith(b"PK")
    assert shown.headers["cache-control"] == "no-store"
    cb = Casebook.open(world.url)
    reveals = audit.tail(cb, 2)  # the entries of the revealed recommendation
    cb.dispose()
    assert {e.action for e in reveals} == {"clue.reveal", "document.recommendation"}
    assert {e.subject for e in reveals} == {f"clue:{confirmed}"}
    assert all("制发建议书" in e.detail for e in reveals)
    assert (
        clients["builder"]
        .post(f"/cases/{case}/recommendation.docx", data={"reason": "x"})
        .status_code
        == 403
    )
    assert admin.post(
        f"/cases/{case}/recommendation.docx", data={"reason": "制发建议书"}
    ).content.startswith(b"PK")


def test_admin_adds_users_and_procuratorates(app, clients, world: World) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    form = {
        "username": "new_handler",
        "password": "handler-pass-1",
        "role": "handler",
        "procuratorate": world.county,
        "csrf_token": admin.csrf,
    }
    assert admin.post("/admin/users", data=form, follow_redirects=False).status_code == 303
    assert (
        login_client(app, "new_handler", "handler-pass-1").get("/api/me").json()["role"]
        == "handler"
    )
    again = admin.post("/admin/users", data=form, follow_redirects=False)
    assert again.status_code in (400, 409)
    place = {"code": "150499", "name": "测试检察院", "parent": "150400", "csrf_token": admin.csrf}
    assert (
        admin.post("/admin/procuratorates", data=place, follow_redirects=False).status_code == 303
    )
    assert "150499" in {p["code"] for p in clients["city_leader"].get("/api/procuratorates").json()}
    page = admin.get("/admin").text
    assert "new_handler" in page and "测试检察院" in page


def test_counts_per_status_match_the_clues(clients, world: World) -> None:  # type: ignore[no-untyped-def]
    cb = Casebook.open(world.url)

    def truth(*conds: sa.ColumnElement[bool]) -> dict[str, int]:
        with cb.read() as conn:
            rows = conn.execute(
                sa.select(clues.c.status, sa.func.count()).where(*conds).group_by(clues.c.status)
            ).all()
        return {str(s): int(n) for s, n in rows}

    leader = clients["city_leader"]
    city = clues.c.procuratorate_code.like("1504%")
    for params, conds in [
        ({}, [city]),
        ({"model": "marriage.bigamy"}, [city, clues.c.model_id == "marriage.bigamy"]),
        ({"domain": "civil"}, [city, clues.c.domain == "civil"]),
        ({"procuratorate": world.county}, [clues.c.procuratorate_code == world.county]),
        ({"severity": "high"}, [city, clues.c.severity == "high"]),
        ({"status": "new", "sort": "severity"}, [city]),
    ]:
        page = leader.get("/api/clues", params={**params, "size": 500}).json()
        counts = {s: n for s, n in page["counts"].items() if n}
        assert counts == truth(*conds), params
        status = params.get("status")
        assert page["total"] == (counts.get(status, 0) if status else sum(counts.values()))
        assert len(page["clues"]) == page["total"]
        if params.get("sort") == "severity":
            order = [{"high": 0, "medium": 1, "low": 2}[c["severity"]] for c in page["clues"]]
            assert order == sorted(order)
    cb.dispose()


def test_a_search_term_goes_in_a_post_body_only(clients, world: World) -> None:  # type: ignore[no-untyped-def]
    """``POST /api/clues/search`` takes the term (and the filters) in its JSON body; a term
    in the query string of ``GET /api/clues`` is refused (it would be in the access log)."""
    from lexradar.normalize.resident_id import parse

    cb = Casebook.open(world.url)
    with cb.read() as conn:
        rows = conn.execute(
            sa.select(clues.c.id, clues.c.person_ids)
            .where(clues.c.procuratorate_code == world.county)
            .order_by(clues.c.id)
        ).all()
    cb.dispose()
    clue_id, person = next(
        (r.id, p) for r in rows for p in r.person_ids.split(";") if parse(p).status == "valid"
    )
    admin = clients["admin"]
    found = admin.post("/api/clues/search", json={"q": person, "size": 100})
    assert found.status_code == 200, found.text
    assert clue_id in {c["id"] for c in found.json()["clues"]}
    assert not ID18.search(found.text)  # masked
    from lexradar.clues.tables import audit_log

    cb = Casebook.open(world.url)
    with cb.read() as conn:
        audited = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).one()
    cb.dispose()
    assert audited.action == "clues.search" and audited.actor == "admin"
    assert person not in audited.detail
    elsewhere = admin.post(
        "/api/clues/search", json={"q": person, "procuratorate": world.other_county}
    )
    assert clue_id not in {c["id"] for c in elsewhere.json()["clues"]}
    theirs = clients["other_handler"].post("/api/clues/search", json={"q": person}).json()
    assert {c["id"] for c in theirs["clues"]} == {
        c["id"] for c in found.json()["clues"] if c["procuratorate_code"] == world.other_county
    }  # scoped to the searcher's county
    for params in ({"q": person}, {"search": person}):
        refused = admin.get("/api/clues", params=params)
        assert refused.status_code == 400 and refused.json()["field"] == "q"
        assert person not in refused.text
    wrong = admin.post(
        "/api/clues/search", json={"q": person}, headers={"X-CSRF-Token": "not-the-token"}
    )
    assert wrong.status_code == 403
    # the seven filters are declared once: the same in the query and in the body
    spec = admin.get("/api/openapi.json").json()
    listed = {p["name"] for p in spec["paths"]["/api/clues"]["get"]["parameters"]}
    seven = {"model", "domain", "procuratorate", "status", "severity", "seen_from", "seen_to"}
    assert seven | {"sort", "page", "size"} == listed
    body = spec["paths"]["/api/clues/search"]["post"]["requestBody"]["content"]
    ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(spec["components"]["schemas"][ref]["properties"]) == listed | {"q"}
