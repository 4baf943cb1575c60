"""Dates as agencies write them.

:func:`parse` turns a cell into a :class:`datetime.date`. It accepts

- text in any of :data:`DEFAULT_FORMATS` — ``2015-03-08``, ``2015-3-8``, ``2015/3/8``,
  ``2015.3.8``, ``2015年3月8日``, ``20150308`` — with full-width digits, surrounding spaces and
  a trailing time of day (``2015-03-08 00:00:00``, ``2015-03-08T10:30:00+08:00``) allowed;
- :class:`datetime.date` and :class:`datetime.datetime` objects;
- Excel serial day numbers, as numbers or numeric text from 1 to 2958465 (9999-12-31), counted
  the way Excel counts them, 1900 leap-year bug included (serial 61 is 1900-03-01; serial 60,
  Excel's fictitious 1900-02-29, is refused). An eight-digit text such as ``20150308`` is
  always ``YYYYMMDD``, never a serial; so is an eight-digit number.

A value that is no date is refused with reason ``bad_date``; a date-shaped value that names no
day of the calendar (``2015-02-30``, ``2015-13-01``) with reason ``impossible_date``.

:func:`compare` recognises the usual slips: day and month swapped, one field mistyped.

Event dates are shown as they are (:func:`mask` returns them unchanged); a date of birth is
personal data and a role that sees masked data sees its year only (:func:`mask_birth`:
``1990-03-08`` → ``1990-**-**``).
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal

from lexradar.errors import NormalizeError
from lexradar.normalize.base import Comparison

DEFAULT_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y年%m月%d日",
    "%Y%m%d",
)
"""``strptime`` formats tried in order on the date part (``%m`` and ``%d`` take 1 or 2 digits)."""

EXCEL_MAX_SERIAL = 2958465
"""Excel's serial number of 9999-12-31."""

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_FAKE_LEAP_DAY = 60
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_TIME = re.compile(r"(?:[ T]+|(?<=日))\d{1,2}(?::\d{1,2}){1,2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SHAPE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{4})(\d{2})(\d{2})")


def _bad(raw: object, why: str) -> NormalizeError:
    return NormalizeError(why, reason="bad_date", value=raw)


def from_excel_serial(serial: float | int, raw: object = None) -> dt.date:
    """The date of an Excel serial day number (its fraction, the time of day, is dropped)."""
    value = raw if raw is not None else serial
    if isinstance(serial, float) and not math.isfinite(serial):
        raise _bad(value, "not a finite number")
    day = math.floor(serial)
    if not 1 <= day <= EXCEL_MAX_SERIAL:
        raise _bad(value, f"{serial} is outside Excel's serial range 1..{EXCEL_MAX_SERIAL}")
    if day == _EXCEL_FAKE_LEAP_DAY:
        raise NormalizeError(
            "Excel serial 60 is 1900-02-29, a day that never was",
            reason="impossible_date",
            value=value,
        )
    if day < _EXCEL_FAKE_LEAP_DAY:  # before Excel's fictitious leap day the epoch is one later
        day += 1
    return _EXCEL_EPOCH + dt.timedelta(days=day)


def _from_digits(text: str, raw: object) -> dt.date:
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise NormalizeError(
            f"{text} is YYYYMMDD but names no real day", reason="impossible_date", value=raw
        ) from None


def _parse_number(number: numbers.Real | float | Decimal, raw: object) -> dt.date:
    """A number: eight whole digits are YYYYMMDD, anything else an Excel serial."""
    if isinstance(number, numbers.Integral):
        whole: int | None = int(number)
        value = float(number)
    else:
        value = float(number)
        if not math.isfinite(value):
            raise _bad(raw, "not a finite number")
        whole = int(value) if value.is_integer() else None
    if whole is not None and 10_000_000 <= whole <= 99_999_999:
        return _from_digits(str(whole), raw)
    return from_excel_serial(value, raw)


def _normalize_text(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE).strip()
    if "年" in text:
        text = "".join(text.split())
    return _TIME.sub("", text, count=1).strip() if _TIME.search(text) else text


def parse(raw: object, formats: Sequence[str] | None = None) -> dt.date:
    """The date a cell holds, or :class:`NormalizeError` (``bad_date``, ``impossible_date``).

    ``formats`` replaces :data:`DEFAULT_FORMATS` for text; a time of day after the date is
    dropped before they are tried.
    """
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if raw is None or isinstance(raw, bool):
        raise _bad(raw, "not a date")
    if isinstance(raw, numbers.Real | Decimal):
        return _parse_number(raw, raw)
    if not isinstance(raw, str):
        raise _bad(raw, f"a {type(raw).__name__} is not a date")
    text = _normalize_text(raw)
    if not text:
        raise _bad(raw, "the date is empty")
    if text.isascii() and text.isdigit() and len(text) == 8:
        return _from_digits(text, raw)
    if _NUMBER.fullmatch(text):
        return _parse_number(Decimal(text), raw)
    for fmt in DEFAULT_FORMATS if formats is None else formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if m := _SHAPE.fullmatch(text):
        y, mo, d = (int(g) for g in m.groups() if g is not None)
        raise NormalizeError(
            f"{y:04d}-{mo:02d}-{d:02d} is no day of the calendar",
            reason="impossible_date",
            value=raw,
        )
    raise _bad(raw, "not a date in any known format")


def clean(raw: object) -> dt.date:
    """Same as :func:`parse` with the default formats."""
    return parse(raw)


def is_valid(raw: object) -> bool:
    """True when :func:`parse` reads a date from ``raw``."""
    try:
        parse(raw)
    except NormalizeError:
        return False
    return True


def compare(a: dt.date, b: dt.date) -> Comparison:
    """Compare two dates: ``exact``, ``day_month_swapped`` (same year, 2015-03-08 vs
    2015-08-03), ``one_field_differs`` (year, month or day) or ``different``."""
    if a == b:
        return Comparison("exact", f"{a} vs {b}: same date")
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return Comparison("day_month_swapped", f"{a} vs {b}: day and month swapped")
    fields = [
        name
        for name, x, y in (
            ("year", a.year, b.year),
            ("month", a.month, b.month),
            ("day", a.day, b.day),
        )
        if x != y
    ]
    if len(fields) == 1:
        return Comparison("one_field_differs", f"{a} vs {b}: only the {fields[0]} differs")
    return Comparison("different", f"{a} vs {b}: {' and '.join(fields)} differ")


def mask(value: object) -> object:
    """An event date as shown to every role: unchanged (only dates of birth are hidden)."""
    return value


def mask_birth(value: object) -> object:
    """A date of birth as a masked role sees it: the year only (``1990-**-**``); a value that is
    no date is ``****-**-**``. ``None`` stays ``None``."""
    if value is None:
        return None
    try:
        born = parse(value)
    except NormalizeError:
        return "****-**-**"
    return f"{born.year:04d}-**-**"
