"""The ingestion batch pages over a lake filled by really ingesting a raw GB18030 export: the list,
one batch's quality report (figures, quarantine reasons, ID defects), both languages, roles."""

from __future__ import annotations

import re
import textwrap

import pytest

from lexradar.clues.access import SYSTEM, add_user
from lexradar.clues.db import Casebook
from lexradar.normalize.resident_id import check_digit
from lexradar.settings import load_settings

PASSWORD = "batch-secret-1"


def _id(body17: str) -> str:
    return body17 + check_digit(body17)


@pytest.fixture(scope="module")
def batch_app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from lexradar.ingest import ingest
    from lexradar.web.app import create_app

    folder = tmp_path_factory.mktemp("batches")
    rows = [
        "身份证号,姓名,死亡日期",
        f"{_id('15040219500101001')},张 三,2024年3月8日",
        f"{_id('15040219600202002')},李四,2024/5/1",
        "150402620303003,王五,20240601",  # 15-digit: converted, a warning
        f"{_id('15040219700404004')},赵六,不详",  # no date: quarantined
    ]
    (folder / "deaths.csv").write_bytes(("\r\n".join(rows) + "\r\n").encode("gb18030"))
    mapping = folder / "deaths.yaml"
    mapping.write_text(
        textwrap.dedent(f"""\
            dataset: deaths
            files: {folder / "deaths.csv"}
            columns:
              person_id: 身份证号
              name: 姓名
              death_date: 死亡日期
            constants:
              source: cremation
            """),
        encoding="utf-8",
    )
    lake = folder / "lake"
    [result] = ingest([mapping], lake)
    assert (result.read, result.loaded, result.quarantined) == (4, 3, 1)
    url = f"sqlite:///{folder / 'casebook.db'}"
    casebook = Casebook.open(url)
    casebook.init()
    add_user(casebook, SYSTEM, "leader", PASSWORD, "leader", "150000")
    add_user(casebook, SYSTEM, "handler", PASSWORD, "handler", "150402")
    casebook.dispose()
    app = create_app(load_settings(lake=lake, casebook_url=url), secret_key="batch-key")
    return app, result


def _shown(html: str) -> str:
    """The page's main text, tags dropped and whitespace squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1]).split())


def _login(app, username: str):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    client = TestClient(app)
    token = client.get("/api/session").json()["csrf_token"]
    answer = client.post(
        "/api/login",
        json={"username": username, "password": PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def test_batch_list_and_detail_show_the_quality_report(batch_app) -> None:  # type: ignore[no-untyped-def]
    app, result = batch_app
    client = _login(app, "leader")
    listing = client.get("/batches")
    assert listing.status_code == 200
    assert result.batch_id[:12] in listing.text and "deaths.csv" in listing.text
    page = client.get(f"/batches/{result.batch_id[:12]}")
    assert page.status_code == 200
    text = page.text
    assert f"批次 {result.batch_id[:12]}" in text
    assert "数据质量报告" in text and "隔离原因" in text and "身份证号问题" in text
    # the figures of this batch: 4 read, 3 loaded, 1 quarantined, one 15-digit ID converted
    for figure in ("读取", "入库", "隔离"):
        assert figure in text
    assert '<div class="value">4</div>' in text
    assert '<div class="value">3</div>' in text
    assert '<div class="value">1</div>' in text
    shown = _shown(text)
    assert "文件编码 gb18030" in shown and "读取行数 4 入库行数 3 隔离行数 1" in shown
    assert "日期无效 1" in shown and "死亡日期: 日期无效 1" in shown
    assert "15位号码已升位 (已保留) 1" in shown and "姓名含空格 1" in shown
    assert "死亡日期 2024-03-08 … 2024-06-01" in shown


def test_batch_detail_in_english(batch_app) -> None:  # type: ignore[no-untyped-def]
    app, result = batch_app
    client = _login(app, "leader")
    answer = client.post("/lang", data={"lang": "en"}, follow_redirects=False)
    assert answer.status_code in (302, 303), answer.text
    page = client.get(f"/batches/{result.batch_id[:12]}")
    assert page.status_code == 200
    shown = _shown(page.text)
    assert f"Batch {result.batch_id[:12]}" in shown and "Quality report" in shown
    assert "Read 4" in shown and "Quarantined 1" in shown and "批次" not in shown


def test_unknown_or_too_short_batch_is_not_found(batch_app) -> None:  # type: ignore[no-untyped-def]
    app, result = batch_app
    client = _login(app, "leader")
    assert client.get("/batches/ffffffffffff").status_code == 404
    assert client.get(f"/batches/{result.batch_id[:3]}").status_code == 404


def test_a_county_handler_may_not_see_batches(batch_app) -> None:  # type: ignore[no-untyped-def]
    app, result = batch_app
    client = _login(app, "handler")
    assert client.get(f"/batches/{result.batch_id[:12]}").status_code == 403
    assert client.get("/batches").status_code == 403
