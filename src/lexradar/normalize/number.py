"""Counts and terms: whole numbers such as ``term_months`` or ``source_row``.

- :func:`clean`: an int, or integral text (full-width digits allowed, thousands separators not);
  anything else is refused with reason ``bad_number``;
- :func:`compare`: ``exact`` or ``different`` (with the difference);
- :func:`mask`: numbers are shown as they are.
"""

from __future__ import annotations

import numbers
import unicodedata

from lexradar.errors import NormalizeError
from lexradar.normalize.base import Comparison


def clean(raw: object) -> int:
    """The whole number ``raw`` holds, or :class:`NormalizeError` (``bad_number``)."""
    if isinstance(raw, bool) or raw is None:
        raise NormalizeError("not a number", reason="bad_number", value=raw)
    if isinstance(raw, numbers.Integral):
        return int(raw)
    if isinstance(raw, numbers.Real) and float(raw).is_integer():
        return int(float(raw))
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        if digits.isascii() and digits.isdigit():
            return sign * int(digits)
    raise NormalizeError("not a whole number", reason="bad_number", value=raw)


def is_valid(raw: object) -> bool:
    """True when :func:`clean` reads a whole number from ``raw``."""
    try:
        clean(raw)
    except NormalizeError:
        return False
    return True


def compare(a: int, b: int) -> Comparison:
    """Compare two numbers: ``exact`` or ``different``."""
    if a == b:
        return Comparison("exact", f"{a} vs {b}: equal")
    return Comparison("different", f"{a} vs {b}: differ by {abs(a - b)}")


def mask(value: object) -> object:
    """A number as shown to every role: unchanged."""
    return value
