"""What a civil document says of the trial, read as the courts' table holds it: who appeared
(``party_appeared``), the cited marriage certificate (``cited_cert_no``, the value type's normal
form whatever way the court typed it) and the amount claimed (``claim_amount``)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lexradar.datasets import dataset
from lexradar.documents.extract import extract
from lexradar.documents.to_rows import document_rows
from lexradar.ingest.convert import FieldConverter, cert_numbers
from lexradar.ingest.documents import ingest_documents
from lexradar.ingest.mapping import Transform
from lexradar.synth.documents import STYLES, _appearance, cert_as_typed

DISMISSED = "驳回原告张某某的诉讼请求。"
INTRO = "原告张某某与被告李某民间借贷纠纷一案，本院于2019年1月3日立案后，依法适用简易程序，"


def civil(
    trial: str, *, cert: str | None = None, result: str = "驳回原告张某某的诉讼请求。"
) -> str:
    cited = f" 原告诉称：双方于2012年5月1日登记结婚（结婚证字号：{cert}）……" if cert else ""
    return (
        "内蒙古自治区包头市昆都仑区人民法院 民事判决书 （2019）内0203民初1234号 "
        "原告：张某某，女，1988年3月2日出生，汉族，住包头市昆都仑区。 "
        "被告：李某，男，1986年5月6日出生，蒙古族，住包头市青山区。 "
        + INTRO + trial + cited
        + " 本院认为，……依照《中华人民共和国民事诉讼法》第六十七条之规定，判决如下： "
        + result + " 审判员王某 二〇一九年三月五日 书记员赵某"
    )  # fmt: skip


BOTH = {"张某某": True, "李某": True}
AWAY = {"张某某": None, "李某": False}  # the defendant stayed away; the plaintiff: not said


def appeared(text: str) -> dict[str, bool | None]:
    out = document_rows(extract(text, "t"), text)
    assert out.rejected == []
    return {r["party_name"]: r["party_appeared"] for r in out.rows}


@pytest.mark.parametrize(
    ("trial", "expected"),
    [
        ("公开开庭进行了审理。", {"张某某": None, "李某": None}),
        ("公开开庭进行了审理。原告张某某、被告李某到庭参加诉讼。", BOTH),
        ("公开开庭进行了审理。原告张某某及其委托诉讼代理人王某，被告李某到庭参加诉讼。",
         BOTH),
        ("公开开庭进行了审理。原告张某某，被告李某均到庭参加了诉讼。", BOTH),
        ("公开开庭进行了审理。原、被告均到庭参加诉讼。", BOTH),
        ("公开开庭进行了审理。双方当事人均到庭参加诉讼。", BOTH),
        ("公开开庭进行了审理。原告张某某到庭参加诉讼，被告李某经本院传票传唤，无正当理由拒不到庭参加"
         "诉讼，本院依法缺席审理。", {"张某某": True, "李某": False}),
        ("公开开庭进行了审理。原告张某某到庭参加诉讼，被告经本院合法传唤未到庭。",
         {"张某某": True, "李某": False}),
        ("被告李某经传票传唤无正当理由拒不到庭，本院依法缺席审理。", AWAY),
        ("公开开庭进行了审理。本院依法对被告李某缺席审理。", AWAY),
    ],
)  # fmt: skip
def test_appearance_as_courts_write_it(trial: str, expected: dict[str, bool | None]) -> None:
    assert appeared(civil(trial)) == expected


def test_a_default_judgment_that_names_no_absence_has_its_defendants_absent() -> None:
    text = civil("公开开庭进行了审理。").replace("判决如下", "缺席判决如下")
    assert appeared(text) == AWAY


def test_the_account_of_the_trial_is_where_appearance_is_read() -> None:
    # a witness who did not appear, in the evidence, says nothing of the parties
    text = civil("公开开庭进行了审理。原告张某某、被告李某到庭参加诉讼。").replace(
        "本院认为，", "上述事实，有未到庭证人王某的证言等证据证实。本院认为，被告李某未到庭说明……"
    )
    assert appeared(text) == BOTH


def test_real_criminal_judgments_read_their_defendants_present() -> None:
    path = Path("/work/shared/data/judgments/criminal-judgments.jsonl")
    if not path.exists():
        pytest.skip("the real corpus is not on this machine")
    said = present = absent = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        e = extract(doc["document"], doc["id"])
        for party in e.parties:
            if party.is_defendant and "到庭参加" in doc["document"]:
                said += 1
                present += party.appeared is not None and party.appeared.value
                absent += party.appeared is not None and not party.appeared.value
    assert said > 500
    assert present >= 0.99 * said and absent == 0


# ------------------------------------------------------------------ certificate numbers

REGISTRY = "J150203-2012-001234"  # as the registry prints it
SPELLINGS = [
    "J150203-2012-001234",
    "J1502032012001234",
    "J150203 2012 001234",
    "J 150203 - 2012 - 1234",
    "J150203-2012-1234",
    "Ｊ１５０２０３－２０１２－００１２３４",  # typed in a full-width input mode
    "ｊ１５０２０３－２０１２－００１２３４",
    "Ｊ１５０２０３　２０１２　００１２３４",
    "J150203—2012—001234",
    "J150203‐2012‐001234",  # U+2010 hyphen
    "J150203−2012−001234",  # U+2212 minus
    "j150203-2012-001234",
    "J１５０２０３-2012-００１２３４",
]


def table_ingest(raw: str) -> str:
    """The value table ingest gives a mapped certificate column (both of its paths)."""
    field = dataset("judgments").field("cited_cert_no")
    one = FieldConverter(field, Transform(type="cert_no")).one(raw)
    fast, ok = cert_numbers(pa.array([raw]))
    assert ok.all() and fast[0].as_py() == one.value
    return str(one.value)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_cited_certificate_reads_as_table_ingest_reads_the_registry(spelling: str) -> None:
    text = civil("公开开庭进行了审理。", cert=spelling, result="准予原告张某某与被告李某离婚。")
    text = text.replace("民间借贷纠纷", "离婚纠纷")
    rows = document_rows(extract(text, "c"), text).rows
    assert {r["cited_cert_no"] for r in rows} == {table_ingest(REGISTRY)} == {"J1502032012001234"}
    assert table_ingest(spelling) == table_ingest(REGISTRY)


def test_a_reissued_certificate_typed_full_width_keeps_its_letters() -> None:
    text = civil("公开开庭进行了审理。", cert="ＢＪ１５０２０３－２０１２－００１２３４")
    assert [c.value for c in extract(text).cert_numbers] == ["BJ1502032012001234"]
    assert (
        extract(civil("公开开庭进行了审理。", cert="Bj150203-2012-1234")).cert_numbers[0].value
        == "BJ1502032012001234"
    )


def test_the_synthetic_styles_type_certificates_as_courts_do() -> None:
    typed = {cert_as_typed("J150402-2018-000035", s, v) for s in STYLES for v in (0, 1)}
    assert typed == {
        "J150402-2018-000035",
        "Ｊ１５０４０２－２０１８－００００３５",
        "J1504022018000035",
        "J150402 2018 000035",
        "J150402-2018-35",
        "ｊ１５０４０２－２０１８－００００３５",
    }
    assert {table_ingest(t) for t in typed} == {"J1504022018000035"}


def test_the_synthetic_styles_say_who_appeared() -> None:
    rows = [
        {"party_role": "plaintiff", "party_name": "张某某", "party_appeared": True},
        {"party_role": "defendant", "party_name": "李某", "party_appeared": False},
    ]
    both = [dict(rows[0]), dict(rows[1], party_appeared=True)]
    for style in STYLES:
        for case in (rows, both):
            text = civil("公开开庭进行了审理。" + _appearance(case, style))
            assert appeared(text) == {r["party_name"]: r["party_appeared"] for r in case}, style


def test_ingested_documents_hold_the_normal_form_the_claim_and_appearance(tmp_path: Path) -> None:
    lending = civil(
        "公开开庭进行了审理。原告张某某到庭参加诉讼，被告李某经本院传票传唤，无正当理由拒不到庭参加诉讼，"
        "本院依法缺席审理。原告张某某向本院提出诉讼请求：1.判令被告李某偿还借款本金人民币四万七千元；"
        "2.本案诉讼费由被告负担。",
        result="被告李某于本判决生效之日起十日内给付原告张某某人民币47000元；案件受理费500元由被告负担。",
    )
    divorce = (
        civil(
            "公开开庭进行了审理。原、被告均到庭参加诉讼。",
            cert="ｊ１５０２０３－２０１２－００１２３４",
            result="准予原告张某某与被告李某离婚。",
        )
        .replace("民间借贷纠纷", "离婚纠纷")
        .replace("1234号", "1235号")
    )
    file = tmp_path / "docs.jsonl"
    file.write_text(
        "".join(json.dumps({"id": i, "document": t}, ensure_ascii=False) + "\n"
                for i, t in (("lend", lending), ("div", divorce))),
        encoding="utf-8",
    )  # fmt: skip
    (batch,) = ingest_documents([file], tmp_path / "lake")
    assert (batch.loaded, batch.quarantined) == (4, 0)
    got = {
        (r["record_id"]): (r["cause"], r["party_appeared"], r["claim_amount"], r["cited_cert_no"])
        for r in pq.read_table(tmp_path / "lake" / "judgments").to_pylist()
    }
    assert got == {
        "lend#1": ("民间借贷纠纷", True, Decimal("47000.00"), None),
        "lend#2": ("民间借贷纠纷", False, Decimal("47000.00"), None),
        "div#1": ("离婚纠纷", True, None, "J1502032012001234"),
        "div#2": ("离婚纠纷", True, None, "J1502032012001234"),
    }
