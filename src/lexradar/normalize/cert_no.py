"""Marriage and divorce certificate numbers (结婚证字号 / 离婚证字号): one normal form.

The registry writes a certificate as its letter(s), the issuing office's 6-digit GB/T 2260
region code, the year and a sequence number: ``J150103-2018-000035`` (``J`` 结婚证, ``L``
离婚证, ``BJ`` a reissued marriage certificate). Court citations of the same certificate differ:
full-width dashes (``J150103－2018－000035``), lower case (``j150103-2018-000035``), the
sequence without its zero padding (``J150103-2018-35``), no hyphens at all
(``J1501032018000035``), stray spaces. :func:`clean` gives every one of them the same normal
form: half-width, upper case, no hyphens, dashes or spaces, and, when the number has that
layout, the sequence zero-padded to six digits again: ``J1501032018000035``. A number of any
other layout is only made half-width, upper case and stripped of separators.

Verbs as in :mod:`lexradar.normalize`: :func:`is_valid`, :func:`clean`, :func:`compare`.
"""

from __future__ import annotations

import re
import unicodedata

from lexradar.errors import NormalizeError
from lexradar.normalize.base import Comparison

#: Letters, 6-digit region code, 4-digit year (19xx/20xx), sequence of 1 to 6 digits.
LAYOUT = re.compile(r"([A-Z]{1,3})([0-9]{6})((?:19|20)[0-9]{2})([0-9]{1,6})")
SEQUENCE_DIGITS = 6
#: Separators dropped: spaces of every kind, hyphens and dashes, underscores, middle dots.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−﹣－_·.。/、]+")


def clean(raw: object) -> str:
    """The normal form of a certificate number (see the module doc)."""
    if raw is None or not str(raw).strip():
        raise NormalizeError("the certificate number is empty", reason="empty_cert_no", value=raw)
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(raw))).upper()
    if not text:
        raise NormalizeError(
            "the certificate number holds only separators", reason="empty_cert_no", value=raw
        )
    m = LAYOUT.fullmatch(text)
    if m:
        letters, region, year, seq = m.groups()
        return f"{letters}{region}{year}{seq.zfill(SEQUENCE_DIGITS)}"
    return text


def is_valid(value: object) -> bool:
    """Whether ``value`` is already in the normal form."""
    try:
        return isinstance(value, str) and clean(value) == value
    except NormalizeError:
        return False


def compare(a: object, b: object) -> Comparison:
    """``exact`` (same text), ``same_certificate`` (same normal form) or ``different``."""
    if a == b:
        return Comparison("exact", f"{a} = {b}")
    try:
        ca, cb = clean(a), clean(b)
    except NormalizeError as exc:
        return Comparison("different", f"{a} vs {b}: {exc.message}")
    if ca == cb:
        return Comparison("same_certificate", f"{a} vs {b}: both {ca}")
    return Comparison("different", f"{a} vs {b}: {ca} vs {cb}")
