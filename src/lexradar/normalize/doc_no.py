"""Numbers of documents and registers that belong to a person or a household: travel documents
(护照, 通行证), driving licences (whose number is usually the holder's resident ID), household
numbers (户号). Marriage certificate numbers have their own normal form
(:mod:`lexradar.normalize.cert_no`) and are shown as these are (:func:`mask`).

- :func:`clean`: compatibility forms folded (full-width letters and digits become ASCII), white
  space dropped, letters upper-cased; an empty value is refused with reason ``empty_number``;
- :func:`compare`: ``exact``, ``exact_after_clean``, ``adjacent_transposition``,
  ``one_substitution`` or ``different``;
- :func:`mask`: such numbers are shown (a handler looks the document up by its number), except
  that any resident ID inside one is masked as IDs are (``150404********1234``).
"""

from __future__ import annotations

import unicodedata

from lexradar.errors import NormalizeError
from lexradar.normalize.base import Comparison
from lexradar.normalize.resident_id import mask_in_text

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def clean(raw: object) -> str:
    """The number in canonical form, or :class:`NormalizeError` (``empty_number``)."""
    if raw is None or isinstance(raw, bool):
        raise NormalizeError("the number is empty", reason="empty_number", value=raw)
    text = "".join(unicodedata.normalize("NFKC", str(raw)).translate(_INVISIBLE).split())
    if not text:
        raise NormalizeError("the number is empty", reason="empty_number", value=raw)
    return text.upper()


def is_valid(value: str) -> bool:
    """True when ``value`` is already clean."""
    try:
        return clean(value) == value
    except NormalizeError:
        return False


def compare(a: str, b: str) -> Comparison:
    """Compare two numbers: ``exact``, ``exact_after_clean``, ``adjacent_transposition``,
    ``one_substitution`` (same length, one character differs) or ``different``."""
    if a == b:
        return Comparison("exact", f"{a} vs {b}: identical")
    try:
        ca, cb = clean(a), clean(b)
    except NormalizeError:
        return Comparison("different", f"{a} vs {b}: one is empty")
    if ca == cb:
        return Comparison("exact_after_clean", f"{a} vs {b}: both clean to {ca}")
    if len(ca) == len(cb):
        diffs = [i for i, (x, y) in enumerate(zip(ca, cb, strict=True)) if x != y]
        if len(diffs) == 1:
            i = diffs[0]
            return Comparison("one_substitution", f"{a} vs {b}: character {i + 1} differs")
        if (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and ca[diffs[0]] == cb[diffs[1]]
            and ca[diffs[1]] == cb[diffs[0]]
        ):
            i = diffs[0] + 1
            return Comparison(
                "adjacent_transposition", f"{a} vs {b}: characters {i}-{i + 1} swapped"
            )
    return Comparison("different", f"{a} vs {b}: different numbers")


def mask(value: object) -> object:
    """The number as shown: unchanged, but a resident ID inside it masked."""
    return mask_in_text(value) if isinstance(value, str) else value
