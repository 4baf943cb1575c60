"""The recommendation draft (检察建议书), read back with python-docx, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from docx import Document

from lexradar.clues import workflow as wf
from lexradar.clues.access import User
from lexradar.clues.audit import tail, verify
from lexradar.clues.cases import open_case
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError, NotFoundError, PermissionDenied
from lexradar.clues.queries import list_clues
from lexradar.clues.store import load_clues
from lexradar.models import Registry
from lexradar.reports.recommendation import (
    DocNumber,
    DocNumberError,
    DocumentError,
    chinese_date,
    parse_doc_no,
    write_recommendation,
)
from lexradar.reports.templates.make_template import template_path
from tests.clues.conftest import make_clues

MODEL = "traffic.license_not_revoked"
BASIS = "《中华人民共和国道路交通安全法》第九十一条第二款"
PERSON = "150404199001010000"  # make_clues: region 150404, index 0
MASKED = "150404********0000"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry()


@pytest.fixture
def confirmed(casebook: Casebook, people: dict[str, User]) -> tuple[int, int]:
    """Two clues of the traffic model in 150404: the first confirmed, the second new."""
    load_clues(
        casebook,
        make_clues(2, model=MODEL, regions=("150404",)),
        domains={MODEL: "administrative"},
        now=dt.datetime(2026, 3, 1),
    )
    handler = people["songshan"]
    first, second = sorted(c.id for c in list_clues(casebook, handler, model_id=MODEL))
    wf.assign(casebook, handler, first, None, "songshan")
    wf.confirm(casebook, handler, first, None)
    return first, second


def _text(path: Path) -> str:
    """Every paragraph and table cell of a .docx."""
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _last(casebook: Casebook) -> tuple[str, str, dict[str, object]]:
    entry = tail(casebook, 1)[0]
    return entry.action, entry.subject, json.loads(entry.detail)


def test_a_masked_draft_has_facts_basis_recommendation_and_evidence(
    casebook: Casebook,
    people: dict[str, User],
    confirmed: tuple[int, int],
    registry: Registry,
    tmp_path: Path,
) -> None:
    clue, _ = confirmed
    out = write_recommendation(
        casebook, people["songshan"], tmp_path / "r.docx", clue_id=clue, models=registry
    )
    text = _text(out)
    assert "检察建议书" in text and "赤峰市松山区人民检察院" in text
    assert "公安机关交通管理部门：" in text  # the addressee agency
    assert BASIS in text and "第一百三十三条之一" in text  # the legal basis of the model
    assert "依法吊销其机动车驾驶证" in text  # the model's recommendation
    assert f"张**({MASKED})死亡后仍领取养老金" in text  # the fact, masked
    assert PERSON not in text and "张三丰" not in text
    assert "醉驾入刑后驾驶证未吊销线索" in text  # the model's Chinese title, never its id
    assert chinese_date(dt.date.today()) in text
    assert f"赤峰市松山区检建〔{dt.date.today().year}〕　　号" in text  # the number to fill in
    table = Document(str(out)).tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "序号",
        "来源单位",
        "数据",
        "记录编号",
        "线索编号",
    ]
    assert [c.text for c in table.rows[1].cells] == [
        "1",
        "人力资源和社会保障部门",
        "养老金发放",
        "P000000000",
        str(clue),
    ]
    assert _last(casebook) == (
        "document.recommendation",
        f"clue:{clue}",
        {
            "clues": [clue],
            "model": MODEL,
            "revealed": False,
            "template": "recommendation.docx",
            "file": "r.docx",
            "number": None,  # left blank
            "date": dt.date.today().isoformat(),
            "format": "docx",
        },
    )
    assert verify(casebook) is None


def test_reveal_needs_a_role_that_works_clues_and_a_reason(
    casebook: Casebook,
    people: dict[str, User],
    confirmed: tuple[int, int],
    registry: Registry,
    tmp_path: Path,
) -> None:
    clue, _ = confirmed
    out = write_recommendation(
        casebook,
        people["songshan"],
        tmp_path / "open.docx",
        clue_id=clue,
        reveal=True,
        reason="送达前核对当事人身份",
        models=registry,
    )
    text = _text(out)
    assert f"张三丰({PERSON})" in text and MASKED not in text
    assert "含未脱敏个人信息" in text
    entries = tail(casebook, 2)
    assert [(e.action, e.subject) for e in entries] == [
        ("clue.reveal", f"clue:{clue}"),
        ("document.recommendation", f"clue:{clue}"),
    ]
    assert json.loads(entries[1].detail)["revealed"] is True
    assert json.loads(entries[0].detail)["reason"] == "送达前核对当事人身份"

    before = tail(casebook, 1)[0].seq
    refused = tmp_path / "refused.docx"
    with pytest.raises(PermissionDenied, match="model_builder"):
        write_recommendation(
            casebook,
            people["builder"],
            refused,
            clue_id=clue,
            reveal=True,
            reason="想看",
            models=registry,
        )
    with pytest.raises(CasebookError, match="needs a reason"):
        write_recommendation(
            casebook, people["songshan"], refused, clue_id=clue, reveal=True, models=registry
        )
    assert not refused.exists() and tail(casebook, 1)[0].seq == before
    # without reveal the model builder gets the masked draft
    masked = write_recommendation(
        casebook, people["builder"], refused, clue_id=clue, models=registry
    )
    assert MASKED in _text(masked)


def test_only_confirmed_clues_and_cases_inside_the_region(
    casebook: Casebook,
    people: dict[str, User],
    confirmed: tuple[int, int],
    registry: Registry,
    tmp_path: Path,
) -> None:
    clue, new = confirmed
    handler = people["songshan"]
    with pytest.raises(DocumentError, match=f"clue {new} is new"):
        write_recommendation(casebook, handler, tmp_path / "x.docx", clue_id=new, models=registry)
    with pytest.raises(NotFoundError, match="hongshan"):
        write_recommendation(
            casebook, people["hongshan"], tmp_path / "x.docx", clue_id=clue, models=registry
        )
    with pytest.raises(DocumentError, match="either a clue or a case"):
        write_recommendation(casebook, handler, tmp_path / "x.docx", models=registry)
    assert not (tmp_path / "x.docx").exists()

    case = open_case(
        casebook, handler, "procuratorial_recommendation", {clue: None}, title="张三丰驾驶证案"
    )
    out = write_recommendation(
        casebook, people["chifeng_leader"], tmp_path / "case.docx", case_id=case, models=registry
    )
    text = _text(out)
    assert f"案件 {case}（张**驾驶证案）" in text and "张三丰" not in text  # the title masked too
    assert BASIS in text and MASKED in text
    assert _last(casebook)[:2] == ("document.recommendation", f"case:{case}")
    with pytest.raises(NotFoundError, match=f"no case {case}"):
        write_recommendation(
            casebook, people["hongshan"], tmp_path / "y.docx", case_id=case, models=registry
        )


def test_english_and_an_edited_template_folder(
    casebook: Casebook,
    people: dict[str, User],
    confirmed: tuple[int, int],
    registry: Registry,
    tmp_path: Path,
) -> None:
    clue, _ = confirmed
    handler = people["songshan"]
    out = write_recommendation(
        casebook, handler, tmp_path / "en.docx", clue_id=clue, lang="en", models=registry
    )
    text = _text(out)
    assert "Procuratorial Recommendation" in text and "To: the traffic administration" in text
    assert BASIS in text and f"张** ({MASKED}) paid after death" in text

    folder = tmp_path / "ours"
    folder.mkdir()
    doc = Document()
    doc.add_paragraph("致{{ addressee }}：{{ recommendation }}")
    doc.add_paragraph("{{ persons|join('、') }}|{{ legal_basis|length }}|{{ model.id }}")
    doc.save(str(folder / "recommendation.docx"))
    (folder / "recommendations.yaml").write_text(
        f"{MODEL}:\n  addressee: {{zh: 某某市公安局交警支队, en: x}}\n"
        "  recommendation: {zh: 请立即吊销。, en: y}\n",
        encoding="utf-8",
    )
    ours = write_recommendation(
        casebook, handler, tmp_path / "ours.docx", clue_id=clue, template=folder, models=registry
    )
    assert _text(ours).splitlines() == [
        "致某某市公安局交警支队：请立即吊销。",
        f"{MASKED}|4|{MODEL}",
    ]
    broken = tmp_path / "broken.docx"
    doc = Document()
    doc.add_paragraph("{{ addressee ")
    doc.save(str(broken))
    with pytest.raises(DocumentError, match=r"broken\.docx"):
        write_recommendation(
            casebook, handler, tmp_path / "b.docx", clue_id=clue, template=broken, models=registry
        )
    assert not (tmp_path / "b.docx").exists()
    assert not list(tmp_path.glob(".*.part"))


def test_the_shipped_templates_are_what_the_script_builds(tmp_path: Path) -> None:
    from lexradar.reports.templates.make_template import TEXT, build, template_path

    for lang in TEXT:
        built, shipped = (
            Document(str(build(tmp_path / f"{lang}.docx", lang))),
            Document(str(template_path(lang))),
        )
        assert [p.text for p in built.paragraphs] == [p.text for p in shipped.paragraphs]
        assert [c.text for r in built.tables[0].rows for c in r.cells] == [
            c.text for r in shipped.tables[0].rows for c in r.cells
        ]


# --- GB/T 9704-2012 layout -------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FANGSONG = {"仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong"}
MODEL_ID = re.compile(
    r"\b[a-z]+\.[a-z_]+\b"
)  # an English model id such as traffic.license_not_revoked


def _effective(paragraph: Any, run: Any, attr: str) -> Any:
    """A run's font property as Word resolves it: the run, its paragraph's style chain, then
    the document defaults (``attr``: ``eastAsia``, ``size`` or ``color``)."""

    def of(rpr: Any) -> Any:
        if rpr is None:
            return None
        if attr == "eastAsia":
            fonts = rpr.find(f"{W}rFonts")
            return None if fonts is None else fonts.get(f"{W}eastAsia")
        tag = {"size": "sz", "color": "color"}[attr]
        el = rpr.find(f"{W}{tag}")
        return None if el is None else el.get(f"{W}val")

    found = of(run._r.rPr)
    style = paragraph.style
    while found is None and style is not None:
        found = of(style.element.rPr)
        style = style.base_style
    if found is None:
        defaults = paragraph.part.styles.element.find(f"{W}docDefaults")
        found = of(defaults.find(f"{W}rPrDefault").find(f"{W}rPr"))
    return found


def _paragraph(doc: Any, text: str) -> Any:
    return next(p for p in doc.paragraphs if p.text == text)


def _style_ppr(paragraph: Any, tag: str) -> Any:
    style = paragraph.style
    while style is not None:
        ppr = style.element.pPr
        el = None if ppr is None else ppr.find(f"{W}{tag}")
        if el is not None:
            return el
        style = style.base_style
    return None


def _draft(
    casebook: Casebook, handler: User, clue: int, registry: Registry, out: Path, **kw: Any
) -> Any:
    return Document(
        str(write_recommendation(casebook, handler, out, clue_id=clue, models=registry, **kw))
    )


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (dt.date(2025, 6, 3), "二〇二五年六月三日"),
        (dt.date(2026, 10, 10), "二〇二六年十月十日"),
        (dt.date(2020, 12, 31), "二〇二〇年十二月三十一日"),
        (dt.date(2000, 1, 20), "二〇〇〇年一月二十日"),
        (dt.date(2019, 11, 11), "二〇一九年十一月十一日"),
    ],
)
def test_the_date_is_written_in_chinese_numerals(day: dt.date, text: str) -> None:
    assert chinese_date(day) == text


def test_the_draft_is_laid_out_as_gbt_9704(
    casebook: Casebook,
    people: dict[str, User],
    confirmed: tuple[int, int],
    registry: Registry,
    tmp_path: Path,
) -> None:
    clue, _ = confirmed
    doc = _draft(
        casebook,
        people["songshan"],
        clue,
        registry,
        tmp_path / "gb.docx",
        day=dt.date(2025, 6, 3),
        number=7,
    )
    section = doc.sections[0]
    for got, mm in (
        (section.page_width, 210),
        (section.page_height, 297),
        (section.top_margin, 37),
        (section.bottom_margin, 35),
        (section.left_margin, 28),
        (section.right_margin, 26),
    ):
        assert got is not None and abs(got.mm - mm) < 0.1, (got, mm)
    # 22 lines × 28 characters on the document grid of a 156 × 225 mm text block
    grid = section._sectPr.find(f"{W}docGrid")
    assert grid.get(f"{W}type") == "linesAndChars"
    pitch = int(grid.get(f"{W}linePitch"))
    assert int(225 / 25.4 * 1440 // pitch) == 22
    char = 16 + int(grid.get(f"{W}charSpace")) / 4096
    assert int(156 / 25.4 * 72 // char) == 28

    paragraphs = [p for p in doc.paragraphs if p.text]
    mark, number, title, addressee = paragraphs[:4]
    assert mark.text == "赤峰市松山区人民检察院"
    assert all(_effective(mark, r, "color") == "FF0000" for r in mark.runs)  # red
    assert "小标宋" in _effective(mark, mark.runs[0], "eastAsia")
    assert re.fullmatch(r"赤峰市松山区检建〔2025〕7号", number.text)
    border = _style_ppr(number, "pBdr").find(f"{W}bottom")
    assert border.get(f"{W}color") == "FF0000"  # the red line under the number
    assert title.text == "检察建议书" and _style_ppr(title, "jc").get(f"{W}val") == "center"
    assert _effective(title, title.runs[0], "eastAsia") == "方正小标宋简体"
    assert _effective(title, title.runs[0], "size") == "44"  # 2号: 22 pt
    assert addressee.text == "公安机关交通管理部门："
    assert _style_ppr(addressee, "jc").get(f"{W}val") == "left"

    body = next(p for p in paragraphs if p.text.startswith("本院在履行法律监督职责中"))
    for run in body.runs:
        assert _effective(body, run, "eastAsia") in FANGSONG
        assert _effective(body, run, "size") == "32"  # 3号: 16 pt
    spacing = _style_ppr(body, "spacing")
    assert (spacing.get(f"{W}line"), spacing.get(f"{W}lineRule")) == (str(pitch), "exact")
    heading = _paragraph(doc, "一、基本事实")
    assert _effective(heading, heading.runs[0], "eastAsia") == "黑体"

    signature, date = paragraphs[-3], paragraphs[-2]
    assert signature.text == "赤峰市松山区人民检察院" and date.text == "二〇二五年六月三日"
    for p in (signature, date):
        assert _style_ppr(p, "jc").get(f"{W}val") == "right"
    assert paragraphs[-1].text == f"（线索 {clue}；生成人：songshan；个人信息已脱敏）"

    text = _text(tmp_path / "gb.docx")
    assert MODEL not in text and not MODEL_ID.search(text), MODEL_ID.findall(text)
    assert BASIS in text

    # page numbers: 4号 "— 1 —", odd pages right, even pages left
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        p = footer.paragraphs[0]
        assert p.text == "— 1 —"
        assert _style_ppr(p, "jc").get(f"{W}val") == side
        assert "PAGE" in "".join(t.text for t in p._p.iter(f"{W}instrText"))
        assert _effective(p, p.runs[0], "size") == "28"
    # every Chinese font is declared with a fallback a machine without it uses
    fonts = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    alt = {
        f.get(f"{W}name"): a.get(f"{W}val")
        for f in ElementTree.fromstring(fonts.blob).iter(f"{W}font")
        if (a := f.find(f"{W}altName")) is not None
    }
    assert alt["仿宋_GB2312"] == "仿宋" and alt["方正小标宋简体"] == "宋体"

    with pytest.raises(DocumentError, match="1 or more"):
        write_recommendation(
            casebook, people["songshan"], tmp_path / "z.docx", clue_id=clue, number=0,
            models=registry,
        )  # fmt: skip
    english = _draft(
        casebook, people["songshan"], clue, registry, tmp_path / "en.docx", lang="en",
        day=dt.date(2025, 6, 3), number=7,
    )  # fmt: skip
    assert abs(english.sections[0].page_width.mm - 210) < 0.1
    en_text = _text(tmp_path / "en.docx")
    assert "3 June 2025" in en_text and "[2025] No. 7" in en_text and MODEL not in en_text


def test_a_procuratorate_edits_its_copy_and_points_the_setting_at_it(
    casebook: Casebook,
    people: dict[str, User],
    confirmed: tuple[int, int],
    registry: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lexradar.reports.templates.make_template import main

    clue, _ = confirmed
    folder = tmp_path / "templates"
    main([str(folder)])
    assert sorted(p.name for p in folder.iterdir()) == [
        "recommendation.en.docx",
        "recommendations.yaml",
        "检察建议书.docx",
    ]
    # the procuratorate's own organ code (机关代字) and a changed heading, styles kept
    own = Document(str(folder / "检察建议书.docx"))
    number = _paragraph(own, "{{ doc_no }}")
    number.runs[0].text = "赤松检建〔{{ year }}〕{{ number }}号"
    _paragraph(own, "一、基本事实").runs[0].text = "一、查明的事实"
    own.save(str(folder / "检察建议书.docx"))

    monkeypatch.setenv("LEXRADAR_RECOMMENDATION_TEMPLATE", str(folder))
    out = write_recommendation(
        casebook, people["songshan"], tmp_path / "own.docx", clue_id=clue, models=registry,
        day=dt.date(2025, 6, 3), number=12,
    )  # fmt: skip
    doc = Document(str(out))
    assert [p.text for p in doc.paragraphs if p.text][1] == "赤松检建〔2025〕12号"
    heading = _paragraph(doc, "一、查明的事实")
    assert _effective(heading, heading.runs[0], "eastAsia") == "黑体"
    assert abs(doc.sections[0].top_margin.mm - 37) < 0.1  # type: ignore[union-attr]
    assert _last(casebook)[2]["template"] == "检察建议书.docx"
    # an explicit template wins over the setting
    write_recommendation(
        casebook, people["songshan"], tmp_path / "shipped.docx", clue_id=clue, models=registry,
        template=template_path("zh"),
    )  # fmt: skip
    assert _last(casebook)[2]["template"] == "recommendation.docx"
    # files already in the folder are kept when the templates are copied again
    main([str(folder)])
    assert _paragraph(Document(str(folder / "检察建议书.docx")), "一、查明的事实")


def test_recommend_from_the_command_line_with_number_date_and_template(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from lexradar.cli.app import app
    from lexradar.clues.access import user
    from lexradar.models.run import write_clues

    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'cb.db'}"

    def run(*args: str, code: int = 0) -> str:
        res = runner.invoke(app, [*args, "--casebook", url], catch_exceptions=False)
        assert res.exit_code == code, res.output
        return res.output

    write_clues(make_clues(1, model=MODEL, regions=("150404",)), tmp_path / "c.csv")
    run("casebook", "init", "--admin", "admin", "--password", "s3cret-Pass")
    run("load", str(tmp_path / "c.csv"))
    book = Casebook.open(url)
    admin = user(book, "admin")
    wf.assign(book, admin, 1, None, "admin")
    wf.confirm(book, admin, 1, None)
    book.dispose()
    draft = tmp_path / "检察建议书.docx"
    run("recommend", "--clue", "1", "--out", str(draft), "--as", "admin", "--number", "3",
        "--date", "2025-06-03", "--template", str(template_path("zh")))  # fmt: skip
    text = _text(draft)
    assert "检建〔2025〕3号" in text and "二〇二五年六月三日" in text and MODEL not in text
    out = run("recommend", "--clue", "1", "--out", str(draft), "--as", "admin", "--number",
              "0", code=2)  # fmt: skip
    assert "--number" in out


@pytest.mark.parametrize(
    ("typed", "short", "year", "number"),
    [
        ("昆检建〔2026〕7号", "昆", 2026, 7),
        (" 包昆检建 [2026] 12 号 ", "包昆", 2026, 12),
        ("松检建【2026】3号", "松", 2026, 3),
        ("7", None, None, 7),
    ],
)
def test_a_document_number_as_typed(typed: str, short: str | None, year: int | None,
                                    number: int) -> None:  # fmt: skip
    assert parse_doc_no(typed, dt.date(2026, 6, 3)) == DocNumber(short, year, number)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("昆检〔2026〕7号", "form"),
        ("昆检建〔26〕7号", "form"),
        ("昆检建〔2026〕7", "form"),
        ("第7号", "form"),
        ("昆检建〔2026〕07号", "zero"),
        ("0", "zero"),
        ("昆检建〔2025〕7号", "year"),
    ],
)
def test_a_malformed_document_number_says_what_is_wrong(typed: str, code: str) -> None:
    with pytest.raises(DocNumberError) as caught:
        parse_doc_no(typed, dt.date(2026, 6, 3))
    assert caught.value.code == code and caught.value.location.field == "number"


def test_the_number_as_given_is_printed_and_audited(
    casebook: Casebook,
    people: dict[str, User],
    confirmed: tuple[int, int],
    registry: Registry,
    tmp_path: Path,
) -> None:
    clue, _ = confirmed
    parsed = parse_doc_no("松检建〔2026〕8号")
    out = write_recommendation(
        casebook, people["songshan"], tmp_path / "n.docx", clue_id=clue, models=registry,
        day=dt.date(2026, 6, 3), number=parsed.number, doc_short=parsed.short,
    )  # fmt: skip
    assert "松检建〔2026〕8号" in _text(out) and "二〇二六年六月三日" in _text(out)
    detail = _last(casebook)[2]
    assert (detail["number"], detail["date"], detail["format"]) == (
        "松检建〔2026〕8号",
        "2026-06-03",
        "docx",
    )


def test_a_pdf_draft_has_the_same_a4_page_and_text(
    casebook: Casebook,
    people: dict[str, User],
    confirmed: tuple[int, int],
    registry: Registry,
    tmp_path: Path,
) -> None:
    import shutil
    import subprocess

    clue, _ = confirmed
    out = write_recommendation(
        casebook, people["songshan"], tmp_path / "r.pdf", clue_id=clue, models=registry,
        day=dt.date(2025, 6, 3), number=7,
    )  # fmt: skip
    info, text = (shutil.which(t) for t in ("pdfinfo", "pdftotext"))
    assert info and text, "poppler-utils is needed (make system)"
    size = subprocess.run([info, str(out)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.2\d* x 841\.8\d* pts \(A4\)", size), size
    body = subprocess.run([text, str(out), "-"], capture_output=True, text=True, check=True)
    words = re.sub(r"\s+", "", body.stdout)
    assert "赤峰市松山区检建〔2025〕7号" in words and "二〇二五年六月三日" in words
    assert "—1—" in words and MASKED in words and PERSON not in words and MODEL not in words
    assert _last(casebook)[2]["template"] == "GB/T 9704 (pdf)"
