"""The clue queue's search, saved filters and export in the workbench: in Chromium (search a
county's clue by a damaged form of its resident ID, download the .xlsx and read it back), and
through the app for the CSV, the English headers, the reveal and the refusals."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from lexradar.clues.db import Casebook
from lexradar.clues.tables import audit_log, clues
from lexradar.normalize.resident_id import parse, to15
from tests.web.conftest import World, login_client
from tests.web.test_browser import login, shot

ID18 = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")


def _county_person(world: World) -> tuple[int, str]:
    """A clue of the county handler's county and a valid resident ID it cites."""
    cb = Casebook.open(world.url)
    with cb.read() as conn:
        rows = conn.execute(
            sa.select(clues.c.id, clues.c.person_ids)
            .where(clues.c.procuratorate_code == world.county)
            .order_by(clues.c.id)
        ).all()
    cb.dispose()
    for row in rows:
        for pid in row.person_ids.split(";"):
            if parse(pid).status == "valid" and pid[6:8] == "19":
                return row.id, pid
    pytest.skip("no clue of the county cites a valid ID born in the 1900s")


def _last_audit(world: World, action: str) -> dict[str, object]:
    cb = Casebook.open(world.url)
    with cb.read() as conn:
        row = conn.execute(
            sa.select(audit_log)
            .where(audit_log.c.action == action)
            .order_by(audit_log.c.seq.desc())
            .limit(1)
        ).one()
    cb.dispose()
    return {"actor": row.actor, "subject": row.subject, **json.loads(row.detail)}


@pytest.fixture
def context(browser, live_server: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(
        base_url=live_server,
        locale="zh-CN",
        viewport={"width": 1366, "height": 768},
        accept_downloads=True,
    )
    requests: list[str] = []
    ctx.on("request", lambda r: requests.append(r.url))
    yield ctx
    ctx.close()
    outside = [u for u in requests if urlparse(u).hostname not in ("127.0.0.1", None)]
    assert not outside, f"requests left the machine: {outside}"


def test_search_by_id_then_export_xlsx_in_the_browser(  # type: ignore[no-untyped-def]
    context, world: World, tmp_path
) -> None:
    from openpyxl import load_workbook

    clue_id, person = _county_person(world)
    page = context.new_page()
    login(page, "county_handler")
    page.goto("/clues")
    assert (
        page.locator("#clue-search").get_attribute("placeholder")
        == "身份证号、姓名、案号或结婚证号"
    )
    old_form = to15(person)  # the 15-digit number of the same person
    page.fill("#clue-search", old_form)
    page.click("#search-submit")
    page.wait_for_selector("#search-note")
    rows = page.locator("#clue-list tbody tr[data-clue]")
    shown = {int(x) for x in rows.evaluate_all("els => els.map(e => e.dataset.clue)")}
    assert clue_id in shown
    assert all(
        code == world.county
        for code in rows.evaluate_all("els => els.map(e => e.dataset.procuratorate)")
    )
    assert "共找到" in page.inner_text("#search-note")
    assert person not in page.content()  # the page is masked, the term too
    shot(page, "queue-search-zh")
    detail = _last_audit(world, "clues.search")
    assert detail["actor"] == "county_handler" and detail["kinds"] == ["id"]
    assert detail["term"] == person[:6] + "********" + person[-4:]

    with page.expect_download() as info:
        page.click("#export-xlsx")
    path = tmp_path / "export.xlsx"
    info.value.save_as(path)
    sheet = load_workbook(path).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[0] == "线索编号" and header[7] == "身份证号"
    body = list(sheet.iter_rows(min_row=2))
    assert len(body) == len(shown) and {int(r[0].value) for r in body} == shown
    id_cells = [r[7] for r in body]
    assert all(c.data_type == "s" and c.number_format == "@" for c in id_cells)
    assert any(person[:6] + "********" + person[-4:] in str(c.value) for c in id_cells)
    text = " ".join(str(c.value) for r in sheet.iter_rows() for c in r)
    assert not ID18.search(text), "an unmasked resident ID in the export"
    exported = _last_audit(world, "clues.export")
    assert exported["rows"] == len(shown) and exported["revealed"] is False
    assert exported["format"] == "xlsx"


def test_save_load_and_delete_filters_in_the_browser(context, world: World) -> None:  # type: ignore[no-untyped-def]
    page = context.new_page()
    login(page, "county_handler")
    page.goto("/clues?status=new&severity=high")
    page.fill("#save-filter input[name=name]", "高危新线索")
    page.click("#save-filter button[type=submit]")
    page.wait_for_selector("#saved-filters")
    link = page.locator("#saved-filters a", has_text="高危新线索")
    assert "status=new" in (link.get_attribute("href") or "")
    page.goto("/clues")
    page.click("#saved-filters a >> text=高危新线索")
    page.wait_for_url(re.compile(r"status=new"))
    assert page.locator("select[name=severity]").input_value() == "high"
    shot(page, "queue-saved-filter-zh")
    page.click("#saved-filters li button[type=submit]")
    page.wait_for_url(re.compile(r"/clues$"))
    assert page.locator("#saved-filters").count() == 0
    assert _last_audit(world, "filter.delete")["name"] == "高危新线索"


def test_csv_export_english_headers_reveal_and_refusals(app, world: World) -> None:  # type: ignore[no-untyped-def]
    clue_id, person = _county_person(world)
    handler = login_client(app, "county_handler")
    answer = handler.get(f"/clues/export.csv?q={person}")
    assert answer.status_code == 200 and answer.content.startswith(b"\xef\xbb\xbf")
    assert answer.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0][0] == "线索编号" and str(clue_id) in {r[0] for r in table[1:]}
    assert person not in answer.text
    handler.post("/lang", data={"lang": "en", "next": "/clues", "csrf_token": handler.csrf})
    english = handler.get("/clues/export.csv?status=new")
    assert english.content.decode("utf-8-sig").startswith("Clue,Model,Domain")
    revealed = handler.post(
        "/clues/export.csv",
        data={"q": person, "reason": "核查身份", "csrf_token": handler.csrf},
    )
    assert revealed.status_code == 200 and person in revealed.text
    detail = _last_audit(world, "clues.export")
    assert detail["revealed"] is True and detail["reason"] == "核查身份"
    assert person not in json.dumps(detail)
    no_reason = handler.post("/clues/export.csv", data={"csrf_token": handler.csrf})
    assert no_reason.status_code in (400, 422)
    builder = login_client(app, "builder")
    assert builder.get("/clues/export.csv").status_code == 200  # masked: every role
    refused = builder.post("/clues/export.csv", data={"reason": "x", "csrf_token": builder.csrf})
    assert refused.status_code == 403
    other = login_client(app, "other_handler")  # another city: the ID finds nothing there
    rows = list(csv.reader(io.StringIO(other.get(f"/clues/export.csv?q={person}").text)))
    assert str(clue_id) not in {r[0] for r in rows[1:]}
    assert other.get("/clues/export.pdf").status_code in (404, 422)
