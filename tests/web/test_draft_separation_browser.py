"""Draft / production separation in the workbench, end to end in a real browser (Chromium
through Playwright), on a copy of the shared casebook.

A model builder makes a model under a new id from a planted case in the studio and moves it to
testing. While it is in testing the catalogue shows it as testing beside the production models,
the workbench does not run it into the casebook (no run button; a posted run is refused in
Chinese), and a handler's queue neither offers it nor holds a clue of it. A new draft under an
id that has a draft already is refused; a draft under a built-in model's id is only a candidate
and the catalogue keeps the built-in. Promoted to production (its golden example passing), a
run from its page loads its clues, a handler of a county they fall in finds them in the queue,
and the audit chain holds the moves, the run and the load.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import re
import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from lexradar.clues import audit
from lexradar.clues.access import SYSTEM, add_user
from lexradar.clues.db import Casebook
from lexradar.clues.tables import clues
from lexradar.models.registry import Registry
from lexradar.synth import SynthResult
from lexradar.synth.score import read_truth
from tests.web.conftest import PASSWORD, World, _free_port, copy_casebook

AS_OF = dt.date(2026, 11, 28)
TRAFFIC = "traffic.license_not_revoked"
NEW = "traffic.drunk_driving_judged"
"""The new model: not an id of the pack."""


@pytest.fixture(scope="module")
def served(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The workbench over a copy of the shared casebook, with a project of its own (models in
    ``model_paths``, drafts beside them); its base URL and the casebook's URL."""
    import uvicorn

    from lexradar.web.app import create_app

    project = tmp_path_factory.mktemp("separation-project")
    url = copy_casebook(world, project)
    settings = world.settings.model_copy(
        update={"model_paths": [project / "models"], "as_of": AS_OF, "casebook_url": url}
    )
    app = create_app(settings, secret_key="separation-secret-key")
    app.state.studio_dir = str(project / "studio")
    port = _free_port()
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


def _login(browser, base: str, username: str):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(
        base_url=base, locale="zh-CN", viewport={"width": 1400, "height": 900}
    )
    page = ctx.new_page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    return ctx, page


def _count(url: str, model_id: str) -> collections.Counter[str]:
    """Clues of ``model_id`` in the casebook, by procuratorate."""
    casebook = Casebook.open(url)
    try:
        with casebook.read() as conn:
            rows = conn.execute(
                sa.select(clues.c.procuratorate_code).where(clues.c.model_id == model_id)
            ).scalars()
            return collections.Counter(rows)
    finally:
        casebook.dispose()


def _new_draft(page, judgment: str, model_id: str) -> None:  # type: ignore[no-untyped-def]
    """Fill the studio's new-draft form for the judgment (the base record) and submit it."""
    page.goto(f"/studio/new?case={judgment}")
    page.check(f"input[name=base][value='{judgment}']")
    for column in ("cause", "case_kind", "party_role"):
        page.check(f"input[name=keep][value='{judgment}|{column}']")
    page.check(f"input[name=param][value='{judgment}|cause']")
    page.fill("input[name=model_id]", model_id)
    page.select_option("select[name=domain]", "administrative")
    page.fill("input[name=title_zh]", "危险驾驶罪判决")
    page.fill("input[name=title_en]", "Dangerous-driving judgments")
    page.fill("textarea[name=rule_zh]", "危险驾驶罪判决")
    page.fill("textarea[name=rule_en]", "a dangerous-driving judgment")
    page.fill("textarea[name=legal_basis]", "《中华人民共和国道路交通安全法》第九十一条第二款")
    page.click("#create-draft")


def _status_cells(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Model id → the status the catalogue shows for it."""
    return dict(
        page.eval_on_selector_all(
            "#model-list tbody tr",
            "rows => rows.map(r => [r.dataset.model, r.cells[3].innerText.trim()])",
        )
    )


def test_a_testing_model_stays_out_of_the_casebook_until_production(  # type: ignore[no-untyped-def]
    browser, world: World, region: SynthResult, served: tuple[str, str]
) -> None:
    base, url = served
    pack = Registry()
    assert NEW not in pack.pack and TRAFFIC in pack.pack
    truth = read_truth(region.out / "truth.csv")
    planted = next(t for t in truth if t.model_id == TRAFFIC and t.difficulty == "exact"
                   and t.kind == "planted")  # fmt: skip
    judgment = next(r for r in planted.refs if r.startswith("judgments:"))
    before = audit.tail(Casebook.open(url), 1)[0].seq

    ctx, page = _login(browser, base, "builder")
    try:
        # a draft under a new id from the planted case, its case its golden example; to testing
        _new_draft(page, judgment, NEW)
        page.wait_for_url(re.compile(rf"/studio/{re.escape(NEW)}$"))
        assert page.inner_text("#draft-status") == "草稿"
        page.goto(f"/studio/{NEW}/examples")
        assert page.inner_text("#examples-summary") == "1/1 个正反例通过"
        page.goto(f"/studio/{NEW}#lifecycle")
        page.select_option("#promote-to", "testing")
        page.fill("#promote-reason", "正例通过，进入测试")
        page.click("#promote-button")
        page.wait_for_selector("#draft-status:text('测试')")

        # (1) the catalogue shows it as testing, the pack's models as in production
        page.goto("/models")
        shown = _status_cells(page)
        assert shown[NEW] == "测试中"
        assert {shown[m] for m in pack.pack} == {"已上线"}
        assert page.inner_text(f"#model-list tr[data-model='{NEW}'] td:nth-child(2)") == (
            "危险驾驶罪判决"
        )

        # (2) its page offers no run into the casebook; a run posted anyway is refused in Chinese
        page.click(f"#model-list a[href='/models/{NEW}']")
        page.wait_for_url(re.compile(rf"/models/{re.escape(NEW)}$"))
        assert page.locator("#run-model").count() == 0
        assert "测试中" in page.inner_text("#run-refused")
        token = page.get_attribute("input[name=csrf_token]", "value")
        refused = page.request.post(f"/models/{NEW}/run", form={"csrf_token": token or ""})
        assert refused.status == 409
        assert "未上线" in refused.text() and "不能运行入库" in refused.text()
        by_api = page.request.post(f"/api/models/{NEW}/run", headers={"X-CSRF-Token": token or ""})
        assert by_api.status == 409 and "不能运行入库" in by_api.text()  # the API refuses it too
        assert not _count(url, NEW)

        # (4) a new draft under an id that has a draft already is refused, with the reason
        _new_draft(page, judgment, NEW)
        page.wait_for_selector("text=exists already")
        assert f"a draft {NEW} exists already" in page.inner_text("main")
        # a draft under a built-in model's id is only a candidate: the catalogue keeps the pack's
        _new_draft(page, judgment, TRAFFIC)
        page.wait_for_url(re.compile(rf"/studio/{re.escape(TRAFFIC)}$"))
        assert page.inner_text("#draft-status") == "草稿"
        page.goto("/models")
        assert _status_cells(page)[TRAFFIC] == "已上线"
        row = page.inner_text(f"#model-list tr[data-model='{TRAFFIC}'] td:nth-child(2)")
        assert row == pack.get(TRAFFIC).spec.title.zh
    finally:
        ctx.close()

    # (3) a handler of the region: the queue's model filter does not offer it, it holds none
    ctx, page = _login(browser, base, "county_handler")
    try:
        page.goto("/clues")
        offered = page.eval_on_selector_all(
            "select[name=model] option", "os => os.map(o => o.value)"
        )
        assert len(offered) > 1 and NEW not in offered  # the production models it has clues of
        assert page.locator(f"#clue-list td[data-model='{NEW}']").count() == 0
        assert NEW not in page.content()
    finally:
        ctx.close()
    assert not _count(url, NEW)

    # promoted to production (the golden example passes), a run from its page loads its clues
    ctx, page = _login(browser, base, "builder")
    try:
        page.goto(f"/studio/{NEW}#lifecycle")
        page.select_option("#promote-to", "production")
        page.fill("#promote-reason", "测试通过，上线")
        page.click("#promote-button")
        page.wait_for_selector("#draft-status:text('已上线')")
        page.goto(f"/models/{NEW}")
        assert page.locator("#run-refused").count() == 0
        page.click("#run-model")
        page.wait_for_selector("#jobs article.job[data-state=done]", timeout=30_000)
        result = page.inner_text("#jobs article.job[data-state=done]")
        found = re.search(r"共 (\d+) 条线索：新增 (\d+)", result)
        assert found, result
        total, new = map(int, found.groups())
        assert total > 0 and new == total
    finally:
        ctx.close()
    loaded = _count(url, NEW)
    assert sum(loaded.values()) == total

    # a handler of a county its clues fall in finds them in the queue through the model filter
    county = max(loaded, key=lambda c: loaded[c])
    casebook = Casebook.open(url)
    try:
        add_user(casebook, SYSTEM, "traffic_handler", PASSWORD, "handler", county)
    finally:
        casebook.dispose()
    ctx, page = _login(browser, base, "traffic_handler")
    try:
        page.goto("/clues")
        offered = page.eval_on_selector_all(
            "select[name=model] option", "os => os.map(o => o.value)"
        )
        assert NEW in offered
        page.select_option("select[name=model]", NEW)
        page.wait_for_url(re.compile(rf"model={re.escape(NEW)}"))
        rows = page.eval_on_selector_all(
            "#clue-list tbody td[data-model]", "ds => ds.map(d => d.dataset.model)"
        )
        assert rows and set(rows) == {NEW} and len(rows) == min(loaded[county], 50)
    finally:
        ctx.close()

    # the audit chain: the two moves, the run and its load, by the builder, and it verifies
    casebook = Casebook.open(url)
    try:
        entries = [e for e in audit.tail(casebook, 500) if e.seq > before]
        moves = [e for e in entries if e.action == "model.move" and e.subject == f"model:{NEW}"]
        assert [e.actor for e in moves] == ["builder", "builder"]
        assert [json.loads(e.detail)["to"] for e in moves] == ["testing", "production"]
        ran = [e for e in entries if e.action == "run.load" and NEW in e.detail]
        assert len(ran) == 1 and ran[0].actor == "builder" and ran[0].seq > moves[1].seq
        assert any(e.action == "clues.load" and e.actor == "builder" for e in entries)
        assert audit.verify(casebook) is None
    finally:
        casebook.dispose()
