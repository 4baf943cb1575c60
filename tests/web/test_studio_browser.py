"""The model studio in a real browser (Chromium through Playwright): a model builder rebuilds
``traffic.license_not_revoked`` from one planted case through the element blocks, tries it,
compares it with the built-in model, promotes it to production, and it finds the same clues as
the built-in model. Pages are screenshotted to ``test-artifacts/screenshots/studio-*.png``."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from lexradar.clues import audit
from lexradar.clues.db import Casebook
from lexradar.engine import open_engine
from lexradar.models.registry import Registry
from lexradar.models.run import run_model
from lexradar.synth import SynthResult
from lexradar.synth.score import read_truth
from tests.web.conftest import PASSWORD, SCREENSHOTS, World, _free_port

AS_OF = dt.date(2026, 11, 28)
ID18 = re.compile(r"\b\d{17}[\dX]\b")
TRAFFIC = "traffic.license_not_revoked"


@pytest.fixture(scope="module")
def studio_server(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """The workbench with a project of its own: models compile into a fresh folder that is the
    project's ``model_paths``; drafts live beside it. Its base URL and the project folder."""
    import uvicorn

    from lexradar.web.app import create_app

    project = tmp_path_factory.mktemp("studio-project")
    settings = world.settings.model_copy(
        update={"model_paths": [project / "models"], "as_of": AS_OF}
    )
    app = create_app(settings, secret_key="studio-secret-key")
    app.state.studio_dir = str(project / "studio")
    assert app.state.has_studio
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the workbench did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", project
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(browser, studio_server: tuple[str, Path]) -> Iterator[object]:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(
        base_url=studio_server[0], locale="zh-CN", viewport={"width": 1400, "height": 1000}
    )
    requests: list[str] = []
    ctx.on("request", lambda r: requests.append(r.url))
    yield ctx.new_page()
    ctx.close()
    outside = [u for u in requests if urlparse(u).hostname not in ("127.0.0.1", None)]
    assert not outside, f"requests left the machine: {outside}"


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"studio-{name}.png"), full_page=True)


def test_build_try_promote_traffic_from_one_case(  # type: ignore[no-untyped-def]
    page, world: World, region: SynthResult, studio_server: tuple[str, Path]
) -> None:
    truth = read_truth(region.out / "truth.csv")
    planted = next(t for t in truth if t.model_id == TRAFFIC and t.difficulty == "exact"
                   and t.kind == "planted")  # fmt: skip
    judgment = next(r for r in planted.refs if r.startswith("judgments:"))
    licence = next(r for r in planted.refs if r.startswith("driver_licenses:"))
    (person,) = planted.person_ids

    # log in as the model builder; the studio is in the navigation
    page.goto("/login")
    page.fill("input[name=username]", "builder")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    page.click("nav a[href='/studio']")
    page.wait_for_url(re.compile(r"/studio$"))

    # 1. start from the case: search the person's ID, pick the judgment and the licence
    page.fill("#studio-q", person)
    page.click("#studio-search")
    page.wait_for_selector("#found")
    assert page.locator(f"#found tr[data-ref='{judgment}']").count() == 1
    assert not ID18.search(page.inner_text("#found"))  # personal data masked
    shot(page, "search")
    page.check(f"input[name=case][value='{judgment}']")
    page.check(f"input[name=case][value='{licence}']")
    page.click("#pick-records")
    page.wait_for_url(re.compile(r"/studio/new\?"))

    # the judgment is the base record; its charge (a parameter), kind and role are the elements
    page.check(f"input[name=base][value='{judgment}']")
    for column in ("cause", "case_kind", "party_role"):
        page.check(f"input[name=keep][value='{judgment}|{column}']")
    page.check(f"input[name=param][value='{judgment}|cause']")
    page.fill("input[name=model_id]", TRAFFIC)
    page.select_option("select[name=domain]", "administrative")
    page.fill("input[name=title_zh]", "醉驾入刑后驾驶证未吊销")
    page.fill("input[name=title_en]", "Licence not revoked after a dangerous-driving conviction")
    page.fill("textarea[name=rule_zh]", "危险驾驶罪判决生效后驾驶证未依法吊销")
    page.fill("textarea[name=rule_en]", "the licence is still valid after the conviction")
    page.fill("textarea[name=legal_basis]", "《中华人民共和国道路交通安全法》第九十一条第二款")
    shot(page, "new")
    page.click("#create-draft")
    page.wait_for_url(re.compile(rf"/studio/{re.escape(TRAFFIC)}$"))
    assert page.inner_text("#draft-status") == "草稿"
    assert page.locator("#block-list li[data-kind=match]").count() == 1

    # 2. the element "no revocation within revoke_within_days days": a parameter and a block
    page.fill("#add-param input[name=name]", "revoke_within_days")
    page.fill("#add-param input[name=default]", "90")
    page.fill("#add-param input[name=doc]", "判决生效后应吊销驾驶证的期限（日）")
    page.click("#add-param button[type=submit]")
    page.wait_for_selector("#params code:text('revoke_within_days')")
    page.select_option("#block-kind", "not_exists")
    page.select_option("#block-dataset", "driver_licenses")
    page.fill("#add-block input[name=date]", "status_date")
    page.fill("#add-block input[name=days]", "revoke_within_days")
    page.fill("#add-block textarea[name=where]", "status in revoked,cancelled")
    page.click("#add-block-button")
    page.wait_for_selector("#block-list li[data-kind=not_exists]")
    sql = page.input_value("#model-sql")
    assert "NOT EXISTS" in sql and ":revoke_within_days" in sql
    assert "judgment_record_id" in page.text_content("#model-yaml")
    shot(page, "draft")

    # 3. try it on the lake: hits with explanations, one of them the starting case
    page.click("#try-button")
    page.wait_for_url(re.compile(r"/hits$"))
    count = page.inner_text("#hit-count")
    hits, involving = map(int, re.search(r"命中 (\d+) 条，其中涉及本案 (\d+) 条", count).groups())  # type: ignore[union-attr]
    assert hits >= 5 and involving == 1
    assert page.locator("#hits tr[data-case='1']").count() == 1
    assert "危险驾驶罪" in page.inner_text("#hits tr[data-case='1']")  # the explanation
    assert "*" in page.inner_text("#hits") and not ID18.search(page.inner_text("#hits"))
    fingerprints = set(
        page.eval_on_selector_all(
            "#hits tr[data-fingerprint]", "rows => rows.map(r => r.dataset.fingerprint)"
        )
    )
    shot(page, "hits")

    # the same clues as the built-in model, computed here on the same lake as of the same day
    with open_engine(world.lake) as engine:
        pack, _ = run_model(engine, Registry().get(TRAFFIC), AS_OF)
    assert fingerprints == set(pack.column("fingerprint").to_pylist())

    # a hit judged true becomes a positive golden example
    other = next(
        f for f in sorted(fingerprints) if f not in page.inner_text("#hits tr[data-case='1']")
    )
    page.click(f"#hit-{other} button[value=true]")
    page.wait_for_selector("#marked")
    assert other in page.inner_text("#marked")

    # 4. compare with the built-in model: nothing gained, nothing lost
    page.goto(f"/studio/{TRAFFIC}#compare")
    page.select_option("#compare-left", f"{TRAFFIC}@pack")
    page.click("#compare-button")
    page.wait_for_selector("#compare-summary")
    summary = page.inner_text("#compare-summary")
    assert f"共同 {hits} 条，新增 0 条，减少 0 条" in summary
    shot(page, "compare")

    # 5. golden examples: the starting case and the judged hit, both positive, both pass
    page.goto(f"/studio/{TRAFFIC}/examples")
    assert page.inner_text("#examples-summary") == "2/2 个正反例通过"

    # 6. promote: draft → testing → production, recorded and audited
    page.goto(f"/studio/{TRAFFIC}#lifecycle")
    page.select_option("#promote-to", "testing")
    page.fill("#promote-reason", "正例通过")
    page.click("#promote-button")
    page.wait_for_selector("#draft-status:text('测试')")
    page.select_option("#promote-to", "production")
    page.fill("#promote-reason", "与内置模型线索一致")
    page.click("#promote-button")
    page.wait_for_selector("#draft-status:text('已上线')")
    history = page.inner_text("#history")
    assert history.count("builder") == 2 and "与内置模型线索一致" in history
    assert page.locator("#not-editable").count() == 1 and page.locator("#add-block").count() == 0
    shot(page, "promoted")
    casebook = Casebook.open(world.url)
    try:
        moves = [e for e in audit.tail(casebook, 200) if e.action == "model.move"]
        assert [(e.actor, e.subject) for e in moves[-2:]] == [("builder", f"model:{TRAFFIC}")] * 2
        assert audit.verify(casebook) is None
    finally:
        casebook.dispose()
    _, project = studio_server
    header = (project / "models" / "traffic" / "license_not_revoked.yaml").read_text("utf-8")
    assert "status: production" in header

    # the English switch
    page.click("button[data-lang=en]")
    page.wait_for_selector("#draft-status:text('production')")
    assert page.locator("h2:text('Element blocks')").count() == 1
    shot(page, "english")


def test_the_studio_is_for_model_builders_and_names_bad_input(
    world: World, tmp_path: Path, region: SynthResult
) -> None:
    from lexradar.web.app import create_app
    from tests.web.conftest import login_client

    settings = world.settings.model_copy(
        update={"model_paths": [tmp_path / "models"], "as_of": AS_OF}
    )
    app = create_app(settings, secret_key="studio-test-key")
    app.state.studio_dir = str(tmp_path / "studio")
    handler = login_client(app, "county_handler")
    assert handler.get("/studio").status_code == 403
    builder = login_client(app, "builder")
    assert builder.get("/studio").status_code == 200
    planted = next(t for t in read_truth(region.out / "truth.csv") if t.model_id == TRAFFIC)
    judgment = next(r for r in planted.refs if r.startswith("judgments:"))
    form = {
        "model_id": "test.from_case", "domain": "criminal", "base": judgment,
        "case": [judgment], "title_zh": "测", "title_en": "t", "rule_zh": "测", "rule_en": "t",
        "legal_basis": "测试",
    }  # fmt: skip
    answer = builder.post("/studio/new", data={**form, "case": ["judgments:NOPE"]})
    assert answer.status_code == 400 and "judgments:NOPE" in answer.text
    assert builder.post("/studio/new", data=form, follow_redirects=False).status_code == 303
    bad = builder.post(
        "/studio/test.from_case/blocks",
        data={"kind": "not_exists", "dataset": "deaths", "date": "died_on", "days": "30"},
    )
    assert bad.status_code == 400 and "date &#39;died_on&#39; is not a field of deaths" in bad.text
    assert (
        not (tmp_path / "models" / "test" / "from_case.yaml").read_text("utf-8").count("not_exists")
    )
    without_token = builder.post(
        "/studio/test.from_case/promote", data={"to": "testing"}, headers={"X-CSRF-Token": ""}
    )
    assert without_token.status_code == 403
