"""The workbench in a real browser (Chromium through Playwright): a county handler's day, a
leader's dashboard with its charts and drill-down, the language switch. Every page visited is
screenshotted to ``test-artifacts/screenshots/`` and no request may leave the machine."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from lexradar.clues import audit
from lexradar.clues.db import Casebook
from lexradar.clues.tables import clues
from tests.web.conftest import PASSWORD, SCREENSHOTS, World

ID18 = re.compile(r"\b\d{17}[\dX]\b")


@pytest.fixture
def context(browser, live_server: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(
        base_url=live_server, locale="zh-CN", viewport={"width": 1400, "height": 1000}
    )
    requests: list[str] = []
    ctx.on("request", lambda r: requests.append(r.url))
    ctx.requests = requests  # type: ignore[attr-defined]
    yield ctx
    ctx.close()
    outside = [u for u in requests if urlparse(u).hostname not in ("127.0.0.1", None)]
    assert not outside, f"requests left the machine: {outside}"


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def no_external_refs(page) -> None:  # type: ignore[no-untyped-def]
    """No src/href/action on the page points off the machine."""
    refs = page.eval_on_selector_all(
        "[src],[href],[action]",
        "els => els.map(e => e.getAttribute('src') || e.getAttribute('href')"
        " || e.getAttribute('action'))",
    )
    bad = [r for r in refs if re.match(r"^(https?:)?//", r or "")]
    assert not bad, f"{page.url} refers to {bad}"


def login(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    no_external_refs(page)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def county_clue_ids(world: World) -> list[int]:
    cb = Casebook.open(world.url)
    with cb.read() as conn:
        ids = (
            conn.execute(
                sa.select(clues.c.id)
                .where(clues.c.procuratorate_code == world.county)
                .order_by(clues.c.id)
            )
            .scalars()
            .all()
        )
    cb.dispose()
    return list(ids)


def test_county_handler_reveals_and_dismisses(context, world: World, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page = context.new_page()
    login(page, "county_handler")
    shot(page, "01-dashboard-county-handler")

    page.goto("/clues?size=100")
    no_external_refs(page)
    shot(page, "02-clue-queue")
    rows = page.locator("#clue-list tbody tr[data-clue]")
    codes = rows.evaluate_all("rs => rs.map(r => r.dataset.procuratorate)")
    expected = county_clue_ids(world)
    assert len(expected) >= 2
    assert codes and set(codes) == {world.county}
    shown = [int(i) for i in rows.evaluate_all("rs => rs.map(r => r.dataset.clue)")]
    assert sorted(shown) == expected  # every clue of the county, nothing else
    assert "*" in page.inner_text("#clue-list")  # names and IDs masked

    first, second = expected[0], expected[1]
    page.click(f"#clue-list a[href='/clues/{first}']")
    page.wait_for_url(f"**/clues/{first}")
    page.wait_for_selector("#evidence-table")
    no_external_refs(page)
    shot(page, "03-clue-detail-masked")
    assert not ID18.search(page.inner_text("#person-ids"))
    assert page.locator("#evidence-table td.differs").count() >= 0

    page.click("#reveal-box summary")
    page.fill("#reveal-form input[name=reason]", "核查身份")
    page.click("#reveal-form button[type=submit]")
    page.wait_for_selector("#revealed-note")
    shot(page, "04-clue-detail-revealed")
    assert ID18.search(page.inner_text("#person-ids"))
    cb = Casebook.open(world.url)
    entries = audit.tail(cb, 50)
    cb.dispose()
    assert any(
        e.action == "clue.reveal"
        and e.subject == f"clue:{first}"
        and "核查身份" in e.detail
        and e.actor == "county_handler"
        for e in entries
    )

    page.goto(f"/clues/{second}")
    page.click("#dismiss-box summary")
    page.select_option("#dismiss-form select[name=reason]", "false_positive")
    page.fill("#dismiss-form input[name=note]", "已核实，系同名")
    page.click("#do-dismiss")
    page.wait_for_selector("#clue-status[data-status=dismissed]")
    shot(page, "05-clue-dismissed")
    assert "误报" in page.inner_text("#timeline")
    assert "已核实，系同名" in page.inner_text("#timeline")

    # the audit log, as the admin sees it, shows the reveal with its reason
    admin = context.browser.new_context(base_url=live_server)
    apage = admin.new_page()
    login(apage, "admin")
    apage.goto("/audit")
    no_external_refs(apage)
    row = apage.locator(f"#audit-list tr[data-action='clue.reveal'][data-subject='clue:{first}']")
    assert row.count() == 1 and "核查身份" in row.inner_text()
    assert (
        apage.locator(
            f"#audit-list tr[data-action='clue.dismissed'][data-subject='clue:{second}']"
        ).count()
        == 1
    )
    shot(apage, "06-audit-log")
    admin.close()

    # a clue of another county is not found for this handler
    other = page.goto("/clues/999999")
    assert other is not None and other.status == 404

    # bulk assign: "select all" ticks every new clue on the page; untick all but one and give
    # that one to the colleague (the others stay new, as other tests on the shared casebook
    # expect of a county, whichever runs first)
    page.goto("/clues?status=new")
    boxes = page.locator("#clue-list tbody tr[data-clue] input[name=clue_ids]")
    new = boxes.count()
    assert new >= 2
    assigned = int(page.inner_text("#status-counts a[data-status=assigned] .n"))
    page.check("input[data-select-all]")
    assert all(boxes.nth(i).is_checked() for i in range(new))
    for i in range(1, new):
        boxes.nth(i).uncheck()
    given = int(str(boxes.nth(0).get_attribute("value")).split(":")[0])
    page.select_option("#bulk-assign select[name=assignee]", "county_handler2")
    page.click("#bulk-assign button[type=submit]")
    page.wait_for_load_state()
    shot(page, "09-after-bulk-assign")
    assert int(page.inner_text("#status-counts a[data-status=assigned] .n")) == assigned + 1
    page.goto("/clues?status=new")
    left = page.locator("#clue-list tbody tr[data-clue] input[name=clue_ids]")
    ids = {int(v.split(":")[0]) for v in left.evaluate_all("es => es.map(e => e.value)")}
    assert len(ids) == new - 1 and given not in ids


def canvas_drawn(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(
        page.eval_on_selector(
            selector,
            """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                      for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; }
                      return false; }""",
        )
    )


def test_leader_dashboard_charts_and_drill_down(context, world: World) -> None:  # type: ignore[no-untyped-def]
    page = context.new_page()
    login(page, "region_leader")
    for canvas in ("#c-month", "#c-domain", "#c-region", "#c-model"):
        page.wait_for_selector(f"{canvas}[data-drawn='1']")
        assert canvas_drawn(page, canvas), canvas
    total = int(page.inner_text("#fig-clues"))
    assert total > 0
    shot(page, "07-dashboard-region-leader")

    # click the bar of the city 1504 (赤峰市) in the procuratorate chart
    labels = page.evaluate("() => Chart.getChart(document.getElementById('c-region')).data.labels")
    links = page.evaluate(
        "() => JSON.parse(document.getElementById('chart-region').textContent).links"
    )
    index = next(i for i, link in enumerate(links) if "region=150400" in link)
    point = page.evaluate(
        f"""() => {{ const ch = Chart.getChart(document.getElementById('c-region'));
                    const bar = ch.getDatasetMeta(0).data[{index}];
                    const r = ch.canvas.getBoundingClientRect();
                    return {{x: r.left + bar.x, y: r.top + (bar.y + bar.base) / 2}}; }}"""
    )
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url(re.compile(r"region=150400"))
    page.wait_for_selector("#c-region[data-drawn='1']")
    shot(page, "08-dashboard-drill-city")
    assert labels[index] in page.inner_text("hgroup")
    counties = page.eval_on_selector_all(
        "#region-table tbody tr td:first-child", "tds => tds.map(t => t.innerText)"
    )
    assert counties
    city_total = int(page.inner_text("#fig-clues"))
    assert 0 < city_total < total
    cb = Casebook.open(world.url)
    with cb.read() as conn:
        in_city = conn.execute(
            sa.select(sa.func.count()).where(
                clues.c.procuratorate_code.like("1504%"),
                clues.c.first_month >= f"{dt.date.today().year}-01",
            )
        ).scalar_one()
    cb.dispose()
    assert city_total == in_city

    # and on to a county: the path region › city › county, no procuratorate chart below it
    page.click(f"#region-table a.drill[data-code='{world.county}']")
    page.wait_for_url(re.compile(f"region={world.county}"))
    crumbs = page.eval_on_selector_all("a.crumb", "as => as.map(a => a.dataset.code)")
    assert crumbs == ["150000", "150400", world.county]
    assert page.locator("#c-region").count() == 0
    page.wait_for_selector("#c-month[data-drawn='1']")
    shot(page, "08b-dashboard-drill-county")


def test_every_page_in_both_languages(context, world: World) -> None:  # type: ignore[no-untyped-def]
    page = context.new_page()
    login(page, "admin")
    assert page.inner_text(".nav-items a[href='/']") == "首页"
    pages = ["/", "/clues", f"/clues/{county_clue_ids(world)[-1]}", "/cases", "/models",
             "/models/pension.after_death", "/batches", "/audit", "/admin"]  # fmt: skip
    for n, path in enumerate(pages):
        page.goto(path)
        no_external_refs(page)
        shot(page, f"1{n}-zh-{path.strip('/').replace('/', '-') or 'dashboard'}")
    page.click("button[data-lang=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.inner_text(".nav-items a[href='/']") == "Dashboard"
    page.goto("/clues")
    assert "Clue queue" in page.inner_text("h1")
    shot(page, "20-en-clue-queue")
    page.click("button[data-lang=zh]")
    page.wait_for_selector("html[lang=zh-CN]")


def test_builder_runs_a_model_and_watches_it(context) -> None:  # type: ignore[no-untyped-def]
    page = context.new_page()
    login(page, "builder")
    page.goto("/models/pension.after_death")
    no_external_refs(page)
    page.click("#run-model")
    job = page.wait_for_selector("#jobs article.job[data-state=done]", timeout=120_000)
    assert job is not None
    text = job.inner_text()
    assert "已完成" in text and "条线索" in text
    shot(page, "21-model-run-done")
