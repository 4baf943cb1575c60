"""Style 2 of the raw agency files: the habits the issue lists are really in the files."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
import yaml

from lexradar.synth import generate
from lexradar.synth.raw import render_raw
from lexradar.synth.raw2 import chinese_number, cite_style, result_text, term_text


@pytest.fixture(scope="module")
def style2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("style2")
    generate(5_000, 13, out)
    render_raw(out, 13, style=2)
    return out


def _csv(path: Path, encoding: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


def test_chinese_numerals_and_terms() -> None:
    assert [chinese_number(n) for n in (2, 10, 12, 20, 24)] == [
        "二",
        "十",
        "十二",
        "二十",
        "二十四",
    ]
    assert term_text(18, False) == "1年6个月"
    assert term_text(18, True) == "一年六个月"
    assert term_text(24, True) == "二年"
    assert term_text(5, False) == "5个月"


def test_free_text_results(style2: Path) -> None:
    rows = _csv(style2 / "raw" / "审判信息.csv", "gb18030")
    texts = {r["判决结果"] for r in rows}
    assert any(re.fullmatch(r"判处有期徒刑.+，缓刑.+", t) for t in texts)
    assert "驳回原告的诉讼请求" in texts
    assert "不准予原告与被告离婚" in texts or "驳回原告的离婚诉讼请求" in texts
    assert not {"刑期（月）", "案件类型", "法院区划代码"} & set(rows[0])
    # the court's region code is inside 案号
    assert all(re.match(r"\(\d{4}\)内\d{4}(刑|民|行)", r["案号"]) for r in rows)


def test_a_row_renders_as_a_court_writes_it() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    row = {"outcome": "probation", "term_months": 24, "sentence_months": 18, "cause": "盗窃罪",
           "claim_amount": None}  # fmt: skip
    text = result_text(row, rng)
    assert text.startswith("判处有期徒刑") and "缓刑二年" in text


def test_citation_styles(style2: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    seen = {cite_style("J150103-2018-000035", rng) for _ in range(200)}
    assert seen == {
        "J150103-2018-000035", "J150103－2018－000035", "j150103-2018-000035",
        "J150103-2018-35", "J1501032018000035",
    }  # fmt: skip
    cited = {r["引用证书编号"] for r in _csv(style2 / "raw" / "审判信息.csv", "gb18030")}
    assert any("－" in c for c in cited) and any(c[:1] == "j" for c in cited)


def test_missing_optional_columns_months_tabs(style2: Path) -> None:
    persons = _csv(style2 / "raw" / "人口基本信息.csv", "utf-8-sig")
    assert "户号" not in persons[0] and "性别代码" in persons[0]
    licences = _csv(style2 / "raw" / "机动车驾驶人信息.csv", "gb18030")
    assert not {"初次领证日期", "档案编号"} & set(licences[0])
    pensions = _csv(style2 / "raw" / "养老待遇发放明细.csv", "utf-8-sig")
    assert all(r["公民身份号码"].startswith("\t") for r in pensions)
    assert all(re.fullmatch(r"\d{6}", r["发放年月"]) for r in pensions)
    sheet = openpyxl.load_workbook(style2 / "raw" / "低保金发放.xlsx", read_only=True).active
    months = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert months and all(isinstance(m, int) and 190001 < m < 210001 for m in months)


def test_floats_on_divorce_rows_only(style2: Path) -> None:
    sheet = openpyxl.load_workbook(style2 / "raw" / "婚姻登记信息.xlsx", read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    kind, h, w = (
        header.index("登记类别"),
        header.index("男方证件号码"),
        header.index("女方证件号码"),
    )
    floats = [r for r in rows[1:] if isinstance(r[h], float) or isinstance(r[w], float)]
    assert floats and all(r[kind] == "离婚" for r in floats)


def test_one_file_two_mappings(style2: Path) -> None:
    rows = _csv(style2 / "raw" / "刑罚执行信息.csv", "gb18030")
    prison = [r for r in rows if r["收押日期"]]
    correction = [r for r in rows if r["矫正开始日期"]]
    assert prison and correction and len(prison) + len(correction) == len(rows)
    docs = [yaml.safe_load(p.read_text("utf-8")) for p in (style2 / "mappings").glob("custody_*")]
    assert len(docs) == 2 and {d["files"] for d in docs} == {"../raw/刑罚执行信息.csv"}


def test_style_one_is_the_default_and_unknown_styles_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no rendering style 3"):
        render_raw(tmp_path, 1, style=3)
