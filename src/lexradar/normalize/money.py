"""Amounts of money in yuan (元), as payment records carry them.

:func:`parse_yuan` reads ``1234.5``, ``'1,234.50'``, ``'¥1234.5'``, ``'1234.50元'``,
``'RMB 1234.50'``, full-width digits and a leading minus (refunds, reversals) into a
:class:`decimal.Decimal` quantized to the fen (0.01, rounding half up). With ``unit="fen"`` the
value is a whole number of fen, as many payment systems store it (``123450`` → ``1234.50``).

Thousands separators must group by three: ``'1,5'`` is refused rather than read as 15 or as
the European 1.5. Floats are read through their shortest decimal form, so ``0.1 + 0.2`` is
``0.30``. Anything else is refused with reason ``bad_amount``.
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from lexradar.errors import NormalizeError
from lexradar.normalize.base import Comparison

FEN = Decimal("0.01")

CURRENCY_PREFIXES: tuple[str, ...] = ("人民币", "RMB", "CNY", "¥", "￥")
CURRENCY_SUFFIXES: tuple[str, ...] = ("元整", "元", "圆", "RMB", "CNY")

_AMOUNT = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def _bad(raw: object, why: str) -> NormalizeError:
    return NormalizeError(why, reason="bad_amount", value=raw)


def _strip_currency(text: str, raw: object, unit: str) -> str:
    sign = ""
    if text[:1] in "-+":
        sign, text = text[:1], text[1:].lstrip()
    marked = False
    for prefix in CURRENCY_PREFIXES:
        if text.upper().startswith(prefix):
            text, marked = text[len(prefix) :].lstrip(), True
            break
    if text[:1] in "-+" and not sign:
        sign, text = text[:1], text[1:].lstrip()
    for suffix in CURRENCY_SUFFIXES:
        if text.upper().endswith(suffix):
            text, marked = text[: -len(suffix)].rstrip(), True
            break
    if marked and unit == "fen":
        raise _bad(raw, "the text says yuan but the unit is fen")
    return sign + text


def _to_decimal(raw: object, unit: str) -> Decimal:
    if raw is None or isinstance(raw, bool):
        raise _bad(raw, "not an amount")
    if isinstance(raw, Decimal):
        number = raw
    elif isinstance(raw, numbers.Integral):
        number = Decimal(int(raw))
    elif isinstance(raw, numbers.Real):
        number = Decimal(repr(float(raw)))  # the shortest decimal that reads back as this float
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE)
        text = "".join(text.split())
        if not text:
            raise _bad(raw, "the amount is empty")
        text = _strip_currency(text, raw, unit)
        if not _AMOUNT.fullmatch(text):
            raise _bad(raw, "not a number of yuan")
        number = Decimal(text.replace(",", ""))
    else:
        raise _bad(raw, f"a {type(raw).__name__} is not an amount")
    if not number.is_finite():
        raise _bad(raw, "not a finite amount")
    return number


def parse_yuan(raw: object, unit: Literal["yuan", "fen"] = "yuan") -> Decimal:
    """The amount in yuan, quantized to 0.01, or :class:`NormalizeError` (``bad_amount``).

    ``unit="fen"`` reads a whole number of fen and divides it by 100.
    """
    if unit not in ("yuan", "fen"):
        raise ValueError(f"unit must be 'yuan' or 'fen', not {unit!r}")
    number = _to_decimal(raw, unit)
    if unit == "fen":
        if number != number.to_integral_value():
            raise _bad(raw, "an amount in fen must be a whole number")
        number = number / 100
    try:
        return number.quantize(FEN, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise _bad(raw, "the amount is too large") from None


def clean(raw: object) -> Decimal:
    """Same as :func:`parse_yuan` in yuan."""
    return parse_yuan(raw)


def is_valid(raw: object) -> bool:
    """True when :func:`parse_yuan` reads an amount in yuan from ``raw``."""
    try:
        parse_yuan(raw)
    except NormalizeError:
        return False
    return True


def compare(a: Decimal, b: Decimal) -> Comparison:
    """Compare two amounts: ``exact``, ``fen_as_yuan`` (one is exactly 100 times the other, the
    mark of an amount in fen read as yuan) or ``different``."""
    if a == b:
        return Comparison("exact", f"{a} vs {b}: same amount")
    if a != 0 and (a == b * 100 or b == a * 100):
        return Comparison("fen_as_yuan", f"{a} vs {b}: one is 100 times the other")
    return Comparison("different", f"{a} vs {b}: differ by {abs(a - b)}")


def mask(value: object) -> object:
    """An amount as shown to every role: unchanged (amounts are not personal data)."""
    return value
