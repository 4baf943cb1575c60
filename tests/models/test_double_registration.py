"""identity.double_registration on a registry export as the second rendering style writes it
(docs/agency-data.md): a late registration whose name and birth date are shared by more than
one earlier registration.

The rows are the registry rows of a 300,000-person style-2 region (seed 7) behind the clues
that fell outside its answer key: the planted second registration of 包健 was paired with its
first registration and, as well, with a stranger of the same name born the same day; the one
of 陈雨涵 with its first registration and, through resolution, with a namesake born a day
earlier."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lexradar.datasets.derived import REGISTRATION_PAIRS, REGISTRATION_PAIRS_FILE, linkage_dir
from lexradar.engine import open_engine
from lexradar.ingest import ingest
from lexradar.models import Registry
from lexradar.models.run import run_model

HEADER = (
    '"记录编号","身份证号码","姓名","性别代码","出生日期","民族","户籍地行政区划","户籍地址",'
    '"入户时间","人员状态代码","注销原因代码","注销时间"'
)
ROWS = [
    # 包健: a stranger registered at birth in 回民区, the person registered at birth in 扎赉特旗,
    # and the person's late registration in 扎鲁特旗 (2012) under a second ID
    '"P000023139","150103200004151636","包健","1","20000415","汉族","150103",'
    '"内蒙古自治区呼和浩特市回民区长青街97号","20000509","1",,',
    '"P000255093","152223200004152172","包健","1","20000415","蒙古族","152223",'
    '"内蒙古自治区兴安盟扎赉特旗胜利路123号","2000-06-10","1",,',
    '"P000300059","150526200004158551","包健","1","20000415","蒙古族","150526",'
    '"内蒙古自治区通辽市扎鲁特旗草原路144号","20120408","1",,',
    # 陈雨涵: a stranger born a day earlier, the person, and the person's late registration
    '"P000130680","150781200008235265","陈雨涵","2","20000823","汉族","150781",'
    '"内蒙古自治区呼伦贝尔市满洲里市解放路269号","2000-09-15","1",,',
    '"P000298566","150821200008243707","陈雨涵","2","20000824","汉族","150821",'
    '"内蒙古自治区巴彦淖尔市五原县工农路16号","2000/10/11","1",,',
    '"P000300031","150304200008244247","陈雨涵","2","20000824","汉族","150304",'
    '"内蒙古自治区乌海市乌达区胜利路244号","2015/9/14","1",,',
]
MAPPING = """dataset: persons
files: 人口基本信息.csv
encoding: utf-8-sig
columns:
  person_id: 身份证号码
  name: 姓名
  gender: 性别代码
  birth_date: 出生日期
  ethnicity: 民族
  region_code: 户籍地行政区划
  address: 户籍地址
  registered_on: 入户时间
  status: 人员状态代码
  cancel_reason: 注销原因代码
  cancelled_on: 注销时间
values:
  gender: {'1': M, '2': F}
  status: {'1': active, '0': cancelled}
  cancel_reason: {'1': death, '2': emigration, '3': duplicate, '9': other}
record_id: [记录编号]
"""


def _pair(l_rec: str, r_rec: str, l_id: str, r_id: str, born_l: dt.date, evidence: float) -> dict:
    """A registry pair as resolution writes it to registration_pairs.parquet."""
    born_r = dt.date(2000, 8, 24)
    return {
        "unique_id_l": f"persons:{l_rec}:registrant", "unique_id_r": f"persons:{r_rec}:registrant",
        "person_id_l": l_id, "person_id_r": r_id, "name_l": "陈雨涵", "name_r": "陈雨涵",
        "birth_date_l": born_l, "birth_date_r": born_r, "status_l": "active",
        "status_r": "active", "match_weight": evidence - 18.6, "evidence_weight": evidence,
        "match_probability": 0.5, "name_relation": "exact",
    }  # fmt: skip


def _lake(tmp_path: Path) -> Path:
    (tmp_path / "人口基本信息.csv").write_text(
        "\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8-sig"
    )
    (tmp_path / "persons.yaml").write_text(MAPPING, encoding="utf-8")
    lake = tmp_path / "lake"
    (result,) = ingest([tmp_path / "persons.yaml"], lake)
    assert result.loaded == len(ROWS)
    # what resolution put forward for 陈雨涵's late registration: its first registration
    # (evidence 24.9) and the namesake born a day earlier (10.7, above min_evidence_weight)
    pairs = [
        _pair("P000298566", "P000300031", "150821200008243707", "150304200008244247",
              dt.date(2000, 8, 24), 24.9),
        _pair("P000130680", "P000300031", "150781200008235265", "150304200008244247",
              dt.date(2000, 8, 23), 10.7),
    ]  # fmt: skip
    folder = linkage_dir(lake)
    folder.mkdir(parents=True, exist_ok=True)
    types = {"VARCHAR": pa.string(), "DATE": pa.date32(), "DOUBLE": pa.float64()}
    schema = pa.schema([(c, types[t]) for c, t in REGISTRATION_PAIRS.items()])
    pq.write_table(pa.Table.from_pylist(pairs, schema=schema), folder / REGISTRATION_PAIRS_FILE)
    return lake


def _clues(lake: Path) -> list[dict]:
    with open_engine(lake) as engine:
        table, _ = run_model(
            engine, Registry().get("identity.double_registration"), dt.date(2026, 11, 28)
        )
    return sorted(table.to_pylist(), key=lambda c: c["person_ids"])


def test_a_late_registration_gives_one_clue_naming_its_look_alikes(tmp_path: Path) -> None:
    clues = _clues(_lake(tmp_path))
    by_name = {c["explanation"][:3].split("（")[0]: c for c in clues}
    assert len(clues) == 2, [c["person_ids"] for c in clues]
    bao = by_name["包健"]
    # one clue for the one late registration, citing both namesakes it may duplicate
    assert set(bao["person_ids"].split(";")) == {
        "150103200004151636", "152223200004152172", "150526200004158551"}  # fmt: skip
    assert set(bao["record_refs"].split(";")) == {
        "persons:P000023139", "persons:P000255093", "persons:P000300059"}  # fmt: skip
    assert "另有1个同名" in bao["explanation"] and "152223200004152172" in bao["explanation"]
    assert "1 other active registration" in bao["explanation_en"]
    # the namesake born a day earlier, put forward by resolution, does not outrank the
    # registration born the same day: one clue, the pair of the person's two registrations
    chen = by_name["陈雨涵"]
    assert chen["person_ids"] == "150821200008243707;150304200008244247"
    assert chen["record_refs"] == "persons:P000298566;persons:P000300031"
    assert "另有" not in chen["explanation"]


def test_a_rerun_gives_the_same_fingerprints(tmp_path: Path) -> None:
    lake = _lake(tmp_path)
    assert [c["fingerprint"] for c in _clues(lake)] == [c["fingerprint"] for c in _clues(lake)]
