"""Yes/no values, such as ``party_appeared``.

- :func:`clean`: ``True``/``False``, and the words agencies write for them (``是``/``否``,
  ``true``/``false``, ``1``/``0``, ``Y``/``N``); anything else is refused with reason ``bad_flag``;
- :func:`compare`: ``exact`` or ``different``;
- :func:`mask`: flags are shown as they are.
"""

from __future__ import annotations

import unicodedata

from lexradar.errors import NormalizeError
from lexradar.normalize.base import Comparison

TRUE = frozenset({"true", "t", "yes", "y", "1", "是", "有", "到庭"})
FALSE = frozenset({"false", "f", "no", "n", "0", "否", "无", "缺席", "未到庭"})


def clean(raw: object) -> bool:
    """The flag ``raw`` holds, or :class:`NormalizeError` (``bad_flag``)."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
    raise NormalizeError("not a yes/no value", reason="bad_flag", value=raw)


def is_valid(raw: object) -> bool:
    """True when :func:`clean` reads a flag from ``raw``."""
    try:
        clean(raw)
    except NormalizeError:
        return False
    return True


def compare(a: bool, b: bool) -> Comparison:
    """Compare two flags: ``exact`` or ``different``."""
    return Comparison("exact" if a == b else "different", f"{a} vs {b}")


def mask(value: object) -> object:
    """A flag as shown to every role: unchanged."""
    return value
