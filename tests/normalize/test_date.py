"""Dates as agencies write them: every accepted shape, Excel serials, and impossible days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lexradar.errors import NormalizeError
from lexradar.normalize import date
from lexradar.normalize.base import Comparison

MARCH_8 = dt.date(2015, 3, 8)


@pytest.mark.parametrize(
    "raw",
    [
        "2015-03-08",
        "2015-3-8",
        "2015/3/8",
        "2015/03/08",
        "2015.3.8",
        "2015年3月8日",
        "2015年03月08日",
        " 2015 年 3 月 8 日 ",
        "20150308",
        "２０１５－０３－０８",
        "２０１５年３月８日",
        "２０１５０３０８",
        "2015-03-08 00:00:00",
        "2015-03-08 23:59:59.999",
        "2015-03-08T10:30:00+08:00",
        "2015-03-08T10:30:00Z",
        "2015/3/8 10:30",
        "2015年3月8日 10:30:00",
        "\u200b2015-03-08\ufeff",
        MARCH_8,
        dt.datetime(2015, 3, 8, 17, 45),
        42071,  # Excel serial
        42071.75,  # Excel serial with a time of day
        "42071",
        "42071.5",
        Decimal("42071"),
        20150308,  # YYYYMMDD that became a number
        20150308.0,
        "20150308.0",
    ],
)
def test_parse_march_8(raw: object) -> None:
    assert date.parse(raw) == MARCH_8
    assert date.clean(raw) == MARCH_8
    assert date.is_valid(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (61, dt.date(1900, 3, 1)),  # Excel's serial 60 is its fictitious 1900-02-29
        (25569, dt.date(1970, 1, 1)),
        (36526, dt.date(2000, 1, 1)),
        (2958465, dt.date(9999, 12, 31)),
        ("19491001", dt.date(1949, 10, 1)),
        ("2000-02-29", dt.date(2000, 2, 29)),
    ],
)
def test_parse_known_dates(raw: object, expected: dt.date) -> None:
    assert date.parse(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2015-02-30", "impossible_date"),
        ("2015-2-29", "impossible_date"),
        ("1900-02-29", "impossible_date"),
        ("2015-13-01", "impossible_date"),
        ("2015-00-10", "impossible_date"),
        ("2015年2月30日", "impossible_date"),
        ("20150230", "impossible_date"),
        (20150230, "impossible_date"),
        (60, "impossible_date"),
        ("abc", "bad_date"),
        ("", "bad_date"),
        ("  ", "bad_date"),
        ("2015-03", "bad_date"),
        ("3/8/2015", "bad_date"),
        ("2015-03-08 noon", "bad_date"),
        (None, "bad_date"),
        (True, "bad_date"),
        (0, "bad_date"),
        (-5, "bad_date"),
        (2958466, "bad_date"),
        ("2958466", "bad_date"),
        (float("nan"), "bad_date"),
        (float("inf"), "bad_date"),
        (Decimal("NaN"), "bad_date"),
        ([2015, 3, 8], "bad_date"),
    ],
)
def test_parse_refuses(raw: object, reason: str) -> None:
    with pytest.raises(NormalizeError) as err:
        date.parse(raw)
    assert err.value.reason == reason
    assert err.value.value is raw or err.value.value == raw
    assert not date.is_valid(raw)


def test_custom_formats_replace_the_defaults() -> None:
    assert date.parse("08/03/2015", formats=["%d/%m/%Y"]) == MARCH_8
    with pytest.raises(NormalizeError):
        date.parse("2015-03-08", formats=["%d/%m/%Y"])
    # an eight-digit text is YYYYMMDD whatever the formats
    assert date.parse("20150308", formats=["%d/%m/%Y"]) == MARCH_8


@pytest.mark.parametrize(
    ("a", "b", "level", "detail"),
    [
        (MARCH_8, dt.date(2015, 3, 8), "exact", "same date"),
        (MARCH_8, dt.date(2015, 8, 3), "day_month_swapped", "day and month swapped"),
        (MARCH_8, dt.date(2016, 3, 8), "one_field_differs", "only the year differs"),
        (MARCH_8, dt.date(2015, 4, 8), "one_field_differs", "only the month differs"),
        (MARCH_8, dt.date(2015, 3, 9), "one_field_differs", "only the day differs"),
        (MARCH_8, dt.date(2016, 8, 3), "different", "year and month and day differ"),
        (MARCH_8, dt.date(2015, 4, 9), "different", "month and day differ"),
    ],
)
def test_compare(a: dt.date, b: dt.date, level: str, detail: str) -> None:
    result = date.compare(a, b)
    assert result == Comparison(level, result.detail)
    assert detail in result.detail
    assert result.detail.startswith(f"{a} vs {b}")


# -- properties --------------------------------------------------------------------------

DATES = st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31))


@given(DATES)
def test_written_forms_round_trip(d: dt.date) -> None:
    assert date.parse(d.isoformat()) == d
    assert date.parse(f"{d.year}年{d.month}月{d.day}日") == d
    assert date.parse(d.strftime("%Y%m%d")) == d
    assert date.parse(f"{d.year}/{d.month}/{d.day}") == d
    assert date.parse(f"{d.year}.{d.month}.{d.day}") == d
    assert date.parse(f"{d.isoformat()} 00:00:00") == d


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)))
def test_excel_serials_round_trip(d: dt.date) -> None:
    serial = (d - dt.date(1899, 12, 30)).days
    assert date.parse(serial) == d
    assert date.parse(str(serial)) == d
    assert date.parse(serial + 0.5) == d


@given(DATES)
def test_clean_is_idempotent(d: dt.date) -> None:
    assert date.clean(date.clean(d.isoformat())) == date.clean(d.isoformat())


@given(DATES, DATES)
def test_compare_is_symmetric(a: dt.date, b: dt.date) -> None:
    assert date.compare(a, b).level == date.compare(b, a).level


@given(st.text(max_size=20))
def test_parse_raises_only_normalize_errors(raw: str) -> None:
    try:
        date.parse(raw)
    except NormalizeError as err:
        assert err.reason in ("bad_date", "impossible_date")
