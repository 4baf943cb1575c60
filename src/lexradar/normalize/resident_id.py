"""Resident identity numbers (居民身份证号码) per GB 11643-1999.

An 18-character number is six digits of address code (GB/T 2260 region where the number was
issued), eight digits of birth date (YYYYMMDD), three digits of sequence (odd for men, even for
women) and a check character computed with ISO 7064 MOD 11-2 (``0``-``9`` or ``X`` for 10).
Numbers issued before 1999 have 15 digits: no century and no check character.

Agency exports damage these numbers in known ways, and :func:`parse` names each one:

- whitespace anywhere (including the ideographic space U+3000), full-width digits, a lower-case
  ``x``, a leading apostrophe or an ``="..."`` wrapper that forced Excel to keep text;
- 15-digit numbers, converted to 18 (``converted_15``);
- numbers that Excel stored as floating point: Excel keeps 15 significant digits, so
  ``1.50404199001011E+17`` or ``150404199001011000`` has lost its tail. These are flagged
  ``damaged_excel`` and kept exactly as given; the lost digits are never guessed;
- a wrong check character (``bad_check_digit``), typically one mistyped digit.

:func:`compare` tells a mistyped number (one digit substituted, two adjacent digits swapped)
from a different one, with pure string operations, so it is cheap enough for blocking.

:func:`mask` is how an ID is shown to a role that sees masked data: the six digits of the
address code and the last four characters stay, the birth date and the rest of the sequence
become asterisks (``150404********123X``); :func:`mask_in_text` does the same to every ID-shaped
run of digits inside a text. The check character is defined here once (:data:`WEIGHTS`,
:data:`CHECK_CHARS`, :func:`check_digit`); the vectorized and SQL forms used by ingestion,
synthesis and resolution are derived from the same two constants (:func:`check_chars_array`,
:data:`CHECK_SQL`).
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from lexradar.errors import NormalizeError
from lexradar.normalize.base import Comparison

WEIGHTS: tuple[int, ...] = tuple(2 ** (17 - i) % 11 for i in range(17))
"""Weights of the first 17 digits: 2^(18-i) mod 11 for position i = 1..17."""

CHECK_CHARS = "10X98765432"
"""Check character by (weighted sum mod 11)."""

MIN_BIRTH_DATE = dt.date(1900, 1, 1)

Status = Literal["valid", "converted_15", "bad_check_digit", "damaged_excel", "malformed"]

_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_ID15 = re.compile(r"[0-9]{15}")
_FLOAT_TEXT = re.compile(r"([0-9]{15}|[0-9]{18})\.0*")
_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]*)?E[+]?([0-9]{1,3})")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits (``"X"`` for 10)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise NormalizeError(
            "a check digit needs exactly 17 ASCII digits", reason="malformed", value=first17
        )
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def check_chars_array(first17: Any) -> Any:
    """The check characters (ASCII codes, ``uint8``) of an ``(n, 17)`` array of digit values
    0-9: :func:`check_digit` vectorized with numpy, for bulk validation and synthesis."""
    import numpy as np  # only the bulk paths need numpy

    weights = np.array(WEIGHTS, dtype=np.int64)
    table = np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)
    return table[(np.asarray(first17, dtype=np.int64) @ weights) % 11]


CHECK_SQL = (
    "substr({id}, 1, 17) || substr('" + CHECK_CHARS + "', 1 + CAST(list_sum(list_transform("
    "range(1, 18), lambda k: try_cast(substr({id}, k, 1) AS INTEGER) * ["
    + ", ".join(map(str, WEIGHTS))
    + "][k])) AS BIGINT) % 11, 1)"
)
"""DuckDB SQL: the 18-character ID ``{id}`` rebuilt with its correct check character."""


def _birth_date_of(id18: str) -> dt.date | None:
    try:
        born = dt.date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        return None
    return born if MIN_BIRTH_DATE <= born <= dt.date.today() else None


def is_valid(value: str) -> bool:
    """True for a canonical 18-character number: 17 digits and a check character (upper-case
    ``X``), a real birth date from 1900-01-01 to today, and the right check character."""
    return (
        isinstance(value, str)
        and _ID18.fullmatch(value) is not None
        and _birth_date_of(value) is not None
        and check_digit(value[:17]) == value[17]
    )


def to18(id15: str) -> str:
    """Convert a 15-digit number: insert ``19`` before the two-digit year, append the check."""
    if not isinstance(id15, str) or _ID15.fullmatch(id15) is None:
        raise NormalizeError("a 15-digit number needs 15 digits", reason="malformed", value=id15)
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + check_digit(first17)


def to15(id18: str) -> str:
    """The 15-digit form of an 18-character number born in the 1900s (century and check dropped)."""
    if not isinstance(id18, str) or _ID18.fullmatch(id18) is None or id18[6:8] != "19":
        raise NormalizeError(
            "only an 18-character number born in 19xx has a 15-digit form",
            reason="malformed",
            value=id18,
        )
    return id18[:6] + id18[8:17]


@dataclass(frozen=True)
class ParsedId:
    """What :func:`parse` made of a raw value.

    ``value`` is the canonical 18 characters for ``valid`` and ``converted_15``, the cleaned 18
    characters for ``bad_check_digit``, and the raw value as given otherwise. ``detail`` says why.
    """

    value: str
    status: Status
    detail: str

    @property
    def ok(self) -> bool:
        """True when ``value`` is a usable canonical number."""
        return self.status in ("valid", "converted_15")


def _damaged(raw: object, why: str) -> ParsedId:
    return ParsedId(str(raw), "damaged_excel", f"{raw!r} {why}; the lost digits are not guessed")


def _parse_number(raw: object) -> ParsedId:
    """An int or float, as read from an Excel cell holding a number."""
    if isinstance(raw, numbers.Integral):
        digits = str(int(raw))
    elif isinstance(raw, Decimal | numbers.Real):
        number = Decimal(str(raw)) if not isinstance(raw, Decimal) else raw
        if not number.is_finite() or number != number.to_integral_value():
            return ParsedId(str(raw), "malformed", f"{raw!r} is not a whole number")
        digits = str(int(number))
    else:  # pragma: no cover - callers only pass numbers
        return ParsedId(str(raw), "malformed", f"{raw!r} is not a number")
    if len(digits) == 18:
        return _damaged(raw, "is an 18-digit number stored as a number (15 significant digits)")
    if len(digits) == 15:
        return _parse_text(digits, raw)
    return ParsedId(str(raw), "malformed", f"{raw!r} has {len(digits)} digits, not 15 or 18")


def _normalize_text(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE)
    text = "".join(text.split())
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return text.lstrip("'").upper()


def _parse_text(text: str, raw: object) -> ParsedId:
    if _ID15.fullmatch(text):
        id18 = to18(text)
        if _birth_date_of(id18) is None:
            return ParsedId(str(raw), "malformed", f"{text}: birth date 19{text[6:12]} is not real")
        return ParsedId(id18, "converted_15", f"15-digit {text} converted to {id18}")
    if m := _FLOAT_TEXT.fullmatch(text):
        digits = m.group(1)
        if len(digits) == 18:
            return _damaged(raw, "was written from a floating-point number")
        return _parse_text(digits, raw)
    if (m := _SCIENTIFIC.fullmatch(text)) and 14 <= int(m.group(1)) <= 17:
        return _damaged(raw, "is an Excel number in scientific notation")
    if not _ID18.fullmatch(text):
        return ParsedId(
            str(raw), "malformed", f"{text!r} is not 18 characters of digits and a check character"
        )
    if _birth_date_of(text) is None:
        return ParsedId(
            str(raw), "malformed", f"{text}: birth date {text[6:14]} is not a real date to today"
        )
    expected = check_digit(text[:17])
    if expected == text[17]:
        return ParsedId(text, "valid", f"{text} is valid")
    if text.endswith("000"):
        return _damaged(raw, "ends in 000 with a wrong check digit, the mark of an Excel number")
    return ParsedId(text, "bad_check_digit", f"{text}: check digit {text[17]}, expected {expected}")


def parse(raw: object) -> ParsedId:
    """Read any raw cell as a resident ID and say what it is. Never raises."""
    if raw is None or isinstance(raw, bool):
        return ParsedId("" if raw is None else str(raw), "malformed", f"{raw!r} is not an ID")
    if isinstance(raw, numbers.Real | Decimal):
        return _parse_number(raw)
    if not isinstance(raw, str):
        return ParsedId(str(raw), "malformed", f"a {type(raw).__name__} is not an ID")
    return _parse_text(_normalize_text(raw), raw)


def clean(raw: object) -> str:
    """The canonical 18-character number, or :class:`NormalizeError` with ``reason`` set to the
    status (``bad_check_digit``, ``damaged_excel``, ``malformed``)."""
    parsed = parse(raw)
    if parsed.ok:
        return parsed.value
    raise NormalizeError(parsed.detail, reason=parsed.status, value=raw)


def birth_date(id18: str) -> dt.date:
    """The birth date encoded in characters 7-14."""
    born = _birth_date_of(id18) if _ID18.fullmatch(id18) else None
    if born is None:
        raise NormalizeError("no real birth date in this ID", reason="malformed", value=id18)
    return born


def gender(id18: str) -> Literal["M", "F"]:
    """``"M"`` when the 17th digit (last of the sequence) is odd, ``"F"`` when even."""
    if not _ID18.fullmatch(id18):
        raise NormalizeError("not an 18-character ID", reason="malformed", value=id18)
    return "M" if int(id18[16]) % 2 else "F"


def region_code(id18: str) -> str:
    """The six-digit GB/T 2260 address code where the number was issued."""
    if not _ID18.fullmatch(id18):
        raise NormalizeError("not an 18-character ID", reason="malformed", value=id18)
    return id18[:6]


def _as18(value: str) -> tuple[str, bool]:
    """Cheap form for comparison: no whitespace, upper-case, 15 digits lifted to 18 (flagged)."""
    text = "".join(value.split()).upper()
    return (to18(text), True) if _ID15.fullmatch(text) else (text, False)


def compare(a: str, b: str) -> Comparison:
    """Compare two IDs: ``exact``, ``same_after_15_to_18``, ``adjacent_transposition`` (two
    neighbouring characters swapped), ``one_substitution`` (exactly one of the first 17 digits
    differs, or only the check character), or ``different``."""
    if a == b:
        return Comparison("exact", f"{a} vs {b}: identical")
    (a18, a_lifted), (b18, b_lifted) = _as18(a), _as18(b)
    lifted = " (after converting 15 to 18 digits)" if a_lifted != b_lifted else ""
    if a18 == b18:
        level = "same_after_15_to_18" if lifted else "exact"
        return Comparison(level, f"{a} vs {b}: same number{lifted}")
    if len(a18) != 18 or len(b18) != 18:
        return Comparison("different", f"{a} vs {b}: different lengths")
    diffs = [i for i in range(18) if a18[i] != b18[i]]
    if (
        len(diffs) == 2
        and diffs[1] == diffs[0] + 1
        and a18[diffs[0]] == b18[diffs[1]]
        and a18[diffs[1]] == b18[diffs[0]]
    ):
        i = diffs[0] + 1
        return Comparison(
            "adjacent_transposition", f"{a} vs {b}: adjacent digits {i}-{i + 1} swapped{lifted}"
        )
    body = [i for i in diffs if i < 17]
    if len(body) == 1:
        i = body[0]
        return Comparison(
            "one_substitution",
            f"{a} vs {b}: digit {i + 1} differs ({a18[i]}/{b18[i]}){lifted}",
        )
    if diffs == [17]:
        return Comparison("one_substitution", f"{a} vs {b}: only the check digit differs{lifted}")
    return Comparison("different", f"{a} vs {b}: {len(diffs)} positions differ")


_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])([0-9]{6})([0-9]{5,8})([0-9]{3}[0-9Xx]|[0-9]{4})(?![0-9A-Za-z])"
)
_SCIENTIFIC_IN_TEXT = re.compile(r"(?<![0-9])[0-9]\.[0-9]{9,16}[Ee]\+?1[4-7](?![0-9])")


def mask(value: object) -> object:
    """An ID as a role that sees masked data is shown it: address code and last four kept,
    the rest asterisks (``150404199001011234`` → ``150404********1234``; 15 digits:
    ``150404900101123`` → ``150404*****1123``). Anything else given as an ID (damaged, malformed)
    keeps at most its first six characters; every later digit becomes ``*``. ``None`` stays."""
    if value is None:
        return None
    text = _normalize_text(value) if isinstance(value, str) else str(value)
    if _ID18.fullmatch(text) or _ID15.fullmatch(text):
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    return text[:6] + "".join("*" if c.isdigit() else c for c in text[6:])


def mask_in_text(text: str) -> str:
    """Every run of 15 to 18 ID characters inside ``text`` masked as :func:`mask` does, and
    every number in scientific notation that Excel made of an ID hidden (``*``)."""
    masked = _IN_TEXT.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    return _SCIENTIFIC_IN_TEXT.sub(lambda m: "*" * len(m.group(0)), masked)
