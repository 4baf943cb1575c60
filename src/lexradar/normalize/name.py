"""Chinese personal names as clerks type them.

:func:`clean` gives one canonical spelling:

- Unicode compatibility forms folded (NFKC): full-width Latin letters become ASCII, Kangxi
  radicals and compatibility ideographs become the ordinary characters;
- stray whitespace removed between Han characters (``"王　伟"`` → ``"王伟"``), collapsed to
  one space between Latin words;
- traditional characters converted to simplified with OpenCC ``t2s`` (``"張偉"`` → ``"张伟"``),
  except a few characters that the 2013 Table of General Standard Chinese Characters keeps
  in names and surnames and that ``t2s`` would otherwise rewrite: 乾 (qián, not 干), 於 (the
  surname Yū, not 于), 吒, 昇, 陞, 麴;
- the look-alike dots that separate the parts of minority names (``•``, ``‧``, ``・``, ``．``
  and others in :data:`MIDDLE_DOTS`) become U+00B7 ``·``, the standard form, with no
  spaces around it (``"巴特尔 • 那顺"`` → ``"巴特尔·那顺"``).

An empty value is refused with reason ``empty_name``; a value holding digits, no letters at all,
or a placeholder such as ``不详`` with reason ``not_a_name``.

:func:`compare` also catches names written with different characters for the same sound, as
different clerks transliterate Mongolian names (巴特尔/巴图尔 differ in one character; 张伟/章伟
share their pinyin). :func:`mask` hides all but the surname for display.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

from lexradar.errors import NormalizeError
from lexradar.normalize.base import Comparison

MIDDLE_DOT = "\u00b7"
"""The standard separator in minority and transliterated names."""

IDEOGRAPHIC_FULL_STOP = "\u3002"

MIDDLE_DOTS: frozenset[str] = frozenset(
    "\u00b7\u2022\u2027\u30fb\uff0e\uff65\u2219\u22c5\ufe52\u0387\u16eb.\u2024\u2e31\ua78f"
    + IDEOGRAPHIC_FULL_STOP
)
"""Dots seen between the parts of a name; all become :data:`MIDDLE_DOT`. The ideographic full
stop ``。`` counts only between two Han characters."""

PRESERVED = frozenset("乾於吒昇陞麴")
"""Characters kept as written: standard in simplified names, but rewritten by OpenCC ``t2s``."""

PLACEHOLDERS = frozenset({"不详", "未知", "无", "无名", "无名氏", "null", "none", "nan", "n/a"})
"""Values that fill a name field without being a name."""

COMPOUND_SURNAMES: frozenset[str] = frozenset(
    ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
     "司徒", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "东郭",
     "申屠", "太史", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "仲孙", "钟离", "闻人",
     "万俟", "赫连", "拓跋", "左丘", "司空", "司寇", "亓官", "巫马", "梁丘", "公羊", "公西",
     "漆雕", "乐正", "第五", "鲜于", "闾丘"]
)  # fmt: skip
"""Two-character surnames, kept whole by :func:`mask`."""

SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "查": "zha", "区": "ou", "朴": "piao",
    "乐": "yue", "缪": "miao", "翟": "zhai", "盖": "ge", "覃": "qin", "员": "yun", "种": "chong",
    "召": "shao", "繁": "po", "秘": "bi", "宿": "su", "隗": "wei", "句": "gou", "折": "she",
    "尉迟": "yu chi", "万俟": "mo qi", "单于": "chan yu", "长孙": "zhang sun",
}  # fmt: skip
"""How a surname is read when it opens a name, where the everyday reading differs."""

_PRESERVED_SPLIT = re.compile(f"([{''.join(sorted(PRESERVED))}])")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_HAN_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3134F),
)


def is_han(ch: str) -> bool:
    """True for a Han character (CJK unified ideographs and extensions, compatibility
    ideographs, 〇)."""
    cp = ord(ch)
    return ch == "\u3007" or any(lo <= cp <= hi for lo, hi in _HAN_RANGES)


_is_han = is_han


@cache
def _t2s() -> Any:
    import opencc  # loaded on first use: building the converter reads its dictionaries

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """OpenCC ``t2s``, keeping :data:`PRESERVED` characters, repeated until it is stable."""
    pieces = _PRESERVED_SPLIT.split(text)  # preserved characters sit at the odd indexes
    for i in range(0, len(pieces), 2):
        for _ in range(3):  # t2s is not idempotent on a few characters (薴 → 苧 → 苎)
            converted = _t2s().convert(pieces[i]) if pieces[i] else ""
            if converted == pieces[i]:
                break
            pieces[i] = converted
    return "".join(pieces)


def _unify_dots_and_spaces(text: str) -> str:
    """Dots to U+00B7; whitespace dropped around dots and between Han, else one space."""
    chars = [MIDDLE_DOT if c in MIDDLE_DOTS and c != IDEOGRAPHIC_FULL_STOP else c for c in text]
    for i, c in enumerate(chars):
        if c == IDEOGRAPHIC_FULL_STOP:
            before = "".join(chars[:i]).rstrip()
            after = "".join(chars[i + 1 :]).lstrip()
            if before and after and _is_han(before[-1]) and _is_han(after[0]):
                chars[i] = MIDDLE_DOT
    out: list[str] = []
    for part in "".join(chars).split():
        if out and not (
            (_is_han(out[-1][-1]) and _is_han(part[0]))
            or out[-1][-1] == MIDDLE_DOT
            or part[0] == MIDDLE_DOT
        ):
            out.append(" ")
        out.append(part)
    joined = "".join(out)
    while MIDDLE_DOT * 2 in joined:
        joined = joined.replace(MIDDLE_DOT * 2, MIDDLE_DOT)
    return joined.strip(MIDDLE_DOT + IDEOGRAPHIC_FULL_STOP + " ")


def clean(raw: object) -> str:
    """The canonical spelling of a personal name, or :class:`NormalizeError`
    (``empty_name``, ``not_a_name``)."""
    if raw is None:
        raise NormalizeError("the name is empty", reason="empty_name", value=raw)
    if not isinstance(raw, str):
        raise NormalizeError("a name must be text", reason="not_a_name", value=raw)
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE)
    text = _unify_dots_and_spaces(text)
    if not text:
        raise NormalizeError("the name is empty", reason="empty_name", value=raw)
    if any(c.isdigit() for c in text):
        raise NormalizeError("a name holds no digits", reason="not_a_name", value=raw)
    simplified = to_simplified(text)
    if not any(c.isalpha() for c in simplified) or simplified.lower() in PLACEHOLDERS:
        raise NormalizeError("this is not a name", reason="not_a_name", value=raw)
    return simplified


def is_valid(value: str) -> bool:
    """True when ``value`` is already a clean name (``clean(value) == value``)."""
    try:
        return clean(value) == value
    except NormalizeError:
        return False


@cache
def _lazy_pinyin(text: str) -> tuple[str, ...]:
    from pypinyin import lazy_pinyin  # loaded on first use: its dictionaries are large

    return tuple(lazy_pinyin(text))


def pinyin(name: str) -> str:
    """Tone-less pinyin syllables joined by single spaces, the middle dot dropped; a surname
    that opens a name takes its surname reading (曾 zeng, 单 shan). ``ü`` is written ``v``."""
    text = unicodedata.normalize("NFKC", name)
    for dot in MIDDLE_DOTS:
        text = text.replace(dot, " ")
    syllables: list[str] = []
    start = 0
    for surname in sorted(SURNAME_READINGS, key=len, reverse=True):
        if text.startswith(surname) and not any(dot in name for dot in MIDDLE_DOTS):
            syllables.append(SURNAME_READINGS[surname])
            start = len(surname)
            break
    for token in _lazy_pinyin(text[start:]):
        syllables.extend(token.lower().split())
    return " ".join(" ".join(syllables).split())


def clean_or_raw(value: str) -> str:
    """:func:`clean`'s spelling when ``value`` is a name, else ``value`` stripped (``""`` for a
    value that is not text): the form masking and comparison work on."""
    try:
        return clean(value)
    except NormalizeError:
        return value.strip() if isinstance(value, str) else ""


_clean_or_raw = clean_or_raw


def compare(a: str, b: str) -> Comparison:
    """Compare two names: ``exact``, ``exact_after_clean``, ``same_pinyin``,
    ``one_char_differs`` (same length, one character differs) or ``different``."""
    if a == b:
        return Comparison("exact", f"{a} vs {b}: identical")
    ca, cb = _clean_or_raw(a), _clean_or_raw(b)
    if ca and ca == cb:
        return Comparison("exact_after_clean", f"{a} vs {b}: both clean to {ca}")
    if ca and cb:
        pa, pb = pinyin(ca), pinyin(cb)
        if pa and pa == pb:
            return Comparison("same_pinyin", f"{a} vs {b}: same pinyin '{pa}'")
    if len(ca) == len(cb) > 1:
        diffs = [i for i, (x, y) in enumerate(zip(ca, cb, strict=True)) if x != y]
        if len(diffs) == 1:
            i = diffs[0]
            return Comparison(
                "one_char_differs",
                f"{a} vs {b}: character {i + 1} differs ({ca[i]}/{cb[i]})",
            )
    return Comparison("different", f"{a} vs {b}: different names")


def surname(name: str) -> str:
    """The surname a clean name opens with: two characters for a compound surname of
    :data:`COMPOUND_SURNAMES` followed by a given name (``欧阳娜娜`` → ``欧阳``), else the first
    character (``张伟`` → ``张``; a Mongolian name, which has no surname, keeps its first
    character too: ``巴特尔`` → ``巴``)."""
    text = _clean_or_raw(name)
    return text[:2] if len(text) > 2 and text[:2] in COMPOUND_SURNAMES else text[:1]


def mask(name: str | None) -> str | None:
    """The name as a role that sees masked data is shown it: the :func:`surname` kept, every
    other character an asterisk (``张*``, ``欧阳**``, ``巴**``); the middle dot is kept; a
    one-character name is ``*``. Traditional or full-width input is cleaned first
    (``歐陽娜娜`` → ``欧阳**``). ``None`` stays ``None``."""
    if name is None:
        return None
    text = _clean_or_raw(name)
    if len(text) <= 1:
        return "*" * len(text)
    keep = len(surname(text))
    return text[:keep] + "".join(c if c in (MIDDLE_DOT, " ") else "*" for c in text[keep:])
