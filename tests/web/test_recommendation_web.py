"""The recommendation (检察建议书) drafted from the workbench with a document number, a date
and a format: the form on the clue and case pages, read back from the .docx (python-docx) and
the PDF (poppler's ``pdftotext``), refused with a clear message when the number or the date is
not well formed, audited with its number, date and format; in Chromium, the form itself.

A deactivated assignee is marked on the clue page and in the queue, and the assign selects no
longer offer them."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import sqlalchemy as sa

from lexradar.clues import audit
from lexradar.clues.access import SYSTEM, add_user, user
from lexradar.clues.db import Casebook
from lexradar.clues.tables import clues, procuratorates
from lexradar.clues.users import deactivate
from lexradar.clues.workflow import assign
from tests.web.conftest import PASSWORD, SCREENSHOTS, World, login_client

NUMBER = "昆检建〔2026〕7号"
DAY = "2026-06-03"
CHINESE_DAY = "二〇二六年六月三日"


def _docx_text(body: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _pdf_text(body: bytes, folder: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "poppler-utils (pdftotext) reads the PDF back"
    path = folder / "draft.pdf"
    path.write_bytes(body)
    done = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def _flat(text: str) -> str:
    """Text without white space (pdftotext may break a line anywhere in a CJK run)."""
    return re.sub(r"\s+", "", text)


def _confirmed_clue(world: World) -> tuple[int, str]:
    """A clue a recommendation may be drafted for (confirmed, or already a case), and its
    procuratorate's name."""
    cb = Casebook.open(world.url)
    try:
        with cb.read() as conn:
            row = conn.execute(
                sa.select(clues.c.id, procuratorates.c.name)
                .join(procuratorates, procuratorates.c.code == clues.c.procuratorate_code)
                .where(clues.c.status.in_(("confirmed", "supervised", "closed")))
                .order_by(clues.c.id)
            ).first()
    finally:
        cb.dispose()
    assert row is not None
    return int(row.id), str(row.name)


def _last_document(world: World, subject: str) -> dict[str, Any]:
    cb = Casebook.open(world.url)
    try:
        entries = audit.tail(cb, 20)
    finally:
        cb.dispose()
    found = [e for e in entries if e.action == "document.recommendation" and e.subject == subject]
    assert found, [(e.action, e.subject) for e in entries]
    return dict(json.loads(found[-1].detail))


def _form(client: Any, **data: str) -> dict[str, str]:
    return {"csrf_token": client.csrf, **data}


def test_clue_recommendation_with_number_and_date_as_docx_and_pdf(  # type: ignore[no-untyped-def]
    app, world: World, tmp_path: Path
) -> None:
    clue, _ = _confirmed_clue(world)
    admin = login_client(app, "admin")
    url = f"/clues/{clue}/recommendation"

    answer = admin.post(url, data=_form(admin, number=NUMBER, date=DAY, format="docx"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert f"recommendation-clue-{clue}.docx" in answer.headers["content-disposition"]
    text = _docx_text(answer.content)
    assert NUMBER in text and CHINESE_DAY in text
    assert not re.search(r"(?<!\d)\d{17}[\dX](?!\d)", text)  # masked: no reveal asked for
    detail = _last_document(world, f"clue:{clue}")
    assert detail["number"] == NUMBER and detail["date"] == DAY and detail["format"] == "docx"
    assert detail["revealed"] is False and detail["file"] == f"recommendation-clue-{clue}.docx"

    # typed brackets are read as 〔〕; the PDF says the same number and date
    typed = NUMBER.replace("〔", "[").replace("〕", "]")
    answer = admin.post(url, data=_form(admin, number=typed, date=DAY, format="pdf"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")
    pdf = _flat(_pdf_text(answer.content, tmp_path))
    assert NUMBER in pdf and CHINESE_DAY in pdf, pdf[:400]
    detail = _last_document(world, f"clue:{clue}")
    assert (detail["number"], detail["date"], detail["format"]) == (NUMBER, DAY, "pdf")
    assert detail["template"] == "GB/T 9704 (pdf)"


def test_a_bare_number_and_the_default_date(app, world: World) -> None:  # type: ignore[no-untyped-def]
    """Just the number in the year: the organ is the procuratorate's name less 人民检察院 and
    the year the date's; no date: today's."""
    clue, name = _confirmed_clue(world)
    admin = login_client(app, "admin")
    answer = admin.post(f"/clues/{clue}/recommendation", data=_form(admin, number=" 12 "))
    assert answer.status_code == 200, answer.text
    today = dt.date.today()
    text = _docx_text(answer.content)
    short = name.removesuffix("人民检察院")
    assert f"{short}检建〔{today.year}〕12号" in text
    from lexradar.reports.recommendation import chinese_date

    assert chinese_date(today) in text
    detail = _last_document(world, f"clue:{clue}")
    assert detail["date"] == today.isoformat() and detail["number"].endswith("〕12号")
    # no number: a blank to fill in, recorded as none
    answer = admin.post(f"/clues/{clue}/recommendation", data=_form(admin, date=DAY))
    assert answer.status_code == 200
    assert _last_document(world, f"clue:{clue}")["number"] is None


BAD = [
    ({"number": "昆检〔2026〕7号"}, "文号应写作", "A document number is written"),
    ({"number": "昆检建〔2026〕07号"}, "不编虚位", "no leading zero"),
    ({"number": "0"}, "从 1 起编", "starts at 1"),
    ({"number": "昆检建〔2025〕7号"}, "与成文日期的年份 2026 不一致", "not the year"),
    ({"number": "7", "date": "2026-02-30"}, "成文日期应写作", "The date is written"),
    ({"number": "7", "date": "03/06/2026"}, "成文日期应写作", "The date is written"),
    ({"number": "7", "date": "1899-01-01"}, "2000 至 2099", "from 2000 to 2099"),
    ({"format": "odt"}, "格式只能是", "The format is docx or pdf"),
    ({"reveal": "1", "reason": "  "}, "需说明理由", "needs a reason"),
]


@pytest.mark.parametrize(("data", "zh", "en"), BAD)
def test_a_bad_number_or_date_is_refused_with_a_message(  # type: ignore[no-untyped-def]
    app, world: World, data: dict[str, str], zh: str, en: str
) -> None:
    clue, _ = _confirmed_clue(world)
    client = login_client(app, "admin")
    form = {"date": DAY, **data}
    page = client.post(f"/clues/{clue}/recommendation", data=_form(client, **form))
    assert page.status_code == 400, page.text[:300]
    message = (
        lxml.html.fromstring(page.text).xpath('//p[contains(@class, "error")]')[0].text_content()
    )
    assert zh in message, message  # the page says what is wrong, in Chinese by default
    client.post("/lang", data={"lang": "en"})
    page = client.post(f"/clues/{clue}/recommendation", data=_form(client, **form))
    assert page.status_code == 400 and en in page.text


def test_case_recommendation_revealed_and_the_same_access_rules(  # type: ignore[no-untyped-def]
    app, world: World, tmp_path: Path
) -> None:
    admin = login_client(app, "admin")
    listed = admin.get("/api/cases").json()
    case = (listed.get("cases", listed) if isinstance(listed, dict) else listed)[0]["id"]
    page = admin.get("/cases")
    form = lxml.html.fromstring(page.text).xpath(
        f'//tr[@id="case-{case}"]//form[contains(@class, "recommendation")]'
    )
    assert form and form[0].get("action") == f"/cases/{case}/recommendation"
    assert form[0].xpath('.//input[@name="date"]')[0].get("value") == dt.date.today().isoformat()

    data = _form(admin, number=NUMBER, date=DAY, format="pdf", reveal="1", reason="送达核对")
    answer = admin.post(f"/cases/{case}/recommendation", data=data)
    assert answer.status_code == 200, answer.text
    pdf = _flat(_pdf_text(answer.content, tmp_path))
    assert NUMBER in pdf and CHINESE_DAY in pdf
    detail = _last_document(world, f"case:{case}")
    assert detail["revealed"] is True and detail["reason"] == "送达核对"
    assert (detail["number"], detail["date"], detail["format"]) == (NUMBER, DAY, "pdf")

    docx = admin.post(f"/cases/{case}/recommendation", data=_form(admin, number="3", date=DAY))
    assert NUMBER.replace("7号", "3号")[1:] in _docx_text(docx.content)  # the organ's own name

    builder = login_client(app, "builder")  # a model builder does not work clues
    refused = builder.post(f"/cases/{case}/recommendation", data=_form(builder, date=DAY))
    assert refused.status_code == 403
    clue, _ = _confirmed_clue(world)
    outsider = login_client(app, "other_handler")  # another county's handler: not found
    cb = Casebook.open(world.url)
    with cb.read() as conn:
        code = conn.execute(
            sa.select(clues.c.procuratorate_code).where(clues.c.id == clue)
        ).scalar_one()
    cb.dispose()
    if not code.startswith(world.other_county):
        hidden = outsider.post(f"/clues/{clue}/recommendation", data=_form(outsider, date=DAY))
        assert hidden.status_code == 404


def test_the_form_in_chromium(browser, live_server: str, world: World, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clue, _ = _confirmed_clue(world)
    ctx = browser.new_context(base_url=live_server, locale="zh-CN", accept_downloads=True)
    try:
        page = ctx.new_page()
        page.goto("/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(re.compile(r"/$"))
        page.goto(f"/clues/{clue}")
        box = page.locator("#recommendation-form")
        box.locator("summary").click()
        assert box.locator("input[name=date]").input_value() == dt.date.today().isoformat()
        box.locator("input[name=number]").fill("昆检建〔2026〕9号")
        box.locator("input[name=date]").fill(DAY)
        box.locator("input[name=format][value=pdf]").check()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "recommendation-form-clue.png"), full_page=True)
        with page.expect_download() as info:
            box.locator("button[type=submit]").click()
        download = info.value
        assert download.suggested_filename == f"recommendation-clue-{clue}.pdf"
        path = tmp_path / "from-browser.pdf"
        download.save_as(str(path))
        text = _flat(_pdf_text(path.read_bytes(), tmp_path))
        assert "昆检建〔2026〕9号" in text and CHINESE_DAY in text
        # a bad number: the page says so (400), not a server error
        page.goto(f"/clues/{clue}")
        box.locator("summary").click()
        box.locator("input[name=number]").fill("第9号")
        with page.expect_response(lambda r: r.url.endswith("/recommendation")) as answer:
            box.locator("button[type=submit]").click()
        assert answer.value.status == 400
        assert "文号应写作" in page.locator("p.error").inner_text()
        page.goto("/cases")  # the same form in each case's row
        row = page.locator("#case-list tbody tr[data-case]").first
        row.locator("details.recommendation-form summary").click()
        assert row.locator("input[name=date]").input_value() == dt.date.today().isoformat()
        page.screenshot(path=str(SCREENSHOTS / "recommendation-form-cases.png"), full_page=True)
        with page.expect_download() as info:
            row.locator("form.recommendation button[type=submit]").click()
        assert info.value.suggested_filename.endswith(".docx")
    finally:
        ctx.close()


# --- a deactivated assignee ------------------------------------------------------------------


def _new_clue_elsewhere(world: World) -> tuple[int, str]:
    """A new clue away from the counties the other browser tests work in."""
    cb = Casebook.open(world.url)
    try:
        with cb.read() as conn:
            row = conn.execute(
                sa.select(clues.c.id, clues.c.procuratorate_code)
                .where(
                    clues.c.status == "new",
                    clues.c.procuratorate_code != world.county,
                    clues.c.procuratorate_code != world.other_county,
                )
                .order_by(clues.c.id.desc())
            ).first()
    finally:
        cb.dispose()
    assert row is not None
    return int(row.id), str(row.procuratorate_code)


def _options(html: str, selector: str) -> list[str]:
    doc = lxml.html.fromstring(html)
    return [o.get("value") for o in doc.xpath(f"{selector}//option") if o.get("value")]


def test_a_deactivated_assignee_is_marked_and_not_offered(app, world: World) -> None:  # type: ignore[no-untyped-def]
    clue, code = _new_clue_elsewhere(world)
    name = f"leaver_{clue}"
    cb = Casebook.open(world.url)
    try:
        add_user(cb, SYSTEM, name, PASSWORD, "handler", code)
        admin_user = user(cb, "admin")
        assign(cb, admin_user, clue, None, name)
        client = login_client(app, "admin")
        page = client.get(f"/clues/{clue}")
        cell = lxml.html.fromstring(page.text).xpath('//*[@id="assignee"]')[0]
        assert cell.text_content().strip() == name  # active: the name alone
        assert name in _options(page.text, '//*[@id="actions"]//select[@name="assignee"]')

        deactivate(cb, admin_user, name, None)
    finally:
        cb.dispose()
    page = client.get(f"/clues/{clue}")
    cell = lxml.html.fromstring(page.text).xpath('//*[@id="assignee"]')[0]
    assert cell.text_content().strip() == f"{name}（已停用）"
    assert cell.xpath(".//*[@data-deactivated]")
    offered = _options(page.text, '//*[@id="actions"]//select[@name="assignee"]')
    assert offered and name not in offered  # the others still are

    queue = client.get("/clues", params={"procuratorate": code, "status": "assigned", "size": 500})
    assert queue.status_code == 200
    doc = lxml.html.fromstring(queue.text)
    row = doc.xpath(f'//tr[@data-clue="{clue}"]')
    assert row, "the clue is in its procuratorate's queue"
    assert (
        row[0].xpath('.//td[contains(@class, "assignee")]')[0].text_content().strip()
        == f"{name}（已停用）"
    )
    assert name not in _options(queue.text, '//select[@name="assignee"]')

    client.post("/lang", data={"lang": "en"})
    page = client.get(f"/clues/{clue}")
    cell = lxml.html.fromstring(page.text).xpath('//*[@id="assignee"]')[0]
    assert cell.text_content().strip() == f"{name} (deactivated)"
    # the select does not offer them, and a crafted request is refused too
    version = lxml.html.fromstring(page.text).xpath('//*[@id="actions"]//input[@name="version"]')[0]
    refused = client.post(
        f"/clues/{clue}/act",
        data=_form(client, action="assign", assignee=name, version=version.get("value")),
        follow_redirects=False,
    )
    assert refused.status_code == 404, refused.text[:200]
