"""Chinese numerals, dates, terms and amounts as judgments write them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lexradar.documents.numerals import (
    parse_date,
    parse_decimal,
    parse_int,
    parse_money,
    parse_term,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十", 10),
        ("十八", 18),
        ("二十", 20),
        ("一百零五", 105),
        ("两", 2),
        ("一万一千", 11000),
        ("二千二百零八", 2208),
        ("十万", 100000),
        ("一亿二千万", 120_000_000),
        ("壹万贰仟叁佰", 12300),
        ("叁仟", 3000),
        ("1万2千", 12000),
        ("50万", 500000),
        ("２，０００", 2000),
        ("2,000", 2000),
        ("１２", 12),
        ("二〇一七", 2017),
        ("二○一八", 2018),
    ],
)
def test_numbers(text: str, value: int) -> None:
    assert parse_int(text) == value


def test_decimal_numbers() -> None:
    assert parse_decimal("1.1万") == Decimal("11000")
    assert parse_decimal("2.5") == Decimal("2.5")
    with pytest.raises(ValueError, match="not a whole number"):
        parse_int("2.5")
    with pytest.raises(ValueError, match="not a number"):
        parse_decimal("三个")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("二〇一七年二月七日", dt.date(2017, 2, 7)),
        ("2017年2月7日", dt.date(2017, 2, 7)),
        ("二○一八年五月十九日", dt.date(2018, 5, 19)),
        ("二〇一六年十二月二十八日", dt.date(2016, 12, 28)),
        ("２０１９年１月３日", dt.date(2019, 1, 3)),
    ],
)
def test_dates(text: str, value: dt.date) -> None:
    assert parse_date(text) == value


def test_impossible_date_is_refused_with_the_text() -> None:
    with pytest.raises(ValueError, match="二〇一七年二月三十日"):
        parse_date("二〇一七年二月三十日")


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("一年六个月", 18),
        ("1年6个月", 18),
        ("十八个月", 18),
        ("一年零六个月", 18),
        ("一年又六个月", 18),
        ("二年", 24),
        ("两年", 24),
        ("十五年", 180),
        ("六个月", 6),
        ("1个月", 1),
    ],
)
def test_terms(text: str, months: int) -> None:
    assert parse_term(text) == months


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("人民币一万一千元", "11000"),
        ("11000元", "11000"),
        ("1.1万元", "11000"),
        ("人民币2，000元", "2000"),
        ("50万元", "500000"),
        ("人民币叁仟元", "3000"),
        ("二千二百零八元三角", "2208.3"),
    ],
)
def test_money(text: str, yuan: str) -> None:
    assert parse_money(text) == Decimal(yuan)
    assert str(parse_money(text)) == yuan  # no exponent, no trailing zeros
