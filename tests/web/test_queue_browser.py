"""The clue queue's search, saved filters and export in the workbench: in Chromium (search a
county's clue by a damaged form of its resident ID, download the .xlsx and read it back; search
by a name, page through, export and save a filter with no request URL nor server log line ever
holding the term), and through the app for the CSV, the English headers, the reveal and the
refusals."""

from __future__ import annotations

import collections
import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from urllib.parse import quote, quote_plus, unquote_plus, urlparse

import pytest
import sqlalchemy as sa

from lexradar.clues.db import Casebook
from lexradar.clues.tables import audit_log, clues
from lexradar.clues.terms import clue_terms_of
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
    for url in (f"/clues/export.csv?q={person}", f"/clues?q={person}", f"/clues?search={person}"):
        refused = handler.get(url)  # a term in the address is refused, not silently dropped
        assert refused.status_code == 400 and "POST" in refused.text, url
        assert person not in refused.text
    answer = handler.post(
        "/clues/export-masked.csv", data={"q": person, "csrf_token": handler.csrf}
    )
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
    searched = other.post("/clues/export-masked.csv", data={"q": person, "csrf_token": other.csrf})
    rows = list(csv.reader(io.StringIO(searched.text)))
    assert str(clue_id) not in {r[0] for r in rows[1:]}
    assert other.get("/clues/export.pdf").status_code in (404, 422)


def _common_name(world: World) -> tuple[str, list[int]]:
    """A name that at least two of the region's clues cite, and those clues."""
    cb = Casebook.open(world.url)
    with cb.read() as conn:
        rows = conn.execute(sa.select(clues.c.id, clues.c.person_ids, clues.c.evidence)).all()
    cb.dispose()
    cited: dict[str, set[int]] = collections.defaultdict(set)
    for row in rows:
        for kind, value in clue_terms_of(row.person_ids, row.evidence):
            if kind == "name" and len(value) >= 2:
                cited[value].add(row.id)
    name, ids = max(cited.items(), key=lambda kv: (len(kv[1]), kv[0]))
    if len(ids) < 2:
        pytest.skip("no name is cited by two clues")
    return name, sorted(ids)


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()}")


@pytest.fixture
def server_log() -> Iterator[list[str]]:
    """Every line the live server logs meanwhile: uvicorn's access log (its request line is
    the method, the path and the query string) switched on at INFO, lexradar's own loggers
    at DEBUG."""
    lines = _Lines()
    watched = [logging.getLogger(n) for n in ("uvicorn.access", "uvicorn.error", "lexradar")]
    levels = [lg.level for lg in watched]
    for lg in watched:
        lg.addHandler(lines)
        lg.setLevel(logging.DEBUG if lg.name == "lexradar" else logging.INFO)
    root = logging.getLogger()
    root.addHandler(lines)
    yield lines.lines
    root.removeHandler(lines)
    for lg, level in zip(watched, levels, strict=True):
        lg.removeHandler(lines)
        lg.setLevel(level)


def _nowhere(forms: set[str], seen: list[tuple[str, str, str]], log: list[str]) -> None:
    """None of the forms of the term in a URL requested, a Referer, or a server log line."""
    for method, url, referer in seen:
        for text in (url, referer):
            assert not any(f in text or f in unquote_plus(text) for f in forms), (method, text)
    leaked = [line for line in log if any(f in line for f in forms)]
    assert not leaked, leaked


def test_a_search_term_never_travels_in_a_url(  # type: ignore[no-untyped-def]
    context, world: World, server_log: list[str], tmp_path
) -> None:
    """Search by a name, page through the result one clue a page, narrow it by status, export
    it and save a filter: the term is in no URL the browser requested (nor a Referer) and in
    no line of the server's log; the address bar shows the filters only."""
    name, ids = _common_name(world)
    seen: list[tuple[str, str, str]] = []
    page = context.new_page()
    page.on("request", lambda r: seen.append((r.method, r.url, r.headers.get("referer", ""))))
    login(page, "admin")
    page.goto("/clues")
    page.fill("#clue-search", name)
    page.click("#search-submit")
    page.wait_for_selector("#search-note")
    assert f"共找到 {len(ids)} 条线索" in page.inner_text("#search-note")
    forms = {name, quote(name), quote_plus(name), quote(name, safe="").lower()}
    _nowhere(forms, seen, server_log)  # the search itself
    # one clue a page (the server takes any size; the page offers 20, 50, 100)
    page.evaluate(
        "() => { const s = document.querySelector('select[name=size]');"
        " s.add(new Option('1', '1', true, true));"
        " s.dispatchEvent(new Event('change', {bubbles: true})); }"
    )
    page.wait_for_selector("#pager-search button[data-rel=next]")
    shown: list[int] = []
    for n in range(len(ids)):
        rows = page.locator("#clue-list tr[data-clue]")
        shown += [int(x) for x in rows.evaluate_all("els => els.map(e => e.dataset.clue)")]
        if n < len(ids) - 1:
            before = page.inner_text("#page-of")
            page.click("#pager-search button[data-rel=next]")
            page.wait_for_function(
                "t => document.querySelector('#page-of').textContent !== t", arg=before
            )
    assert sorted(shown) == ids  # every clue of the name once, page by page
    assert page.locator("#search-note").count() == 1  # the search is still on
    assert "size=1" in page.url and "page=" in page.url  # the address: filters, not the term
    assert page.locator("[hx-history=false]").count() == 1  # htmx keeps no copy of the page
    stored = page.evaluate("() => JSON.stringify(localStorage) + JSON.stringify(history.state)")
    assert not any(f in stored for f in forms)
    shot(page, "queue-search-paged-zh")
    # a status of the searched result, then back to all
    new = page.locator("#status-counts button[data-status=new]")
    with page.expect_response(lambda r: r.request.method == "POST"):
        new.click()
    page.wait_for_url(re.compile(r"status=new"))
    assert page.locator("#search-note").count() == 1
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.click("#status-counts button[data-status='']")
    # export the searched queue (masked): all of its clues
    with page.expect_download() as info:
        page.click("#export-csv")
    path = tmp_path / "searched.csv"
    info.value.save_as(path)
    table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert sorted(int(r[0]) for r in table[1:]) == ids
    assert name not in path.read_text(encoding="utf-8-sig")  # masked
    assert not ID18.search(path.read_text(encoding="utf-8-sig"))
    exported = _last_audit(world, "clues.export")
    assert exported["rows"] == len(ids) and exported["actor"] == "admin"
    # save the filters while the search is shown: kept without the term
    page.fill("#save-filter input[name=name]", "搜索时保存")
    page.click("#save-filter button[type=submit]")
    page.wait_for_selector("#saved-filters a >> text=搜索时保存")
    kept = _last_audit(world, "filter.save")
    assert name not in json.dumps(kept, ensure_ascii=False)
    page.click("#saved-filters li[data-filter] >> text=搜索时保存")
    page.wait_for_load_state()
    page.locator("#saved-filters li", has_text="搜索时保存").locator("button").click()
    page.wait_for_load_state()

    posted = [u for m, u, _ in seen if m == "POST" and urlparse(u).path == "/clues"]
    assert len(posted) >= len(ids) + 2, seen  # the search, paging and status went by POST
    _nowhere(forms, seen, server_log)
    access = [line for line in server_log if line.startswith("uvicorn.access")]
    assert any('"POST /clues HTTP' in line for line in access), access[:5]


def test_the_queue_filters_are_declared_once(app) -> None:  # type: ignore[no-untyped-def]
    """One model (``QueueFilters``) reads the seven filters for the page, the exports, saved
    filters and the API: no route module spells them again, and the model reads query
    strings and forms alike (empty: no filter; a bad date: 400 naming the field)."""
    from pathlib import Path

    import lexradar.web
    from lexradar.clues.errors import CasebookError
    from lexradar.web.deps import QueueFilters, QueueSearch

    routes = Path(lexradar.web.__file__).parent / "routes"
    for module in ("queue.py", "clues.py", "api.py"):
        text = (routes / module).read_text(encoding="utf-8")
        assert "seen_from" not in text and "severity: " not in text, module
    assert QueueFilters.names() == (
        "model", "domain", "procuratorate", "status", "severity", "seen_from", "seen_to",
    )  # fmt: skip
    search = QueueSearch(q="巴特尔", status="new", seen_from="2026-01-01", size=20, domain="")
    filters = search.to_filters(search.q)
    assert (filters.status, filters.domain, filters.search) == ("new", None, "巴特尔")
    assert str(filters.seen_from) == "2026-01-01"
    assert search.view().query(size=20) == "status=new&seen_from=2026-01-01&size=20"
    with pytest.raises(CasebookError) as bad:
        QueueFilters(seen_to="2026-02-30").to_filters()
    assert bad.value.location.field == "seen_to"
    handler = login_client(app, "county_handler")
    assert handler.get("/clues?seen_to=2026-02-30").status_code == 400
    posted = handler.post("/clues", data={"status": "new", "q": "", "csrf_token": handler.csrf})
    assert posted.status_code == 200 and 'data-status="new"' in posted.text
    assert (
        handler.post("/clues", data={"status": "new"}, headers={"X-CSRF-Token": ""}).status_code
        == 403
    )
