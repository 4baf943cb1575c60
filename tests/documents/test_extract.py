"""The extractor on real judgments of the dev split (hand-labelled) and on real-shaped headers."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from lexradar.documents.charges import normalise_charge, official_charges
from lexradar.documents.corpus import CorpusDocument, read_corpus, split_of
from lexradar.documents.extract import extract, normalise_case_number
from lexradar.documents.numerals import parse_date, parse_money, parse_term

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "judgments"


@pytest.fixture(scope="module")
def dev_docs() -> dict[str, CorpusDocument]:
    return {d.id: d for d in read_corpus(FIXTURES / "dev-documents.jsonl")}


@pytest.fixture(scope="module")
def dev_labels() -> list[dict]:
    with open(FIXTURES / "labels-dev.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_fixtures_are_dev_documents_only(dev_docs, dev_labels) -> None:
    assert len(dev_labels) >= 60
    assert {row["id"] for row in dev_labels} == set(dev_docs)
    assert all(split_of(i) == "dev" for i in dev_docs)
    with open(FIXTURES / "labels-heldout.jsonl", encoding="utf-8") as handle:
        held = [json.loads(line) for line in handle if line.strip()]
    assert len(held) >= 30
    assert all(split_of(row["id"]) == "held_out" for row in held)


def test_labelled_dev_documents(dev_docs, dev_labels) -> None:
    """Per defendant: penalty kind + term, probation, fine, charges; per document: the date."""
    hits = {"kind+term": 0, "probation": 0, "fine": 0, "charges": 0}
    n = dates = 0
    for label in dev_labels:
        e = extract(dev_docs[label["id"]].text, label["id"])
        dates += (
            e.judgment_date is not None
            and e.judgment_date.value.isoformat() == label["judgment_date"]
        )
        for want in label["defendants"]:
            n += 1
            got = next(d for d in e.defendants if d.name == want["name"])
            s = got.sentence
            kind = s.penalty_kind.value if s.penalty_kind else None
            term = s.term_months.value if s.term_months else None
            hits["kind+term"] += (kind, term) == (want["penalty_kind"], want["term_months"])
            hits["probation"] += (s.probation_months.value if s.probation_months else None) == want[
                "probation_months"
            ]
            fine = None if want["fine"] is None else Decimal(want["fine"])
            hits["fine"] += (s.fine.value if s.fine else None) == fine
            hits["charges"] += sorted(c.value.name for c in got.charges) == sorted(want["charges"])
    assert n >= 60
    assert {k: v / n for k, v in hits.items()} == pytest.approx(dict.fromkeys(hits, 1.0), abs=0.02)
    assert dates / len(dev_labels) >= 0.99


def test_every_span_says_its_value(dev_docs) -> None:
    for doc in dev_docs.values():
        text = doc.text
        e = extract(text, doc.id)
        assert e.judgment_date is not None
        assert parse_date(e.judgment_date.surface(text)) == e.judgment_date.value
        assert normalise_case_number(e.case_number.surface(text)) == e.case_number.value
        assert e.court.surface(text) == e.court.value
        for p in e.parties:
            assert p.name.surface(text) == p.name.value
            assert text[p.role.start : p.role.end].replace("(", "（").replace(")", "）") == (
                p.role.value
            )
            if p.birth_date:
                assert parse_date(p.birth_date.surface(text)) == p.birth_date.value
            for found in (p.sex, p.ethnicity, p.residence):
                if found is not None:
                    assert found.surface(text) == found.value
        for d in e.defendants:
            s = d.sentence
            for found in (s.term_months, s.probation_months):
                if found is not None:
                    assert parse_term(found.surface(text)) == found.value
            if s.fine is not None and s.combined is None:
                assert parse_money(s.fine.surface(text)) == s.fine.value
            for c in d.charges:
                assert normalise_charge(c.surface(text)) == c.value
        for a in e.articles:
            surface = text[a.start : a.end]
            assert any(unit in surface for unit in ("条", "款", "项")), surface


def test_header_of_a_real_document(dev_docs) -> None:
    doc = dev_docs["fc90ce22-b77b-46cb-9720-7a82ef039c3e"]
    e = extract(doc.text, doc.id)
    assert e.court.value == "四川省富顺县人民法院"
    assert e.case_number.value == "(2016)川0322刑初263号"
    assert e.case_number.surface(doc.text) == "（2016）川0322刑初263号"
    assert (e.court_region_code.value, e.region_source) == ("510322", "case_number")
    assert (e.document_kind.value, e.case_kind.value, e.instance.value) == (
        "判决书",
        "刑事",
        "一审",
    )
    assert e.procuratorate.value == "富顺县人民检察院"
    assert e.indictment_number.value == "富检公诉刑诉(2016)245号"
    assert e.judgment_date.value == dt.date(2016, 10, 13)
    [p] = e.parties
    assert (p.role.value, p.name.value, p.sex.value, p.ethnicity.value) == (
        "被告人",
        "牟某甲",
        "男",
        "汉族",
    )
    assert p.birth_date.value == dt.date(1987, 8, 17)
    assert p.residence.value == "四川省自贡市沿滩区"
    [d] = e.defendants
    assert [c.value.name for c in d.charges] == ["容留他人吸毒罪"]
    assert d.sentence.custody_start.value == dt.date(2016, 9, 30)
    assert d.sentence.custody_end.value == dt.date(2017, 3, 29)
    assert e.law_articles() == [354, 67, 52, 53, 64] or set(e.law_articles()) == set(
        doc.law_articles
    )


def test_several_defendants_and_an_appeal(dev_docs) -> None:
    doc = dev_docs["cc640dfd-fe10-4095-9567-da06832b1f8f"]
    e = extract(doc.text, doc.id)
    got = {
        d.name: (d.sentence.term_months.value, d.sentence.probation_months.value)
        for d in e.defendants
    }
    assert got == {"解梦祥": (36, 48), "葛文斌": (10, 12), "付天亮": (9, 12)}
    appeal = extract(dev_docs["e451d580-8379-4904-a017-09e6f518bc25"].text)
    assert appeal.instance.value == "二审"
    [d] = appeal.defendants
    assert d.sentence.combined is not None and d.sentence.term_months.value == 6
    assert [c.value.name for c in d.charges] == ["贪污罪", "非国家工作人员受贿罪"]


HEADER = (
    "内蒙古自治区赤峰市松山区人民法院 刑事判决书 （２０１９）内０４０４刑初１２３４号 "
    "公诉机关赤峰市松山区人民检察院。 被告人王某某，男，1990年1月1日出生，公民身份号码"
    "150404199001011234，蒙古族，住内蒙古自治区赤峰市松山区某路某号。 被告人李×，女，"
    "二〇〇〇年二月二十九日出生，汉族。 赤峰市松山区人民检察院以赤松检刑诉〔2019〕88号起诉书"
    "指控被告人王某某、李×犯盗窃罪、诈骗罪，于2019年3月1日向本院提起公诉。 本院认为，……"
    "依照《中华人民共和国刑法》第一百三十三条之一第一款第（二）项、第二百六十四条、第二百六十六条，"
    "第二十五条第一、二款和第六十七条第三款，《中华人民共和国刑事诉讼法》第二百零一条之规定，"
    "判决如下： 一、被告人王某某犯盗窃罪，判处有期徒刑一年，并处罚金人民币二千元；犯诈骗罪，"
    "判处有期徒刑六个月，并处罚金人民币一千元，决定执行有期徒刑一年三个月，并处罚金人民币三千元。"
    " 二、被告人李×犯盗窃罪，判处拘役三个月，缓刑六个月，并处罚金人民币1000元。 如不服本判决，"
    "可在接到判决书的第二日起十日内提出上诉。 审判员张某 二〇一九年五月六日 书记员赵某"
)


def test_a_real_shaped_header_with_ids_and_two_defendants() -> None:
    e = extract(HEADER)
    assert e.case_number.value == "(2019)内0404刑初1234号"
    assert (e.court_region_code.value, e.region_source) == ("150404", "case_number")
    assert e.indictment_number.value == "赤松检刑诉(2019)88号"
    wang, li = e.parties
    assert wang.resident_id.value == "150404199001011234"
    assert wang.resident_id.surface(HEADER) == "150404199001011234"
    assert wang.ethnicity.value == "蒙古族"
    assert wang.residence.value == "内蒙古自治区赤峰市松山区某路某号"
    assert (li.name.value, li.sex.value, li.birth_date.value) == ("李×", "女", dt.date(2000, 2, 29))
    w, lx = e.defendants
    assert (w.sentence.term_months.value, w.sentence.fine.value) == (15, Decimal("3000"))
    assert [c.value.name for c in w.charges] == ["盗窃罪", "诈骗罪"]
    assert (lx.sentence.penalty_kind.value, lx.sentence.probation_months.value) == ("拘役", 6)
    labels = [a.label for a in e.articles]
    assert labels == [
        "刑法 133-1 §1 (2)",
        "刑法 264",
        "刑法 266",
        "刑法 25 §1",
        "刑法 25 §2",
        "刑法 67 §3",
        "刑事诉讼法 201",
    ]
    assert e.law_articles() == [133, 264, 266, 25, 67]
    assert e.judgment_date.value == dt.date(2019, 5, 6)


def test_region_code_from_the_court_name_when_the_case_number_has_none() -> None:
    text = HEADER.replace("（２０１９）内０４０４刑初１２３４号", "（2014）松刑初字第175号")
    e = extract(text)
    assert e.case_number.value == "(2014)松刑初175号"
    assert (e.court_region_code.value, e.region_source) == ("150404", "court_name")


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("（2017）沪0120刑初684号", "(2017)沪0120刑初684号"),
        ("(2014)西刑初字第175号", "(2014)西刑初175号"),
        ("［2018］浙0782刑初 0012 号", "(2018)浙0782刑初12号"),
        ("〔２０１９〕内０４０４民初１２３４号", "(2019)内0404民初1234号"),
    ],
)
def test_case_numbers(raw: str, normal: str) -> None:
    assert normalise_case_number(raw) == normal


def test_charges_normalised_to_the_official_list() -> None:
    charges = official_charges()
    assert len(charges) > 450
    assert charges["危险驾驶罪"] == "133-1"
    drug = normalise_charge("贩卖毒品罪")
    assert drug is not None and (drug.official, drug.article) == (
        "走私、贩卖、运输、制造毒品罪",
        "347",
    )
    assert normalise_charge("掩饰、隐瞒犯罪所得罪").official == "掩饰、隐瞒犯罪所得、犯罪所得收益罪"
    assert normalise_charge("非法持有枪支罪").official == "非法持有、私藏枪支、弹药罪"
    assert normalise_charge("窝藏包庇罪").name == "窝藏、包庇罪"
    assert normalise_charge("盗窃罪").official == "盗窃罪"  # an official name is never a selection
    assert normalise_charge("应当判处有期徒刑以上刑罚之罪") is None
    # a court's misspelling of an official name (a real dev document) is read as that name
    misspelt = normalise_charge("生产、销售不符合安全生产标准的食品罪")
    assert misspelt.name == "生产、销售不符合安全标准的食品罪" and misspelt.article == "143"
    assert normalise_charge("盗窃诈骗罪") is None  # two charges run together: no guess


SHARED = (
    "某某县人民法院 刑事判决书 （2019）内0404刑初12号 公诉机关某某县人民检察院。 "
    "被告人张某，男，1990年1月1日出生。 被告人李某，女，1991年1月1日出生。 "
    "某某县人民检察院以某检刑诉〔2019〕8号起诉书指控被告人张某、李某犯盗窃罪，"
    "于2019年3月1日向本院提起公诉。 判决如下： 被告人张某、李某犯盗窃罪、诈骗罪，各判处有期徒刑"
    "六个月，并处罚金人民币一千元。 如不服本判决，可上诉。 审判员王某 二〇一九年五月六日 书记员赵某"
)
UPHELD = (
    "某某市中级人民法院 刑事裁定书 （2019）内04刑终12号 原公诉机关某某县人民检察院。 "
    "上诉人（原审被告人）张某，男，1990年1月1日出生。 某某县人民法院审理某某县人民检察院指控"
    "原审被告人张某犯盗窃罪一案，于2019年3月1日作出（2019）内0404刑初5号刑事判决。原审法院判决："
    "被告人张某犯盗窃罪，判处有期徒刑一年，并处罚金人民币二千元。宣判后，张某不服，提出上诉。 "
    "本院认为，……依照《中华人民共和国刑事诉讼法》第二百三十六条第一款第（一）项之规定，裁定如下："
    " 驳回上诉，维持原判。 本裁定为终审裁定。 审判长王某 二〇一九年五月六日 书记员赵某"
)


def test_one_sentence_shared_by_two_defendants() -> None:
    e = extract(SHARED)
    got = {
        d.name: (
            d.sentence.term_months.value,
            d.sentence.fine.value,
            [c.value.name for c in d.charges],
        )
        for d in e.defendants
    }
    assert got == {
        "张某": (6, Decimal("1000"), ["盗窃罪", "诈骗罪"]),
        "李某": (6, Decimal("1000"), ["盗窃罪", "诈骗罪"]),
    }


def test_an_appeal_that_upholds_takes_the_first_instance_sentence() -> None:
    e = extract(UPHELD)
    assert (e.document_kind.value, e.instance.value, e.case_kind.value) == (
        "裁定书",
        "二审",
        "刑事",
    )
    assert e.court_region_code.value == "150400"  # an intermediate court: its city
    [d] = e.defendants
    assert (d.sentence.term_months.value, d.sentence.fine.value) == (12, Decimal("2000"))
    assert d.sentence.term_months.surface(UPHELD) == "一年"
    assert "sentence of 张某 read from the judgment upheld" in e.problems
    assert [a.label for a in e.articles] == ["刑事诉讼法 236 §1 (1)"]


def test_a_custody_period_longer_than_the_term_is_noted() -> None:
    text = HEADER.replace(
        "并处罚金人民币1000元。", "并处罚金人民币1000元（即自2019年1月1日起至2019年12月31日止）。"
    )
    e = extract(text)
    assert any(p.startswith("custody period of 李×") and "(3)" in p for p in e.problems)
    assert not any(p.startswith("custody period of 王某某") for p in e.problems)


def test_confiscation_and_restitution_orders(dev_docs) -> None:
    text = dev_docs["5ab143b9-2461-4af4-8a45-b3a8c4cdd89c"].text
    orders = extract(text).orders
    assert [(o.kind.value, o.defendant) for o in orders] == [("没收", None), ("退赔", "周某某")]
    assert orders[1].amount.value == Decimal("2208.3")
    assert orders[1].amount.surface(text) == "人民币二千二百零八元三角"
    assert all(o.text.surface(text) == o.text.value for o in orders)
    # 没收个人财产 is an additional penalty, not an order
    assert (
        extract(HEADER.replace("并处罚金人民币1000元", "并处没收个人财产人民币一万元")).orders == []
    )
