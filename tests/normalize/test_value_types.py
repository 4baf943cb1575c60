"""The value types of the contract: each type's clean / compare / mask, the registry, the one
masking function and the pseudonymiser of golden examples."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lexradar.datasets import CONTRACT
from lexradar.errors import NormalizeError
from lexradar.normalize import resident_id as rid
from lexradar.normalize.masking import (
    column_type,
    known_values,
    mask,
    mask_record,
    mask_row,
    mask_text,
)
from lexradar.normalize.pseudonym import Pseudonymiser
from lexradar.normalize.types import MASKED, REPLACED, TYPES, value_type


def valid(body17: str) -> str:
    return body17 + rid.check_digit(body17)


ID = valid("15040419900308123")
ID2 = valid("15010219851111234")


# --- the registry ------------------------------------------------------------------------


def test_every_contract_value_type_is_registered_with_its_verbs() -> None:
    used = {f.value_type for ds in CONTRACT.values() for f in ds.all_fields}
    assert used <= set(TYPES)
    for vt in TYPES.values():
        assert callable(vt.clean) and callable(vt.compare) and callable(vt.mask)
    assert set(MASKED) == {"resident_id", "name", "address", "birth_date"}
    assert set(REPLACED) == {"resident_id", "name", "address", "cert_no", "doc_no"}
    with pytest.raises(NormalizeError, match="unknown value type 'nom'; known: resident_id"):
        value_type("nom")


def test_the_certificate_type_uses_the_certificate_normal_form() -> None:
    vt = TYPES["cert_no"]
    assert vt.clean("j150103－2018－35") == "J1501032018000035"
    assert vt.compare("J150103-2018-000035", "J1501032018000035").level != "different"
    assert vt.mask("J1501032018000035") == "J1501032018000035"  # a document reference, shown


# --- each type: clean, compare, mask ------------------------------------------------------


def test_resident_id_clean_compare_mask() -> None:
    vt = TYPES["resident_id"]
    full_width = ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert vt.clean(" " + full_width.lower() + " ") == ID
    swapped = ID[:15] + ID[16] + ID[15] + ID[17]
    assert vt.compare(ID, swapped).level in ("adjacent_transposition", "exact")
    assert vt.compare(ID, ID2).level == "different"
    assert mask("resident_id", ID) == ID[:6] + "********" + ID[-4:]
    assert mask("resident_id", "150404900308123") == "150404*****8123"
    assert mask("resident_id", "1.50404199003081E+17").count("*") >= 12  # damaged: digits hidden
    assert mask("resident_id", None) is None


def test_one_check_digit_for_scalar_bulk_and_sql() -> None:
    import duckdb
    import numpy as np

    bodies = ["15040419900308123", "11010519491231002", "44030419800101001"]
    scalar = [rid.check_digit(b) for b in bodies]
    bulk = rid.check_chars_array(np.array([[int(c) for c in b] for b in bodies]))
    assert [chr(c) for c in bulk] == scalar
    query = f"SELECT {rid.CHECK_SQL.format(id='$v')}"
    sql = [duckdb.sql(query, params={"v": b + "0"}).fetchall()[0] for b in bodies]
    assert [s[0][-1] for s in sql] == scalar
    assert scalar[1] == "X"  # GB 11643's own example, 11010519491231002X


def test_mask_in_text_masks_every_id_and_leaves_other_numbers() -> None:
    text = (
        f"张三({ID})、李四{ID2[:15]}; 案号(2016)蒙0702民初10号, 金额3243000.00, J1501032018000035"
    )
    out = rid.mask_in_text(text)
    assert ID not in out and ID[:6] + "********" + ID[-4:] in out
    assert ID2[:15] not in out
    assert "(2016)蒙0702民初10号" in out and "3243000.00" in out and "J1501032018000035" in out


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("欧阳娜娜", "欧阳**"),  # a compound surname is kept whole
        ("司马光", "司马*"),
        ("诸葛亮", "诸葛*"),
        ("歐陽娜娜", "欧阳**"),  # traditional: cleaned first
        ("欧阳", "欧*"),  # two characters: a surname and a given name
        ("张伟", "张*"),
        ("张　伟", "张*"),  # ideographic space
        ("巴特尔", "巴**"),
        ("阿依古丽•买买提", "阿***·***"),  # look-alike dot: the standard one kept
        ("ＬＩ", "L*"),  # full-width Latin
        ("王", "*"),
    ],
)
def test_name_mask(raw: str, masked: str) -> None:
    assert mask("name", raw) == masked


def test_name_clean_and_compare() -> None:
    vt = TYPES["name"]
    assert vt.clean("張偉") == "张伟"
    assert vt.compare("巴特尔", "巴图尔").level == "one_char_differs"
    assert vt.compare("歐陽娜娜", "欧阳娜娜").level == "exact_after_clean"


def test_address_clean_compare_mask() -> None:
    vt = TYPES["address"]
    home = "内蒙古自治区赤峰市松山区新华路12号"
    assert vt.clean("内蒙古自治区赤峰市松山区 新华路１２号") == home
    assert vt.compare(home, "内蒙古自治区赤峰市松山区新华路１２号").level == "exact_after_clean"
    assert vt.compare(home, "内蒙古自治区赤峰市松山区新华路13号").level == "same_street"
    assert vt.compare(home, "内蒙古自治区赤峰市松山区团结路1号").level == "same_county"
    assert vt.compare(home, "北京市朝阳区建国路1号").level == "different"
    assert mask("address", home) == "内蒙古自治区赤峰市松山区****"
    assert mask("address", "呼和浩特市新城区新华大街１２号") == "呼和浩特市新城区****"
    assert mask("address", "内蒙古自治区呼伦贝尔市满洲里市胜利路3号") == (
        "内蒙古自治区呼伦贝尔市满洲里市****"
    )
    assert mask("address", "新华路12号") == "****"  # no division named: nothing kept
    with pytest.raises(NormalizeError, match="empty"):
        vt.clean("  ")


def test_dates_event_dates_shown_birth_dates_to_the_year() -> None:
    assert mask("date", dt.date(2015, 3, 8)) == dt.date(2015, 3, 8)
    assert mask("birth_date", dt.date(1990, 3, 8)) == "1990-**-**"
    assert mask("birth_date", "1990年3月8日") == "1990-**-**"
    assert mask("birth_date", "不详") == "****-**-**"
    assert TYPES["birth_date"].clean("２０１５/3/8") == dt.date(2015, 3, 8)
    assert TYPES["date"].compare(dt.date(2015, 3, 8), dt.date(2015, 8, 3)).level == (
        "day_month_swapped"
    )


def test_money_region_code_code_number_flag_are_shown() -> None:
    assert TYPES["money"].clean("￥1,234.5元") == Decimal("1234.50")
    assert mask("money", Decimal("1234.50")) == Decimal("1234.50")
    assert TYPES["region_code"].clean("１５０４０４") == "150404"
    assert mask("region_code", "150404") == "150404"
    assert TYPES["code"].clean("（２０２３）蒙0402民初1234号 ") == "(2023)蒙0402民初1234号"
    assert TYPES["code"].compare("a", "b").level == "different"
    assert TYPES["number"].clean("１２") == 12
    assert TYPES["flag"].clean("否") is False and TYPES["flag"].clean("是") is True
    with pytest.raises(NormalizeError):
        TYPES["flag"].clean("maybe")


def test_doc_no_and_text_show_but_mask_an_id_inside() -> None:
    assert TYPES["doc_no"].clean(" ｅ１２３４５６７８ ") == "E12345678"
    assert TYPES["doc_no"].compare("E12345678", "E12345687").level == "adjacent_transposition"
    assert TYPES["doc_no"].compare("E12345678", "E12345670").level == "one_substitution"
    assert mask("doc_no", "E12345678") == "E12345678"
    assert mask("doc_no", ID) == ID[:6] + "********" + ID[-4:]  # a licence numbered by the ID
    assert mask("text", f"持证人{ID}") == "持证人" + ID[:6] + "********" + ID[-4:]
    assert TYPES["text"].clean("  危险驾驶罪\u3000 ") == "危险驾驶罪"


# --- records and free texts -----------------------------------------------------------------


def test_column_types_come_from_the_contract() -> None:
    assert column_type("person_id") == "resident_id"
    assert column_type("new_person_id") == "resident_id"
    assert column_type("old_spouse_name") == "name"
    assert column_type("party_names") == "name"
    assert column_type("new_cert_no") == "cert_no"
    assert column_type("death_date") == "date"
    assert column_type("birth_date") == "birth_date"
    assert column_type("doc_nos") == "doc_no"
    assert column_type("identity_zh") == "text"
    assert column_type("record_id") == "code"


def test_mask_row_masks_a_registry_record_by_its_contract_types() -> None:
    row = {
        "person_id": ID,
        "name": "欧阳娜娜",
        "gender": "F",
        "birth_date": dt.date(1990, 3, 8),
        "region_code": "150404",
        "address": "内蒙古自治区赤峰市松山区新华路12号",
        "household_id": "H0001",
        "status": "active",
        "record_id": "persons-1",
    }
    out = mask_row("persons", row)
    assert out == {
        **row,
        "person_id": ID[:6] + "********" + ID[-4:],
        "name": "欧阳**",
        "birth_date": "1990-**-**",
        "address": "内蒙古自治区赤峰市松山区****",
    }


def test_mask_text_finds_known_names_their_variants_and_names_stated_against_ids() -> None:
    text = (
        f"（两次登记分别记为巴图尔/{ID}和巴特尔/{ID2}，经人员比对认定为同一人）"
        "其贺力嘎于2015年与歐陽娜娜结婚，在赛罕区人民法院起诉张伟；发放记录记为冯建/—"
    )
    out = mask_text(text, [("name", "巴特尔"), ("name", "其力嘎"), ("name", "欧阳娜娜"),
                           ("name", "张伟")])  # fmt: skip
    for real in ("巴图尔", "巴特尔", "其贺力嘎", "歐陽娜娜", "张伟", "冯建", ID, ID2):
        assert real not in out, real
    assert "巴**/" in out and "欧阳**" in out and "冯*/—" in out
    assert "赛罕区人民法院" in out and "经人员比对认定为同一人" in out  # ordinary words stay


def test_mask_record_masks_evidence_texts_with_the_evidence_own_names() -> None:
    evidence = {
        "person_name": "冯健",
        "recorded_id": ID,
        "identity_zh": f"（发放记录记为冯建/{ID}，羁押记录记为冯健/—）",
        "institution": "呼和浩特第二监狱",
        "months_paid": 9,
    }
    out = mask_record(evidence)
    assert out["person_name"] == "冯*" and out["months_paid"] == 9
    assert "冯健" not in out["identity_zh"] and "冯建" not in out["identity_zh"]
    assert ID not in str(out) and out["institution"] == "呼和浩特第二监狱"
    assert ("name", "冯健") in known_values(evidence)


# --- pseudonyms -------------------------------------------------------------------------------


def test_pseudonyms_are_consistent_valid_and_keep_what_rules_use() -> None:
    p = Pseudonymiser(seed=7)
    a = p.value("resident_id", ID)
    assert a == p.value("resident_id", ID) and a != ID
    assert rid.is_valid(a) and a[:14] == ID[:14]  # county and birth date kept
    assert int(a[16]) % 2 == int(ID[16]) % 2  # gender kept
    assert all(x != y for x, y in zip(a[14:17], ID[14:17], strict=True))
    mistyped = ID[:9] + str((int(ID[9]) + 1) % 10) + ID[10:]  # check character now wrong
    b = p.value("resident_id", mistyped)
    assert not rid.is_valid(b) and rid.parse(b).status == "bad_check_digit"
    assert rid.compare(a, b).level == rid.compare(ID, mistyped).level == "one_substitution"


def test_name_pseudonyms_are_one_to_one_and_keep_their_shape() -> None:
    p = Pseudonymiser(seed=3)
    names = ["欧阳娜娜", "巴特尔", "巴图尔", "张伟", "张薇", "阿依古丽·买买提", "歐陽娜娜"]
    out = {n: p.value("name", n) for n in names}
    assert out["欧阳娜娜"][:2] in {"上官", "司马", "诸葛"} or len(out["欧阳娜娜"]) == 4
    assert out["欧阳娜娜"] == out["歐陽娜娜"]  # cleaned first: one person, one pseudonym
    assert len(set(out.values())) == len(names) - 1  # distinct names stay distinct
    assert all(o != n for n, o in out.items())
    assert all(x != y for n, o in out.items() for x, y in zip(n, o, strict=False) if x != "·")
    assert TYPES["name"].compare(out["巴特尔"], out["巴图尔"]).level == "one_char_differs"
    assert "·" in out["阿依古丽·买买提"] and len(out["张伟"]) == 2


def test_address_and_document_pseudonyms() -> None:
    p = Pseudonymiser(seed=5)
    home = p.value("address", "内蒙古自治区赤峰市松山区新华路12号")
    neighbour = p.value("address", "内蒙古自治区赤峰市松山区新华路13号")
    assert home.startswith("内蒙古自治区赤峰市松山区") and "新华路" not in home
    assert TYPES["address"].compare(home, neighbour).level == "same_street"
    cert = p.value("cert_no", "J150404-2015-000123")
    assert cert.startswith("J1504042015") and cert != "J1504042015000123"
    assert cert == p.value("cert_no", "J1504042015000123")  # one certificate, one pseudonym
    assert p.value("doc_no", ID) == p.value("resident_id", ID)  # a licence numbered by the ID
    assert p.value("date", dt.date(2015, 3, 8)) == dt.date(2015, 3, 8)  # dates kept
    text = p.text(f"{ID}与新华路12号，另有{ID2}")
    assert ID not in text and ID2 not in text and p.value("resident_id", ID) in text
    assert p.value("resident_id", ID2) in text  # each replaced once, never twice


def test_pseudonymised_rows_of_a_dataset() -> None:
    p = Pseudonymiser(seed=11)
    rows = p.rows(
        "marriage_events",
        [
            {"record_id": "m1", "cert_no": "J1", "husband_id": ID, "husband_name": "巴特尔",
             "wife_id": ID2, "wife_name": "其其格", "event_date": dt.date(2010, 5, 1)},
            {"record_id": "m2", "cert_no": "J2", "husband_id": ID, "husband_name": "巴特尔",
             "wife_id": None, "wife_name": "萨仁", "event_date": dt.date(2015, 6, 1)},
        ],
    )  # fmt: skip
    assert rows[0]["husband_id"] == rows[1]["husband_id"] != ID
    assert rows[0]["husband_name"] == rows[1]["husband_name"] != "巴特尔"
    assert rows[1]["wife_id"] is None and rows[0]["event_date"] == dt.date(2010, 5, 1)
    assert rows[0]["record_id"] == "m1" and rows[0]["cert_no"] != rows[1]["cert_no"]


def _one_county_and_day(n: int) -> list[str]:
    """``n`` valid IDs of one county and birth date (a large family, a household, a village)."""
    import random

    seqs = random.Random(n).sample(range(1000), n)
    return [valid(f"15040419900308{s:03d}") for s in seqs]


def test_for_rows_never_gives_one_person_another_s_real_id() -> None:
    """A plain pseudonymiser maps one of these IDs onto another one now and then (the
    sequence permutation is drawn, not chosen); for_rows draws until none does."""
    ids = _one_county_and_day(24)
    given = {"persons": [{"person_id": i, "name": f"张{chr(0x4E00 + k)}"} for k, i in
                         enumerate(ids)]}  # fmt: skip
    plain = sum(bool({Pseudonymiser(seed=s).value("resident_id", i) for i in ids} & set(ids))
                for s in range(200))  # fmt: skip
    assert plain > 0, "the hazard exists: some key maps one real ID onto another"
    for _ in range(200):
        p = Pseudonymiser.for_rows(given)
        rows = p.rows("persons", given["persons"])
        assert not {r["person_id"] for r in rows} & set(ids)
        assert not {r["name"] for r in rows} & {r["name"] for r in given["persons"]}
        assert [r["person_id"] for r in rows] == [p.value("resident_id", i) for i in ids]


def test_for_rows_says_when_no_key_can_avoid_the_rows_own_values() -> None:
    every = [valid(f"15040419900308{s:03d}") for s in range(1000)]  # every sequence of the day
    with pytest.raises(NormalizeError, match="distinct from the rows' own values") as err:
        Pseudonymiser.for_rows({"persons": [{"person_id": i} for i in every]}, draws=3)
    assert every[0] not in str(err.value)  # the error names no value


def test_pseudonyms_pseudonymised_again_give_back_real_ids() -> None:
    """Why rows are pseudonymised once: two fresh keys undo each other on all three sequence
    digits about one time in 64."""
    back = sum(
        Pseudonymiser(seed=10_000 + s).value("resident_id", Pseudonymiser(seed=s).value(
            "resident_id", ID)) == ID
        for s in range(2000)
    )  # fmt: skip
    assert 10 <= back <= 70  # 2000 / 64 ≈ 31


def test_a_bundle_pseudonymises_an_example_once() -> None:
    import yaml

    from lexradar.models.bundle import bundle_examples
    from lexradar.models.registry import pack_root

    path = pack_root() / "marriage" / "bigamy.examples.yaml"
    real = dict(yaml.safe_load(path.read_text(encoding="utf-8"))["examples"][0])
    real.pop("pseudonymised", None)
    ids = {v for rows in real["given"].values() for r in rows for k, v in r.items()
           if k != "record_id" and isinstance(v, str) and rid.is_valid(v)}  # fmt: skip
    assert ids
    text = yaml.safe_dump({"model": "marriage.bigamy", "examples": [real]}, allow_unicode=True)
    once = bundle_examples(text)
    (first,) = yaml.safe_load(once)["examples"]
    assert first["pseudonymised"] is True and not any(i in once for i in ids)
    assert bundle_examples(once) == once  # exported again (another region re-exports): kept
