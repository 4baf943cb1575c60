"""The judgment-result parser on real-shaped strings (court export cells and document parts)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lexradar.documents.numerals import parse_money, parse_term
from lexradar.documents.sentence import Found, SentenceResult, parse_result


def _check_spans(text: str, r: SentenceResult) -> None:
    """Every span's words say its value."""
    for name in ("term_months", "probation_months"):
        found = getattr(r, name)
        if found is not None:
            assert parse_term(found.surface(text)) == found.value
    if r.fine is not None and not r.combined:
        assert parse_money(found_text := r.fine.surface(text)) == r.fine.value, found_text
    if r.penalty_kind is not None and r.penalty_kind.value not in ("单处罚金", "死刑缓期二年执行"):
        assert r.penalty_kind.surface(text).replace("免于", "免予") == r.penalty_kind.value


def test_issue_17_imprisonment_with_probation() -> None:
    text = "判处有期徒刑1年6个月，缓刑二年"
    r = parse_result(text)
    _check_spans(text, r)
    assert (r.penalty_kind.value, r.term_months.value, r.probation_months.value) == (
        "有期徒刑",
        18,
        24,
    )
    assert r.term_months.surface(text) == "1年6个月"
    assert r.probation_months.surface(text) == "二年"
    row = r.as_row()
    assert row["outcome"] == "probation"
    assert (row["term_months"], row["sentence_months"]) == (24, 18)  # the contract's reading


def test_issue_17_detention_with_fine() -> None:
    text = "判处拘役1个月，并处罚金人民币11000元"
    r = parse_result(text)
    _check_spans(text, r)
    assert (r.penalty_kind.value, r.term_months.value, r.probation_months) == ("拘役", 1, None)
    assert r.fine == Found(Decimal("11000"), 12, 21)
    assert r.fine.surface(text) == "人民币11000元"
    assert r.as_row()["outcome"] == "criminal_detention"


def test_issue_17_term_alone() -> None:
    r = parse_result("一年六个月")
    assert r.term_months == Found(18, 0, 5)
    assert r.penalty_kind is None
    r = parse_result("一年六个月，缓刑二年")
    assert (r.term_months.value, r.probation_months.value) == (18, 24)
    assert parse_result("缓刑二年").probation_months == Found(24, 2, 4)
    assert parse_result("2017年2月7日").term_months is None  # a date is no term


@pytest.mark.parametrize(
    ("text", "outcome", "surface"),
    [
        ("不准予原告与被告离婚", "divorce_denied", "不准予原告与被告离婚"),
        ("准予原告张某与被告李某离婚。", "divorce_granted", "准予原告张某与被告李某离婚"),
        ("不准许原告王某某与被告赵某离婚", "divorce_denied", "不准许原告王某某与被告赵某离婚"),
        ("驳回原告的离婚诉讼请求", "divorce_denied", "驳回原告的离婚诉讼请求"),
        ("准许原告撤诉", "withdrawn", "撤诉"),
        ("准许原告撤回起诉。", "withdrawn", "撤回起诉"),
    ],
)
def test_divorce_outcomes(text: str, outcome: str, surface: str) -> None:
    r = parse_result(text)
    assert r.civil_outcome is not None
    assert r.civil_outcome.value == outcome
    assert r.civil_outcome.surface(text) == surface
    assert r.as_row()["outcome"] == outcome


def test_dismissal_means_what_the_cause_says() -> None:
    text = "驳回原告的诉讼请求"
    assert parse_result(text).outcome == "plaintiff_lost"
    assert parse_result(text, "civil", cause="离婚纠纷").outcome == "divorce_denied"
    assert parse_result(text, "divorce").outcome == "divorce_denied"
    assert parse_result(text, "civil", cause="民间借贷纠纷").outcome == "plaintiff_lost"


def test_award() -> None:
    text = "被告李某于本判决生效之日起十日内偿还原告张某借款人民币5万元"
    r = parse_result(text)
    assert r.outcome == "plaintiff_won"
    assert r.award is not None and r.award.value == Decimal("50000")
    assert r.award.surface(text) == "人民币5万元"


def test_combined_sentence_is_the_executed_one() -> None:
    text = (
        "被告人魏某犯开设赌场罪，判处有期徒刑十个月，并处罚金人民币二万元，犯非法持有枪支罪，"
        "判处有期徒刑一年，数罪并罚，决定执行有期徒刑一年六个月，并处罚金人民币二万元。 "
        "（刑期自判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，"
        "即自2013年12月2日起至2015年6月1日止。罚金限于本判决生效后十日内缴纳。）"
    )
    r = parse_result(text)
    _check_spans(text, r)
    assert r.combined is not None and r.combined.surface(text) == "决定执行"
    assert (r.penalty_kind.value, r.term_months.value) == ("有期徒刑", 18)
    assert r.term_months.surface(text) == "一年六个月"
    assert r.fine is not None and r.fine.value == Decimal("20000")
    assert [c.value for c in r.charges] == ["开设赌场罪", "非法持有枪支罪"]
    assert [(c.term_months.value if c.term_months else None) for c in r.counts] == [10, 12]
    assert r.custody_start.value == dt.date(2013, 12, 2)
    assert r.custody_end.value == dt.date(2015, 6, 1)
    assert r.custody_end.surface(text) == "2015年6月1日"


def test_fines_of_counts_add_up_when_the_combined_sentence_names_none() -> None:
    text = (
        "被告人甲犯盗窃罪，判处有期徒刑一年，并处罚金人民币二千元；犯诈骗罪，判处有期徒刑六个月，"
        "并处罚金人民币一千元；决定执行有期徒刑一年三个月"
    )
    r = parse_result(text)
    assert r.term_months.value == 15
    assert r.fine.value == Decimal("3000")


def test_merged_with_an_earlier_sentence() -> None:
    text = (
        "被告人刘某犯贩卖毒品罪，判处有期徒刑二年六个月，并处罚金人民币五千元，与前罪未执行的有期徒刑"
        "六个月，并处罚金人民币一千元合并，决定执行有期徒刑二年九个月，并处罚金人民币六千元。"
    )
    r = parse_result(text)
    assert (r.term_months.value, r.fine.value) == (33, Decimal("6000"))
    assert [c.value for c in r.charges] == ["贩卖毒品罪"]


def test_a_note_in_parentheses_is_no_second_sentence() -> None:
    text = (
        "上诉人董波犯危险驾驶罪，判处拘役二个月，缓刑三个月，并处罚金人民币三千元。"
        "（缓刑考验期限，从判决确定之日起计算。罚金人民币五千元已缴纳）"
    )
    r = parse_result(text)
    assert (r.term_months.value, r.probation_months.value, r.fine.value) == (2, 3, Decimal("3000"))


@pytest.mark.parametrize(
    ("text", "kind", "months"),
    [
        (
            "判处死刑，缓期二年执行，剥夺政治权利终身，并处没收个人全部财产",
            "死刑缓期二年执行",
            None,
        ),
        ("判处死刑，剥夺政治权利终身", "死刑", None),
        ("判处无期徒刑，剥夺政治权利终身", "无期徒刑", None),
        ("判处管制一年，禁止其在管制执行期间进入娱乐场所", "管制", 12),
        ("犯贪污罪，免予刑事处罚", "免予刑事处罚", None),
        ("犯贪污罪，免于刑事处罚", "免予刑事处罚", None),
        ("判处罚金人民币五千元（罚金已缴纳）", "单处罚金", None),
        ("判处有期徒刑五年六个月", "有期徒刑", 66),
        ("判处有期徒刑一年零六个月", "有期徒刑", 18),
        ("判处拘役四个月，宣告缓刑八个月", "拘役", 4),
    ],
)
def test_penalty_kinds(text: str, kind: str, months: int | None) -> None:
    r = parse_result(text)
    _check_spans(text, r)
    assert r.penalty_kind is not None and r.penalty_kind.value == kind
    assert (r.term_months.value if r.term_months else None) == months


def test_additional_penalties() -> None:
    text = "判处有期徒刑十年，剥夺政治权利二年，并处没收个人财产人民币十万元；驱逐出境"
    r = parse_result(text)
    kinds = {a.kind.value: a for a in r.additional}
    assert set(kinds) == {"剥夺政治权利", "没收财产", "驱逐出境"}
    assert kinds["剥夺政治权利"].months.value == 24
    assert kinds["剥夺政治权利"].months.surface(text) == "二年"
    assert kinds["没收财产"].amount.value == Decimal("100000")
    assert r.fine is None  # confiscation is not a fine
    life = parse_result("判处无期徒刑，剥夺政治权利终身").as_row()
    assert life["deprivation_political_rights_life"] is True
    ban = parse_result("判处有期徒刑一年，缓刑一年，禁止被告人在缓刑考验期内进入酒吧")
    assert [a.kind.value for a in ban.additional] == ["禁止令"]


def test_words_that_are_not_sentences() -> None:
    # 应当判处有期徒刑以上刑罚 and 管制刀具 have no term: no penalty read
    r = parse_result("明知是应当判处有期徒刑以上刑罚之罪，携带管制刀具")
    assert r.penalty_kind is None and r.term_months is None


def test_spans_index_the_whole_text_when_a_window_is_read() -> None:
    text = (
        "前文不相干。判决如下：被告人张3犯诈骗罪，判处有期徒刑七个月，并处罚金人民币三万元。"
        "如不服本判决"
    )
    r = parse_result(text)
    assert r.term_months.surface(text) == "七个月"
    assert r.fine.surface(text) == "人民币三万元"
    start = text.index("被告人")
    r2 = parse_result(text, start=start, end=text.index("如不服"))
    assert r2.term_months == r.term_months


def test_odd_text_never_raises() -> None:
    for text in ("", "。", "判处有期徒刑", "罚金", "二〇一七年二月三十日起至二〇一七年三月一日止"):
        assert parse_result(text).penalty_kind is None


def test_custody_is_the_term_not_the_detention_credited() -> None:
    text = (
        "数罪并罚，决定合并执行有期徒刑二年六个月 （刑期自判决执行之日起计算，"
        "判决执行以前先行羁押的，羁押一日折抵刑期一日，折抵2014年7月9日至2014年7月23日先行羁押的15日，"
        "即自2014年12月31日起至2017年6月15日止。）"
    )
    r = parse_result(text)
    assert r.term_months.value == 30
    assert (r.custody_start.value, r.custody_end.value) == (
        dt.date(2014, 12, 31),
        dt.date(2017, 6, 15),
    )
    assert r.custody_start.surface(text) == "2014年12月31日"


def test_an_earlier_conviction_is_no_charge_of_this_judgment() -> None:
    text = (
        "上诉人向双双犯故意伤害罪，判处有期徒刑四年，与淮滨县人民法院（2012）淮刑初字第165号刑事判决中"
        "对向双双犯聚众斗殴罪，判处有期徒刑三年数罪并罚，决定执行有期徒刑六年。"
    )
    r = parse_result(text)
    assert [c.value for c in r.charges] == ["故意伤害罪"]
    assert r.term_months.value == 72
    prior = "被告人杨文洲犯容留他人吸毒罪，判处有期徒刑七个月；与之前犯诈骗罪没有执行的刑罚并罚"
    assert [c.value for c in parse_result(prior).charges] == ["容留他人吸毒罪"]


def test_a_reduction_is_no_sentence() -> None:
    assert parse_result("对罪犯王某减去有期徒刑六个月").penalty_kind is None
    r = parse_result("对罪犯王某减为有期徒刑二十年，剥夺政治权利改为八年")  # commuted: the new term
    assert (r.penalty_kind.value, r.term_months.value) == ("有期徒刑", 240)
