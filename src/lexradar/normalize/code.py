"""Codes: identifiers of records, batches and cases (``record_id``, ``case_no``) and the values
of closed vocabularies (``gender``, ``status``, ``outcome``). They name no person by themselves.

- :func:`clean`: compatibility forms folded (NFKC: ``（２０２３）`` → ``(2023)``), white space
  stripped from the ends; an empty value is refused with reason ``empty_code``;
- :func:`compare`: ``exact``, ``exact_after_clean`` or ``different``;
- :func:`mask`: codes are shown as they are.
"""

from __future__ import annotations

import unicodedata

from lexradar.errors import NormalizeError
from lexradar.normalize.base import Comparison


def clean(raw: object) -> str:
    """The code in canonical form, or :class:`NormalizeError` (``empty_code``)."""
    if raw is None or isinstance(raw, bool):
        raise NormalizeError("the code is empty", reason="empty_code", value=raw)
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if not text:
        raise NormalizeError("the code is empty", reason="empty_code", value=raw)
    return text


def is_valid(value: str) -> bool:
    """True when ``value`` is already clean."""
    try:
        return clean(value) == value
    except NormalizeError:
        return False


def compare(a: str, b: str) -> Comparison:
    """Compare two codes: ``exact``, ``exact_after_clean`` or ``different``."""
    if a == b:
        return Comparison("exact", f"{a} vs {b}: identical")
    try:
        if clean(a) == clean(b):
            return Comparison("exact_after_clean", f"{a} vs {b}: same code after cleaning")
    except NormalizeError:
        pass
    return Comparison("different", f"{a} vs {b}: different codes")


def mask(value: object) -> object:
    """A code as shown to every role: unchanged."""
    return value
