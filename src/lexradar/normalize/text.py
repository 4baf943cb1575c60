"""Free text: causes of action, court and office names, institutions, notes.

- :func:`clean`: compatibility forms folded (NFKC), invisible characters dropped, runs of white
  space collapsed to one space, ends stripped;
- :func:`compare`: ``exact``, ``exact_after_clean`` or ``different``;
- :func:`mask`: free text is shown, with every resident ID inside it masked
  (:func:`lexradar.normalize.resident_id.mask_in_text`). Names inside a text can only be found
  when they are known: :func:`lexradar.normalize.masking.mask_text` takes them.
"""

from __future__ import annotations

import unicodedata

from lexradar.errors import NormalizeError
from lexradar.normalize.base import Comparison
from lexradar.normalize.resident_id import mask_in_text

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def clean(raw: object) -> str:
    """The text with compatibility forms folded and white space collapsed, or
    :class:`NormalizeError` (``not_text``) for a value that is not text."""
    if not isinstance(raw, str):
        raise NormalizeError("not text", reason="not_text", value=raw)
    return " ".join(unicodedata.normalize("NFKC", raw).translate(_INVISIBLE).split())


def is_valid(value: str) -> bool:
    """True when ``value`` is already clean."""
    try:
        return clean(value) == value
    except NormalizeError:
        return False


def compare(a: str, b: str) -> Comparison:
    """Compare two texts: ``exact``, ``exact_after_clean`` or ``different``."""
    if a == b:
        return Comparison("exact", f"{a} vs {b}: identical")
    try:
        if clean(a) == clean(b):
            return Comparison("exact_after_clean", f"{a} vs {b}: same text after cleaning")
    except NormalizeError:
        pass
    return Comparison("different", f"{a} vs {b}: different texts")


def mask(value: object) -> object:
    """The text as shown: unchanged but for the resident IDs inside it, masked."""
    return mask_in_text(value) if isinstance(value, str) else value
