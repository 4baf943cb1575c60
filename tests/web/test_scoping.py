"""Region scope of the audit log, the jobs and the studio's lake search, on a copy of the
casebook with admins and builders at the county and city level."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lexradar.clues import audit
from lexradar.clues.access import SYSTEM, add_user, audit_tail, user
from lexradar.clues.db import Casebook
from lexradar.clues.events import loads_strict
from lexradar.clues.tables import cases, clues, users
from lexradar.settings import load_settings
from tests.web.conftest import PASSWORD, World, copy_casebook, login_client

EXTRA = {
    "county_admin": ("admin", "county"),
    "county_builder": ("model_builder", "county"),
    "city_admin": ("admin", "150400"),
    "far_admin": ("admin", "other"),
}


@pytest.fixture(scope="module")
def scoped(world: World, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from lexradar.web.app import create_app

    url = copy_casebook(world, tmp_path_factory.mktemp("scoped"))
    cb = Casebook.open(url)
    for name, (role, where) in EXTRA.items():
        code = {"county": world.county, "other": world.other_county}.get(where, where)
        add_user(cb, SYSTEM, name, PASSWORD, role, code)
    settings = load_settings(lake=world.lake, casebook_url=url)
    app = create_app(settings, secret_key="scoped")
    app.state.studio_dir = str(tmp_path_factory.mktemp("studio"))
    yield app, cb, url
    cb.dispose()


def _region_of(cb: Casebook, e: audit.Entry) -> str | None:
    kind, _, key = e.subject.partition(":")
    with cb.read() as conn:
        if kind in ("clue", "case"):
            table = clues if kind == "clue" else cases
            return conn.execute(
                sa.select(table.c.procuratorate_code).where(table.c.id == int(key))
            ).scalar()
        if kind == "procuratorate":
            return key
        name = key if kind == "user" else e.actor
        found = conn.execute(
            sa.select(users.c.procuratorate_code).where(users.c.username == name)
        ).scalar()
        if found is None and kind == "user":
            found = conn.execute(
                sa.select(users.c.procuratorate_code).where(users.c.username == e.actor)
            ).scalar()
        return found


def test_a_county_admin_reads_only_the_countys_audit_entries(scoped, world: World) -> None:  # type: ignore[no-untyped-def]
    app, cb, _url = scoped
    other = login_client(app, "other_handler")
    mine = login_client(app, "county_handler")
    with cb.read() as conn:
        theirs = (
            conn.execute(
                sa.select(clues.c.id).where(clues.c.procuratorate_code == world.other_county)
            )
            .scalars()
            .first()
        )
        ours = (
            conn.execute(sa.select(clues.c.id).where(clues.c.procuratorate_code == world.county))
            .scalars()
            .first()
        )
    assert other.post(f"/api/clues/{theirs}/reveal", json={"reason": "外地理由"}).status_code == 200
    assert mine.post(f"/api/clues/{ours}/reveal", json={"reason": "本地理由"}).status_code == 200
    county = login_client(app, "county_admin")
    listed = county.get("/api/audit", params={"n": 1000}).json()
    assert listed, "the county admin sees the county's entries"
    everything = audit.tail(cb, 100_000)
    by_seq = {e.seq: e for e in everything}
    for item in listed:
        code = _region_of(cb, by_seq[item["seq"]])
        assert code is not None and code.startswith(world.county), item
    page = county.get("/audit", params={"n": 1000}).text
    assert "本地理由" in page and "外地理由" not in page
    assert "外地理由" not in county.get("/api/audit", params={"n": 1000}).text
    # the region's admin reads both, and the system's loads
    region = login_client(app, "admin").get("/api/audit", params={"n": 1000}).json()
    assert {"本地理由", "外地理由"} <= {
        loads_strict(e["detail"]).get("reason") for e in region if e["action"] == "clue.reveal"
    }
    assert any(e["actor"] == "system" for e in region)
    # the city's admin: the city's counties only
    city = audit_tail(cb, user(cb, "city_admin"), 1000)
    assert city and all((_region_of(cb, e) or "").startswith("1504") for e in city)
    assert len(city) > len(listed)
    far = login_client(app, "far_admin").get("/api/audit", params={"n": 1000}).text
    assert "本地理由" not in far and "外地理由" in far


def test_an_admin_sees_only_jobs_of_its_subtree(scoped) -> None:  # type: ignore[no-untyped-def]
    app, _cb, _url = scoped
    builder = login_client(app, "builder")  # the region's
    job = builder.post("/api/models/pension.after_death/run")
    assert job.status_code == 202
    job_id = job.json()["id"]
    assert login_client(app, "admin").get(f"/api/jobs/{job_id}").status_code == 200
    assert login_client(app, "county_admin").get(f"/api/jobs/{job_id}").status_code == 404
    county_builder = login_client(app, "county_builder")
    mine = county_builder.post("/api/models/marriage.bigamy/run").json()["id"]
    assert login_client(app, "county_admin").get(f"/api/jobs/{mine}").status_code == 200
    assert login_client(app, "far_admin").get(f"/api/jobs/{mine}").status_code == 404
    assert county_builder.get(f"/api/jobs/{job_id}").status_code == 404
    page = login_client(app, "county_admin").get("/models/pension.after_death").text
    assert job_id not in page


def test_lake_search_is_scoped_and_audited(scoped, world: World) -> None:  # type: ignore[no-untyped-def]
    import duckdb

    app, cb, _url = scoped
    persons = str(world.lake / "persons" / "**" / "*.parquet")
    far_id, far_name = duckdb.sql(
        f"SELECT person_id, name FROM read_parquet('{persons}', union_by_name=true) "
        f"WHERE region_code LIKE '{world.other_county[:4]}%' ORDER BY person_id LIMIT 1"
    ).fetchall()[0]
    near_id = duckdb.sql(
        f"SELECT person_id FROM read_parquet('{persons}', union_by_name=true) "
        f"WHERE region_code = '{world.county}' ORDER BY person_id LIMIT 1"
    ).fetchall()[0][0]
    county = login_client(app, "county_builder")
    region = login_client(app, "builder")
    start = audit.tail(cb, 1)[-1].seq  # the copied casebook may hold other tests' searches
    far_page = county.post("/studio", data={"q": far_id}).text
    assert 'name="case"' not in far_page  # nothing found outside the county
    assert 'name="case"' in region.post("/studio", data={"q": far_id}).text
    near_page = county.post("/studio", data={"q": near_id}).text
    # found, masked (the one unmasked copy is the term in the search box, as typed)
    assert 'name="case"' in near_page and near_page.count(near_id) == 1
    searches = [e for e in audit.tail(cb, 50) if e.action == "studio.search" and e.seq > start]
    assert [e.actor for e in searches] == ["county_builder", "builder", "county_builder"]
    detail = loads_strict(searches[0].detail)
    assert detail["hits"] == 0 and far_id not in searches[0].detail
    assert far_id[:6] in detail["term"] and "*" in detail["term"]
    assert loads_strict(searches[2].detail)["hits"] >= 1
    by_name = county.post("/studio", data={"q": far_name}).text
    (last,) = audit.tail(cb, 1)
    assert last.action == "studio.search" and far_name not in last.detail
    assert by_name.count('name="case"') <= region.post("/studio", data={"q": far_name}).text.count(
        'name="case"'
    )
    # picking a record of another county is refused
    refs = duckdb.sql(
        f"SELECT record_id FROM read_parquet('{persons}', union_by_name=true) "
        f"WHERE person_id = '{far_id}'"
    ).fetchall()[0]
    refused = county.get("/studio/new", params={"case": f"persons:{refs[0]}"})
    assert refused.status_code == 400 and far_id not in refused.text
    assert region.get("/studio/new", params={"case": f"persons:{refs[0]}"}).status_code == 200
    # the county admin reads the county builder's searches in the audit log
    county_log = login_client(app, "county_admin").get("/api/audit", params={"n": 1000}).json()
    assert {e["actor"] for e in county_log if e["action"] == "studio.search"} == {"county_builder"}
