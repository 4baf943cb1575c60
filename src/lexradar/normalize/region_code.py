"""GB/T 2260 administrative division codes, with their history.

A region code has six digits: province (``15`` 内蒙古自治区), prefecture-level city or league
(``1504`` 赤峰市) and county-level division (``150404`` 松山区); a city is written ``150400``
and a province ``150000``. Codes change: when 呼伦贝尔盟 became 呼伦贝尔市 in 2001, 海拉尔市
``152101`` became 海拉尔区 ``150702``, and resident IDs issued before that still carry
``152101``. This module knows the current divisions and the retired codes that old records
carry, and maps the second onto the first.

The table ships as package data (``normalize/data/regions_*.csv``, one file per province,
columns ``code,name,level,parent,valid_from,valid_to,successor,population``) and is read once,
on first use. ``valid_to`` is the year a retired code went out of use (it was valid for part
of that year); ``successor`` is the current code that took its place. ``population`` is the
approximate resident population of a current county-level division in 10,000s (2020 census),
used only to weight synthetic data.

``clean`` is the one function that accepts messy input (spaces, full-width digits, the
2- and 4-digit short forms). Every other function takes a clean 6-digit code and raises
:class:`~lexradar.errors.NormalizeError` with reason ``unknown_region`` for a code the table
does not hold. Functions that walk the hierarchy (``parent``, ``ancestors``, ``city_of``,
``province_of``, ``full_name``) follow a code's own parents, so a retired code answers with
its retired parents; ``is_within`` and ``compare`` map retired codes to current ones first.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources
from typing import Literal, cast

from lexradar.errors import NormalizeError
from lexradar.normalize.base import Comparison

Level = Literal["province", "city", "county"]

_LEVELS: tuple[Level, ...] = ("province", "city", "county")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_INVISIBLE = str.maketrans("", "", "\u200b\u200c\u200d\u2060\ufeff")


@dataclass(frozen=True)
class Region:
    """One GB/T 2260 division, current or retired."""

    code: str
    name: str
    level: Level
    parent: str | None
    valid_from: int | None
    valid_to: int | None
    successor: str | None
    population: float | None

    @property
    def is_current(self) -> bool:
        """Whether the code is in use today (it has not been retired)."""
        return self.valid_to is None


def _int_or_none(text: str) -> int | None:
    return int(text) if text else None


def _parse(file_name: str, text: str) -> list[Region]:
    parsed: list[Region] = []
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        level = row["level"]
        if level not in _LEVELS:
            raise ValueError(f"{file_name}, line {line}: unknown level {level!r}")
        parsed.append(
            Region(
                code=row["code"],
                name=row["name"],
                level=cast(Level, level),
                parent=row["parent"] or None,
                valid_from=_int_or_none(row["valid_from"]),
                valid_to=_int_or_none(row["valid_to"]),
                successor=row["successor"] or None,
                population=float(row["population"]) if row["population"] else None,
            )
        )
    return parsed


@functools.cache
def _load() -> dict[str, Region]:
    data = resources.files("lexradar.normalize").joinpath("data")
    table: dict[str, Region] = {}
    files = sorted(
        (e for e in data.iterdir() if e.name.startswith("regions_") and e.name.endswith(".csv")),
        key=lambda entry: entry.name,
    )
    for entry in files:
        for region in _parse(entry.name, entry.read_text(encoding="utf-8")):
            table[region.code] = region
    return table


def regions() -> dict[str, Region]:
    """Every division the table holds, current and retired, by code (a copy)."""
    return dict(_load())


def lookup(code: str) -> Region:
    """The division with this 6-digit code; ``NormalizeError(unknown_region)`` if none."""
    region = _load().get(code)
    if region is None:
        raise NormalizeError("unknown region code", reason="unknown_region", value=code)
    return region


def clean(raw: str) -> str:
    """Return the 6-digit code written in ``raw``.

    Spaces and invisible characters are dropped and full-width digits read as ASCII; the
    short forms ``15`` (province) and ``1504`` (city) are padded with zeros. A value that is
    not a 2-, 4- or 6-digit number raises ``NormalizeError`` with reason ``malformed_region``;
    a well-formed code the table does not hold raises it with reason ``unknown_region``.
    Retired codes are returned as they are: :func:`current` maps them.
    """
    if not isinstance(raw, str):
        raise NormalizeError("region code is not text", reason="malformed_region", value=raw)
    text = "".join(raw.translate(_FULL_WIDTH_DIGITS).translate(_INVISIBLE).split())
    if not (text.isascii() and text.isdigit() and len(text) in (2, 4, 6)):
        raise NormalizeError(
            "not a region code of 2, 4 or 6 digits", reason="malformed_region", value=raw
        )
    code = text.ljust(6, "0")
    if code not in _load():
        raise NormalizeError("unknown region code", reason="unknown_region", value=raw)
    return code


def is_valid(code: str) -> bool:
    """Whether ``code`` is already a clean 6-digit code the table holds (current or retired)."""
    return isinstance(code, str) and code in _load()


def current(code: str) -> str:
    """Today's code for ``code``: itself when current, else its successor's current code."""
    region = lookup(code)
    seen = {region.code}
    while not region.is_current:
        if region.successor is None:
            raise NormalizeError(
                "retired region code has no successor", reason="unknown_region", value=code
            )
        region = lookup(region.successor)
        if region.code in seen:
            raise NormalizeError(
                "region successors form a cycle", reason="unknown_region", value=code
            )
        seen.add(region.code)
    return region.code


def parent(code: str) -> str | None:
    """The code of the division directly above ``code`` (``None`` for a province)."""
    return lookup(code).parent


def ancestors(code: str) -> list[str]:
    """``code`` and the divisions above it, nearest first: county, city, province."""
    region = lookup(code)
    chain = [region.code]
    up = region.parent
    while up is not None and up not in chain:
        chain.append(up)
        up = lookup(up).parent
    return chain


def _at_level(code: str, level: Level) -> str | None:
    for up in ancestors(code):
        if lookup(up).level == level:
            return up
    return None


def city_of(code: str) -> str | None:
    """The city-level code above (or equal to) ``code``; ``None`` for a province."""
    return _at_level(code, "city")


def province_of(code: str) -> str:
    """The province-level code above (or equal to) ``code``."""
    province = _at_level(code, "province")
    if province is None:
        raise NormalizeError("region has no province", reason="unknown_region", value=code)
    return province


def name(code: str) -> str:
    """The official name of the division, e.g. ``"红山区"``."""
    return lookup(code).name


def full_name(code: str) -> str:
    """The names from province down, e.g. ``"内蒙古自治区赤峰市红山区"``."""
    return "".join(lookup(up).name for up in reversed(ancestors(code)))


def _prefix(scope: str) -> str:
    if not (scope.isascii() and scope.isdigit() and len(scope) <= 6):
        raise NormalizeError("not a region code prefix", reason="malformed_region", value=scope)
    if len(scope) == 6:
        while scope.endswith("00") and len(scope) > 2:
            scope = scope[:-2]
    return scope


def current_counties(prefix: str = "15") -> list[Region]:
    """Current county-level divisions whose code starts with ``prefix``, sorted by code.

    ``prefix`` is a code prefix (``"15"``, ``"1504"``) or a 6-digit province or city code
    (``"150400"`` means ``"1504"``).
    """
    start = _prefix(prefix)
    return sorted(
        (
            region
            for region in _load().values()
            if region.level == "county" and region.is_current and region.code.startswith(start)
        ),
        key=lambda region: region.code,
    )


def renumbered() -> dict[str, str]:
    """Every retired county-level code mapped to the current county that took its place."""
    return {
        region.code: current(region.code)
        for region in sorted(_load().values(), key=lambda region: region.code)
        if region.level == "county" and not region.is_current
    }


def is_within(code: str, scope: str) -> bool:
    """Whether ``code`` lies in the subtree of ``scope`` (a province, city or county code).

    Both are mapped to today's codes first, so ``152101`` (海拉尔市, retired 2001) lies within
    ``150700`` (呼伦贝尔市).
    """
    return current(scope) in ancestors(current(code))


def _label(code: str) -> str:
    now = current(code)
    label = f"{code} {name(code)}"
    if now != code:
        label += f" (now {now} {name(now)})"
    return label


def compare(a: str, b: str) -> Comparison:
    """Compare two region codes: a ``Comparison(level, detail)``.

    ``level`` is ``"same_county"``, ``"same_city"``, ``"same_province"`` or ``"different"``,
    decided on today's codes; ``detail`` names both values and the division they share, e.g.
    ``"150402 红山区 and 150404 松山区: same city 赤峰市"``.
    """
    now_a, now_b = current(a), current(b)
    above_b = set(ancestors(now_b))
    labels = f"{_label(a)} and {_label(b)}"
    for shared in ancestors(now_a):
        if shared in above_b:
            level = lookup(shared).level
            return Comparison(f"same_{level}", f"{labels}: same {level} {name(shared)}")
    provinces = f"{name(province_of(now_a))}, {name(province_of(now_b))}"
    return Comparison("different", f"{labels}: different provinces ({provinces})")


def mask(value: object) -> object:
    """A region code as shown to every role: unchanged (it names a division, not a person)."""
    return value
