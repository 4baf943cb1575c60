"""Mapping features for the shapes of real exports (issue 17, cause 4), each on a real file."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from lexradar.cli.ingest import app
from lexradar.errors import IngestError
from lexradar.ingest import ingest
from lexradar.ingest.mapping import load
from tests.ingest.conftest import write_mapping

runner = CliRunner()
ID1, ID2, ID3 = "15040419900101123X", "150102198506061212", "150404197003030013"


def _rows(lake: Path, dataset: str) -> list[dict]:
    rows: list[dict] = []
    for part in sorted((lake / dataset).glob("*.parquet")):
        rows += pq.read_table(part).to_pylist()
    return sorted(rows, key=lambda r: r["record_id"])


def _gb18030(path: Path, lines: list[str]) -> None:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))


def _bom(path: Path, lines: list[str]) -> None:
    path.write_bytes(codecs.BOM_UTF8 + ("\n".join(lines) + "\n").encode("utf-8"))


COURT = [
    "编号,案号,案由,当事人,诉讼地位,裁判日期,判决结果",
    "j1,(2019)内0404民初1234号,离婚纠纷,巴特尔,原告,2019-05-01,准予离婚",
    "j2,（2020）内0102刑初77号,盗窃罪,王伟,被告人,2020-03-01,判处有期徒刑",
    "j3,(2021)蒙0404行初5号,行政纠纷,张三,原告,2021/1/2,原告败诉",
    "j4,二〇二一年第五号,盗窃罪,李四,被告人,2021-01-02,判处有期徒刑",
]
COURT_MAPPING = """\
    dataset: judgments
    files: 审判.csv
    encoding: gb18030
    columns: {case_no: 案号, cause: 案由, party_name: 当事人, party_role: 诉讼地位,
              judgment_date: 裁判日期, outcome: 判决结果}
    derive:
      court_region_code: {from: 案号, pattern: '[)）]\\D*?(\\d{4})\\D', template: '15\\1'}
      case_kind: {from: 案号, pattern: '\\d{4}\\D*?(刑|民|行)'}
    values:
      case_kind: {刑: criminal, 民: civil, 行: administrative}
      party_role: {原告: plaintiff, 被告人: accused}
      outcome: {准予离婚: divorce_granted, 判处有期徒刑: imprisonment, 原告败诉: plaintiff_lost}
    record_id: 编号
    """


def test_fields_derived_from_case_numbers(tmp_path: Path) -> None:
    _gb18030(tmp_path / "审判.csv", COURT)
    mapping = write_mapping(tmp_path, COURT_MAPPING)
    result = ingest([mapping], tmp_path / "lake")[0]
    rows = _rows(tmp_path / "lake", "judgments")
    assert [(r["court_region_code"], r["case_kind"]) for r in rows] == [
        ("150404", "civil"), ("150102", "criminal"), ("150404", "administrative"),
    ]  # fmt: skip
    # a case number without the pattern: the row is quarantined, naming the source column
    assert result.quarantined == 1
    q = pq.read_table(next((tmp_path / "lake" / "_quarantine").glob("*.parquet"))).to_pylist()
    assert q[0]["source_row"] == 4 and q[0]["column"] == "案号"
    assert q[0]["field"] in ("court_region_code", "case_kind")


def test_a_bad_pattern_names_the_mapping_line(tmp_path: Path) -> None:
    _gb18030(tmp_path / "审判.csv", COURT)
    text = COURT_MAPPING.replace("(刑|民|行)'", "(刑|民|行'")
    with pytest.raises(IngestError, match="not a regular expression") as exc:
        load(write_mapping(tmp_path, text))
    assert exc.value.location.line == 8


CUSTODY = [
    "记录编号,罪犯身份证号,罪犯姓名,执行机关类型,执行方式,收押日期,释放日期,矫正开始日期,矫正结束日期",
    f"c1,{ID1},巴特尔,监狱,1,2020-01-05,2022-01-04,,",
    f"c2,{ID2},王伟,看守所,1,2021-02-01,2021-05-01,,",
    f"c3,{ID3},张三,司法局,1,,,2020-06-01,2021-06-01",
    f"c4,{ID1},巴特尔,司法局,2,,,2022-01-05,2022-07-05",
    f"c5,{ID2},王伟,看守所,2,2021-02-01,,,",
]
CUSTODY_MAPPING = """\
    dataset: custody_records
    files: 刑罚执行.csv
    columns: {{person_id: 罪犯身份证号, name: 罪犯姓名, custody_type: 执行方式,
              start_date: {start}, end_date: {end}}}
    values:
      custody_type:
        by: 执行机关类型
        maps:
          监狱: {{'1': prison}}
          看守所: {{'1': detention}}
          司法局: {{'1': community_correction, '2': temporary_outside}}
    rows: {{present: [{start}]}}
    record_id: 记录编号
    """


def _custody(tmp_path: Path) -> tuple[Path, Path]:
    _gb18030(tmp_path / "刑罚执行.csv", CUSTODY)
    prison = write_mapping(
        tmp_path, CUSTODY_MAPPING.format(start="收押日期", end="释放日期"), "prison.yaml"
    )
    correction = write_mapping(
        tmp_path, CUSTODY_MAPPING.format(start="矫正开始日期", end="矫正结束日期"), "corr.yaml"
    )
    return prison, correction


def test_one_file_two_mappings_and_a_code_that_depends_on_the_organ(tmp_path: Path) -> None:
    prison, correction = _custody(tmp_path)
    lake = tmp_path / "lake"
    first = ingest([prison, correction], lake)
    assert [r.status for r in first] == ["loaded", "loaded"]
    assert first[0].batch_id != first[1].batch_id
    # every row is loaded, quarantined or left to the other mapping
    assert [(r.read, r.loaded, r.quarantined, r.skipped) for r in first] == [
        (5, 2, 1, 2), (5, 2, 0, 3),
    ]  # fmt: skip
    rows = _rows(lake, "custody_records")
    assert [(r["record_id"], r["custody_type"]) for r in rows] == [
        ("c1", "prison"), ("c2", "detention"), ("c3", "community_correction"),
        ("c4", "temporary_outside"),
    ]  # fmt: skip
    q = pq.read_table(lake / "_quarantine" / f"{first[0].batch_id}.parquet").to_pylist()
    assert q[0]["reason"] == "unmapped_value" and q[0]["raw_value"] == "看守所 | 2"
    # ingested again: both are unchanged, nothing is skipped as the other's batch
    again = ingest([correction, prison], lake)
    assert [r.status for r in again] == ["unchanged", "unchanged"]
    assert {r.batch_id for r in again} == {r.batch_id for r in first}
    manifest = json.loads((lake / "_batches" / f"{first[1].batch_id}.json").read_text("utf-8"))
    assert manifest["skipped"] == 3


def test_two_datasets_from_one_file_without_a_row_selection(tmp_path: Path) -> None:
    _bom(tmp_path / "人员.csv", ["编号,身份证号,姓名,死亡日期", f"d1,{ID1},巴特尔,2020-01-01"])
    write_mapping(tmp_path, """\
        dataset: deaths
        files: 人员.csv
        columns: {person_id: 身份证号, name: 姓名, death_date: 死亡日期}
        constants: {source: police}
        record_id: 编号
        """, "d.yaml")  # fmt: skip
    write_mapping(tmp_path, """\
        dataset: pension_payments
        files: 人员.csv
        columns: {person_id: 身份证号, name: 姓名, month: 死亡日期}
        constants: {amount: '100'}
        record_id: 编号
        """, "p.yaml")  # fmt: skip
    results = ingest([tmp_path / "d.yaml", tmp_path / "p.yaml"], tmp_path / "lake")
    assert [r.status for r in results] == ["loaded", "loaded"]
    again = ingest([tmp_path / "p.yaml", tmp_path / "d.yaml"], tmp_path / "lake")
    assert [r.status for r in again] == ["unchanged", "unchanged"]


MONTHS = """\
    dataset: {dataset}
    files: {file}
    columns: {{person_id: 身份证号, name: 姓名, month: 发放年月, amount: 金额}}
    transforms: {{month: {{type: date, formats: ["%Y%m"]}}}}
    record_id: 编号
    """


def test_yyyymm_months_as_csv_text_and_as_spreadsheet_numbers(tmp_path: Path) -> None:
    _bom(tmp_path / "养老.csv", ["编号,身份证号,姓名,发放年月,金额",
                                 f"p1,\t{ID1},巴特尔,202301,1200.50",
                                 f"p2,\t{ID1},巴特尔,２０２３０２,1200.50",
                                 f"p3,\t{ID1},巴特尔,202313,1200.50"])  # fmt: skip
    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "身份证号", "姓名", "发放年月", "金额"])
    sheet.append(["a1", ID2, "王伟", 202211, 640.0])
    sheet.append(["a2", ID2, "王伟", 202212.0, 640.0])
    book.save(tmp_path / "低保.xlsx")
    pension = write_mapping(
        tmp_path, MONTHS.format(dataset="pension_payments", file="养老.csv"), "p.yaml"
    )
    allowance = write_mapping(
        tmp_path, MONTHS.format(dataset="allowance_payments", file="低保.xlsx"), "a.yaml"
    )
    results = ingest([pension, allowance], tmp_path / "lake")
    months = [str(r["month"]) for r in _rows(tmp_path / "lake", "pension_payments")]
    assert months == ["2023-01-01", "2023-02-01"]
    assert results[0].rejects == {"impossible_date": 1} or results[0].rejects == {"bad_date": 1}
    # the TAB before every ID is an artefact of the export: no warning, the ID as it is
    assert results[0].warnings == {}
    assert {r["person_id"] for r in _rows(tmp_path / "lake", "pension_payments")} == {ID1}
    months = [str(r["month"]) for r in _rows(tmp_path / "lake", "allowance_payments")]
    assert months == ["2022-11-01", "2022-12-01"] and results[1].quarantined == 0


def test_licence_number_derived_from_the_id_column(tmp_path: Path) -> None:
    _gb18030(tmp_path / "驾驶人.csv", ["记录编号,身份证明号码,姓名,状态,状态日期",
                                     f"l1,{ID1},巴特尔,A,2020-01-01",
                                     f"l2,{ID2},王伟,F,2021-01-01"])  # fmt: skip
    mapping = write_mapping(tmp_path, """\
        dataset: driver_licenses
        files: 驾驶人.csv
        columns: {person_id: 身份证明号码, name: 姓名, status: 状态, status_date: 状态日期}
        derive: {license_no: {from: 身份证明号码}}
        values: {status: {A: valid, F: revoked}}
        record_id: 记录编号
        """)  # fmt: skip
    ingest([mapping], tmp_path / "lake")
    rows = _rows(tmp_path / "lake", "driver_licenses")
    assert [(r["license_no"], r["issued_on"]) for r in rows] == [(ID1, None), (ID2, None)]


def test_a_field_given_twice_is_refused(tmp_path: Path) -> None:
    _gb18030(tmp_path / "审判.csv", COURT)
    text = COURT_MAPPING.replace("outcome: 判决结果}", "outcome: 判决结果, case_kind: 案由}")
    with pytest.raises(IngestError, match="'case_kind' is given twice: in columns and in derive"):
        load(write_mapping(tmp_path, text))


def test_input_on_the_command_line_and_replace_by_prefix(tmp_path: Path) -> None:
    prison, _ = _custody(tmp_path)
    elsewhere = tmp_path / "next_month"
    elsewhere.mkdir()
    _gb18030(elsewhere / "刑罚执行_202401.csv", CUSTODY[:3])
    lake = tmp_path / "lake"
    res = runner.invoke(app, ["ingest", str(prison), "--lake", str(lake), "--json"])
    assert res.exit_code == 0, res.output
    first = json.loads(res.output)
    res = runner.invoke(
        app,
        ["ingest", str(prison), "--input", str(elsewhere / "*.csv"), "--lake", str(lake),
         "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    second = json.loads(res.output)
    assert second["file"].endswith("刑罚执行_202401.csv") and second["read"] == 2
    # the very same file again, replacing its batch by a prefix of its id: re-ingested
    res = runner.invoke(app, ["ingest", str(prison), "--lake", str(lake), "--json",
                              "--replace", first["batch_id"][:6]])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["status"] == "loaded"
    res = runner.invoke(app, ["ingest", str(prison), str(prison), "--input", "x.csv",
                              "--lake", str(lake)])  # fmt: skip
    assert res.exit_code != 0 and "one mapping" in res.output


RESULTS = [
    "编号,案号,案由,当事人,诉讼地位,裁判日期,判决结果",
    "r1,(2020)内0404刑初1号,盗窃罪,王伟,被告人,2020-03-01,判处有期徒刑1年6个月，缓刑二年",
    "r2,(2020)内0404刑初2号,危险驾驶罪,张三,被告人,2020-03-01,判处拘役1个月，并处罚金人民币11000元",
    "r3,(2020)内0404刑初3号,盗窃罪,李四,被告人,2020-03-01,判处有期徒刑一年六个月",
    "r4,(2020)内0404民初4号,离婚纠纷,巴特尔,原告,2020-03-01,驳回原告的诉讼请求",
    "r5,(2020)内0404民初5号,民间借贷纠纷,巴特尔,原告,2020-03-01,驳回原告的诉讼请求",
    "r6,(2020)内0404民初6号,离婚纠纷,其其格,原告,2020-03-01,不准予原告与被告离婚",
    "r7,(2020)内0404民初7号,离婚纠纷,其其格,原告,2020-03-01,准予原告与被告离婚",
    "r8,(2020)内0404民初8号,离婚纠纷,其其格,原告,2020-03-01,本院认为双方感情尚可",
]


def test_free_text_judgment_results_are_parsed(tmp_path: Path) -> None:
    _gb18030(tmp_path / "审判.csv", RESULTS)
    text = COURT_MAPPING.replace(", outcome: 判决结果}", "}").replace(
        "    record_id: 编号",
        "    parse:\n"
        "      判决结果: {parser: judgment_result, case_kind: case_kind, cause: cause,\n"
        "             fields: {outcome: outcome, term_months: term_months,\n"
        "                      sentence_months: sentence_months}}\n"
        "    record_id: 编号",
    )
    text = "\n".join(line for line in text.splitlines() if "outcome: {" not in line) + "\n"
    result = ingest([write_mapping(tmp_path, text)], tmp_path / "lake")[0]
    rows = _rows(tmp_path / "lake", "judgments")
    got = [(r["record_id"], r["outcome"], r["term_months"], r["sentence_months"]) for r in rows]
    assert got == [
        ("r1", "probation", 24, 18),
        ("r2", "criminal_detention", 1, None),
        ("r3", "imprisonment", 18, None),
        ("r4", "divorce_denied", None, None),  # 驳回 in a divorce case
        ("r5", "plaintiff_lost", None, None),  # 驳回 in a lending case
        ("r6", "divorce_denied", None, None),  # 不准予 contains 准予
        ("r7", "divorce_granted", None, None),
    ]
    # a text the parser cannot read leaves the required outcome empty: quarantined, with its cell
    assert result.rejects == {"missing_value": 1}
    q = pq.read_table(next((tmp_path / "lake" / "_quarantine").glob("*.parquet"))).to_pylist()
    assert q[0]["field"] == "outcome" and q[0]["column"] == "判决结果"


def test_parse_names_outputs_the_parser_has(tmp_path: Path) -> None:
    _gb18030(tmp_path / "审判.csv", RESULTS)
    text = COURT_MAPPING.replace(", outcome: 判决结果}", "}").replace(
        "    record_id: 编号",
        "    parse: {判决结果: {parser: judgment_result, fields: {verdict: outcome}}}\n"
        "    record_id: 编号",
    )
    with pytest.raises(IngestError, match="the parser judgment_result gives no 'verdict'"):
        load(write_mapping(tmp_path, text))
