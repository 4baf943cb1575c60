"""Chinese numerals, dates, terms and amounts as judgment documents write them.

Courts mix every way of writing a number, often in one document: ``二〇一七年二月七日`` next to
``2017年4月28日``, ``有期徒刑一年六个月`` next to ``1年6个月``, ``罚金人民币叁仟元`` (the
capital forms used on money), ``人民币2，000元`` (a full-width thousands comma), ``1.1万元``,
``1万2千元``. Every function here accepts all of them and raises :class:`ValueError` naming the
text it could not read.

``NUMBER`` is the regular expression of one such number, for use inside larger patterns.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation

_DIGITS = {
    "〇": 0,
    "○": 0,
    "◯": 0,
    "Ｏ": 0,
    "O": 0,  # a Latin capital O for 〇, common in published texts: 二O一七年
    "零": 0,
    "一": 1,
    "壹": 1,
    "幺": 1,
    "二": 2,
    "贰": 2,
    "貳": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "叁": 3,
    "參": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "陸": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")

_CN_CHARS = "".join(_DIGITS) + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS)
#: One number in any of the forms above (no sign, no unit of measure).
NUMBER = (
    rf"(?:[0-9０-９]{{1,3}}(?:[,，][0-9０-９]{{3}})+(?![0-9０-９])|[0-9０-９]+(?:[.．][0-9０-９]+)?"
    rf"|[{_CN_CHARS}])(?:[0-9０-９]+(?:[.．][0-9０-９]+)?|[{_CN_CHARS}])*"
)
_ARABIC = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _tokens(text: str) -> list[tuple[str, Decimal]]:
    """``("d", value)`` for digits and Arabic numbers, ``("s"|"b", factor)`` for units."""
    text = text.translate(_FULL_WIDTH)
    text = re.sub(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))", "", text)
    out: list[tuple[str, Decimal]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if "0" <= ch <= "9":
            m = _ARABIC.match(text, i)
            assert m is not None
            out.append(("n", Decimal(m.group(0))))
            i = m.end()
            continue
        if ch in _DIGITS:
            out.append(("d", Decimal(_DIGITS[ch])))
        elif ch in _SMALL_UNITS:
            out.append(("s", Decimal(_SMALL_UNITS[ch])))
        elif ch in _BIG_UNITS:
            out.append(("b", Decimal(_BIG_UNITS[ch])))
        else:
            raise ValueError(f"not a number: {text!r} (character {ch!r})")
        i += 1
    return out


@functools.lru_cache(maxsize=16384)
def parse_decimal(text: str) -> Decimal:
    """The value of a number in any form: ``"一万一千"``, ``"1.1万"``, ``"1万2千"``, full width.

    A run of Chinese digits with no unit is read digit by digit (``"二〇一七"`` → 2017).
    """
    toks = _tokens(text.strip())
    if not toks:
        raise ValueError(f"not a number: {text!r}")
    if all(kind == "d" for kind, _ in toks) and len(toks) > 1:
        value = Decimal(0)
        for _, digit in toks:
            value = value * 10 + digit
        return value
    total = Decimal(0)  # sections already closed by 亿
    section = Decimal(0)  # below 亿, closed by 万
    small = Decimal(0)  # below 万
    pending: Decimal | None = None
    for kind, value in toks:
        if kind in ("d", "n"):
            if kind == "n" or value != 0:
                pending = value
        elif kind == "s":
            small += (Decimal(1) if pending is None else pending) * value
            pending = None
        else:
            part = small + (pending or 0)
            if value == 10**4:
                section += (part if part else Decimal(1)) * value
            else:
                total += (section + part if section + part else Decimal(1)) * value
                section = Decimal(0)
            small = Decimal(0)
            pending = None
    return normal_decimal(total + section + small + (pending or 0))


def parse_int(text: str) -> int:
    """:func:`parse_decimal` for whole numbers; ``ValueError`` for ``"1.5"``."""
    value = parse_decimal(text)
    if value != value.to_integral_value():
        raise ValueError(f"not a whole number: {text!r}")
    return int(value)


_DATE = re.compile(rf"(?P<y>{NUMBER})\s*年\s*(?P<m>{NUMBER})\s*月\s*(?P<d>{NUMBER})\s*[日号]")
#: A date as judgments write it: ``二〇一七年二月七日``, ``2017年2月7日``, ``二○一八年五月十九日``.
DATE = _DATE.pattern


def parse_date(text: str) -> dt.date:
    """``"二〇一七年二月七日"`` / ``"2017年2月7日"`` → ``date(2017, 2, 7)``."""
    m = _DATE.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"not a date: {text!r}")
    return date_of(m)


def date_of(match: re.Match[str]) -> dt.date:
    """The date of a match of :data:`DATE` (groups ``y``, ``m``, ``d``)."""
    text = match.group(0)
    try:
        year = parse_int(match.group("y"))
        if year < 100:
            raise ValueError
        return dt.date(year, parse_int(match.group("m")), parse_int(match.group("d")))
    except ValueError:
        raise ValueError(f"not a date: {text!r}") from None


_MONTH_UNIT = r"(?:个月|個月|月|个(?![\u4e00-\u9fff]))"
#: A term: ``一年六个月``, ``1年6个月``, ``一年零六个月``, ``一年又六个月``, ``十八个月``, ``二年``.
TERM = (
    rf"(?:(?P<ty>{NUMBER})年(?:[零又]?(?P<tm>{NUMBER}){_MONTH_UNIT})?"
    rf"|(?P<tm2>{NUMBER}){_MONTH_UNIT})"
)
_TERM = re.compile(TERM)


def parse_term(text: str) -> int:
    """A term in months: ``"一年六个月"`` → 18, ``"十八个月"`` → 18, ``"二年"`` → 24."""
    m = _TERM.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"not a term: {text!r}")
    return term_of(m)


def term_of(match: re.Match[str]) -> int:
    """Months of a match of :data:`TERM`."""
    years = match.group("ty")
    months = match.group("tm") if years is not None else match.group("tm2")
    return (parse_int(years) * 12 if years else 0) + (parse_int(months) if months else 0)


_YUAN_UNITS = r"(?:元|圆)(?:(?P<jiao>{n})角)?(?:(?P<fen>{n})分)?"
#: An amount: ``人民币一万一千元``, ``11000元``, ``1.1万元``, ``2，000元``, ``50万元``, ``叁仟元``.
MONEY = rf"(?:人民币|RMB|￥|¥)?\s*(?P<amount>{NUMBER})\s*" + _YUAN_UNITS.format(n=NUMBER)
_MONEY = re.compile(MONEY)


def parse_money(text: str) -> Decimal:
    """An amount in yuan: ``"人民币一万一千元"`` → ``Decimal("11000")``, ``"1.1万元"`` → 11000."""
    m = _MONEY.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"not an amount: {text!r}")
    return money_of(m)


def money_of(match: re.Match[str]) -> Decimal:
    """Yuan of a match of :data:`MONEY`."""
    try:
        value = parse_decimal(match.group("amount"))
        if match.group("jiao"):
            value += parse_decimal(match.group("jiao")) / 10
        if match.group("fen"):
            value += parse_decimal(match.group("fen")) / 100
    except InvalidOperation:
        raise ValueError(f"not an amount: {match.group(0)!r}") from None
    return normal_decimal(value)


def normal_decimal(value: Decimal) -> Decimal:
    """``Decimal("11000.0")`` → ``Decimal("11000")`` (no exponent), fractions kept."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()
