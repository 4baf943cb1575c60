"""Certificate numbers are ingested in their normal form, so court citations meet the registry."""

from __future__ import annotations

import codecs
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

from lexradar.ingest import ingest
from lexradar.ingest.convert import cert_numbers
from lexradar.normalize import cert_no
from tests.ingest.conftest import write_mapping

CITED = [
    "J150103－2018－000035",  # full-width dashes
    "j150103-2018-000035",
    "J150103-2018-35",
    "J1501032018000035",
    "J150103 2018 000036",
]


def test_citations_and_registry_share_one_normal_form(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "证件字号", "业务类型", "登记日期", "男方身份证号", "男方姓名",
                  "女方身份证号", "女方姓名"])  # fmt: skip
    sheet.append(["m1", "J150103-2018-000035", "结婚登记", "2018-05-01", "150103198001010015",
                  "巴特尔", "150103198203030020", "其其格"])  # fmt: skip
    book.save(tmp_path / "婚姻登记.xlsx")
    lines = [
        "编号,案号,案由,案件类型,当事人,诉讼地位,裁判日期,裁判结果,引用结婚证字号,法院区划代码"
    ]
    for i, cite in enumerate(CITED):
        lines.append(f"j{i},(2020)蒙0103民初{i}号,离婚纠纷,民事,巴特尔,原告,2020-01-0{i + 1},"
                     f"准予离婚,{cite},150103")  # fmt: skip
    (tmp_path / "裁判文书.csv").write_bytes(
        codecs.BOM_UTF8 + ("\n".join(lines) + "\n").encode("utf-8")
    )
    write_mapping(tmp_path, """\
        dataset: marriage_events
        files: 婚姻登记.xlsx
        columns: {cert_no: 证件字号, event_type: 业务类型, event_date: 登记日期,
                  husband_id: 男方身份证号, husband_name: 男方姓名, wife_id: 女方身份证号,
                  wife_name: 女方姓名}
        values: {event_type: {结婚登记: marriage}}
        record_id: 编号
        """, "m.yaml")  # fmt: skip
    write_mapping(tmp_path, """\
        dataset: judgments
        files: 裁判文书.csv
        columns: {case_no: 案号, cause: 案由, case_kind: 案件类型, party_name: 当事人,
                  party_role: 诉讼地位, judgment_date: 裁判日期, outcome: 裁判结果,
                  cited_cert_no: 引用结婚证字号, court_region_code: 法院区划代码}
        values: {case_kind: {民事: civil}, party_role: {原告: plaintiff},
                 outcome: {准予离婚: divorce_granted}}
        record_id: 编号
        """, "j.yaml")  # fmt: skip
    lake = tmp_path / "lake"
    results = ingest([tmp_path / "m.yaml", tmp_path / "j.yaml"], lake)
    assert [r.quarantined for r in results] == [0, 0]
    registry = pq.read_table(next((lake / "marriage_events").glob("*.parquet")))
    cited = pq.read_table(next((lake / "judgments").glob("*.parquet")))
    assert registry["cert_no"].to_pylist() == ["J1501032018000035"]
    assert cited["cited_cert_no"].to_pylist() == ["J1501032018000035"] * 4 + ["J1501032018000036"]


def test_vectorized_normal_form_agrees_with_the_normalizer() -> None:
    values = [*CITED, "内结字 第123号", "ab-12", "BJ150404-2020-7",
              "Ｊ１５０１０３－２０１８－３５",
              "L150602 2019 123", "J15010320181234567"]  # fmt: skip
    got, ok = cert_numbers(pa.array(values))
    assert ok.all()
    assert got.to_pylist() == [cert_no.clean(v) for v in values]
