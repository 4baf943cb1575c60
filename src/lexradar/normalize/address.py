"""Postal and registered addresses (住址), as household registries write them.

An address opens with its administrative divisions — province (省, 自治区), prefecture-level
city or league (市, 盟, 自治州, 地区), county-level division (区, 县, 旗, 县级市) — and goes on
with the street or village, the house number and the flat: ``内蒙古自治区赤峰市松山区新华路12号``.

- :func:`clean` folds compatibility forms (NFKC: full-width digits, letters and brackets become
  half-width) and drops white space, the two ways the same address is typed differently;
- :func:`divisions` splits off the administrative part, down to the county when the address
  names one (:func:`street` is the address up to its first digit: divisions and street, without
  the house number);
- :func:`compare` says how far two addresses agree: ``exact``, ``exact_after_clean``,
  ``same_street``, ``same_county`` or ``different``;
- :func:`mask` is how an address is shown to a role that sees masked data: the divisions kept
  down to the county, the rest replaced by ``****`` (``内蒙古自治区赤峰市松山区****``). An address
  that names no division is ``****`` whole.
"""

from __future__ import annotations

import re
import unicodedata

from lexradar.errors import NormalizeError
from lexradar.normalize.base import Comparison

HIDDEN = "****"
"""What stands for the part of an address below the county."""

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_PROVINCE = rf"[{_HAN}]{{2,7}}?(?:省|自治区|特别行政区)|(?:北京|天津|上海|重庆)市"
_CITY = rf"[{_HAN}]{{1,9}}?(?:自治州|地区|市|盟|州)"
_COUNTY = rf"[{_HAN}]{{1,9}}?(?:自治县|自治旗|县|旗|区|市)"
_DIVISIONS = re.compile(rf"(?:{_PROVINCE})?(?:{_CITY})?(?:{_COUNTY})?")
_FIRST_DIGIT = re.compile(r"[0-9]")


def clean(raw: object) -> str:
    """The address with compatibility forms folded and white space dropped, or
    :class:`NormalizeError` (``empty_address``, ``not_an_address``)."""
    if raw is None:
        raise NormalizeError("the address is empty", reason="empty_address", value=raw)
    if not isinstance(raw, str):
        raise NormalizeError("an address must be text", reason="not_an_address", value=raw)
    text = "".join(unicodedata.normalize("NFKC", raw).translate(_INVISIBLE).split())
    if not text:
        raise NormalizeError("the address is empty", reason="empty_address", value=raw)
    return text


def is_valid(value: str) -> bool:
    """True when ``value`` is already clean (``clean(value) == value``)."""
    try:
        return clean(value) == value
    except NormalizeError:
        return False


def _clean_or_raw(value: str) -> str:
    try:
        return clean(value)
    except NormalizeError:
        return value if isinstance(value, str) else ""


def divisions(address: str) -> str:
    """The administrative divisions an address opens with, down to the county when it names
    one (``内蒙古自治区赤峰市松山区新华路12号`` → ``内蒙古自治区赤峰市松山区``); ``""`` when it
    opens with none."""
    m = _DIVISIONS.match(_clean_or_raw(address))
    return m.group(0) if m else ""


def street(address: str) -> str:
    """The address up to its first digit: divisions and street or village, no house number."""
    text = _clean_or_raw(address)
    m = _FIRST_DIGIT.search(text)
    return text[: m.start()] if m else text


def compare(a: str, b: str) -> Comparison:
    """Compare two addresses: ``exact``, ``exact_after_clean``, ``same_street`` (same up to the
    house number), ``same_county`` (same divisions down to the county) or ``different``."""
    if a == b:
        return Comparison("exact", f"{a} vs {b}: identical")
    ca, cb = _clean_or_raw(a), _clean_or_raw(b)
    if ca and ca == cb:
        return Comparison("exact_after_clean", f"{a} vs {b}: both clean to {ca}")
    sa, sb = street(ca), street(cb)
    if sa and sa == sb and sa != divisions(ca):
        return Comparison("same_street", f"{a} vs {b}: same street {sa}, other house number")
    da, db = divisions(ca), divisions(cb)
    if da and da == db:
        return Comparison("same_county", f"{a} vs {b}: same divisions {da}")
    return Comparison("different", f"{a} vs {b}: different addresses")


def mask(value: object) -> object:
    """The address as a masked role sees it: divisions down to the county, then ``****``."""
    if value is None:
        return None
    text = _clean_or_raw(str(value))
    if not text:
        return text
    kept = divisions(text)
    return kept + HIDDEN if kept != text else kept
