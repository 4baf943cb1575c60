"""The recommendation draft (检察建议书), read back with python-docx, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

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
from lexradar.reports.recommendation import DocumentError, write_recommendation
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
    assert "醉驾入刑后驾驶证未吊销线索" in text and f"{dt.date.today().year}年" in text
    assert "赤峰市松山区检建〔" in text  # the document number placeholder
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
