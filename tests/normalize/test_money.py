"""Amounts in yuan: separators, currency marks, full-width digits, fen integers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lexradar.errors import NormalizeError
from lexradar.normalize import money
from lexradar.normalize.base import Comparison


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234.50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1,234,567.8", "1234567.80"),
        ("¥1234.5", "1234.50"),
        ("￥1,234.5", "1234.50"),
        ("1234.50元", "1234.50"),
        ("人民币1234.5元整", "1234.50"),
        ("RMB 1,234.50", "1234.50"),
        ("1234.5 CNY", "1234.50"),
        ("１２３４．５０", "1234.50"),
        ("１，２３４．５元", "1234.50"),
        (" 1234.5\u3000", "1234.50"),
        ("-12.3", "-12.30"),
        ("¥-5", "-5.00"),
        ("-¥5", "-5.00"),
        (".5", "0.50"),
        ("0", "0.00"),
        ("1234.505", "1234.51"),  # half up, as 四舍五入
        ("1234.504", "1234.50"),
        (1234.5, "1234.50"),
        (0.1 + 0.2, "0.30"),
        (1020, "1020.00"),
        (Decimal("1.005"), "1.01"),
    ],
)
def test_parse_yuan(raw: object, expected: str) -> None:
    assert money.parse_yuan(raw) == Decimal(expected)
    assert str(money.parse_yuan(raw)) == expected
    assert money.clean(raw) == Decimal(expected)
    assert money.is_valid(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(123450, "1234.50"), ("123450", "1234.50"), ("１２３４５０", "1234.50"), (5, "0.05"),
     (-100, "-1.00"), (123450.0, "1234.50"), ("1,234,500", "12345.00")],
)  # fmt: skip
def test_parse_fen(raw: object, expected: str) -> None:
    assert str(money.parse_yuan(raw, unit="fen")) == expected


@pytest.mark.parametrize(
    ("raw", "unit"),
    [
        ("1,5", "yuan"),  # a European decimal comma, or a typo: never guessed
        ("1,23,456", "yuan"),  # Indian grouping
        ("12,34.5", "yuan"),
        ("1e5", "yuan"),
        ("1.2.3", "yuan"),
        ("--5", "yuan"),
        ("abc", "yuan"),
        ("一千元", "yuan"),
        ("", "yuan"),
        ("元", "yuan"),
        (None, "yuan"),
        (True, "yuan"),
        (float("nan"), "yuan"),
        (float("inf"), "yuan"),
        (Decimal("Infinity"), "yuan"),
        ([12], "yuan"),
        ("12.5", "fen"),
        (12.5, "fen"),
        ("100元", "fen"),
        ("¥100", "fen"),
    ],
)
def test_parse_yuan_refuses(raw: object, unit: str) -> None:
    with pytest.raises(NormalizeError) as err:
        money.parse_yuan(raw, unit=unit)  # type: ignore[arg-type]
    assert err.value.reason == "bad_amount"
    assert err.value.value is raw or err.value.value == raw


def test_unknown_unit_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        money.parse_yuan("1", unit="jiao")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("12.00", "12", "exact"),
        ("12.00", "1200.00", "fen_as_yuan"),
        ("1200.00", "12.00", "fen_as_yuan"),
        ("12.00", "12.01", "different"),
        ("0", "0.00", "exact"),
    ],
)
def test_compare(a: str, b: str, level: str) -> None:
    result = money.compare(Decimal(a), Decimal(b))
    assert result == Comparison(level, result.detail)
    assert result.detail.startswith(f"{Decimal(a)} vs {Decimal(b)}")


# -- properties --------------------------------------------------------------------------

AMOUNTS = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False
)


@given(AMOUNTS)
def test_written_forms_round_trip(amount: Decimal) -> None:
    assert money.parse_yuan(str(amount)) == amount
    assert money.parse_yuan(f"{amount:,}") == amount
    assert money.parse_yuan(f"{amount}元") == amount
    assert money.parse_yuan(int(amount * 100), unit="fen") == amount


@given(AMOUNTS | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_clean_is_idempotent(raw: Decimal | float) -> None:
    once = money.clean(raw)
    assert money.clean(once) == once
    assert money.clean(str(once)) == once
    assert once == once.quantize(money.FEN)


@given(AMOUNTS, AMOUNTS)
def test_compare_is_symmetric(a: Decimal, b: Decimal) -> None:
    assert money.compare(a, b).level == money.compare(b, a).level


@given(st.text(max_size=15))
def test_parse_raises_only_normalize_errors(raw: str) -> None:
    try:
        money.parse_yuan(raw)
    except NormalizeError as err:
        assert err.value == raw
