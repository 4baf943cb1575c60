"""Personal names: traditional characters, stray spaces, look-alike dots, transliterations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lexradar.errors import NormalizeError
from lexradar.normalize import name
from lexradar.normalize.base import Comparison

DOT_VARIANTS = [
    "\u00b7",  # · middle dot, the standard form
    "\u2022",  # • bullet
    "\u2027",  # ‧ hyphenation point
    "\u30fb",  # ・ katakana middle dot
    "\uff0e",  # ． full-width full stop
    "\uff65",  # ･ half-width katakana middle dot
    "\u2219",  # ∙ bullet operator
    "\u22c5",  # ⋅ dot operator
    "\ufe52",  # ﹒ small full stop
    "\u0387",  # · Greek ano teleia
    "\u16eb",  # ᛫ runic single punctuation
    ".",
    "\u3002",  # 。 ideographic full stop, between Han characters
]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("张伟", "张伟"),
        ("張偉", "张伟"),
        ("陳", "陈"),
        ("陳建國", "陈建国"),
        ("歐陽修", "欧阳修"),
        ("劉德華", "刘德华"),
        ("鄧麗君", "邓丽君"),
        ("蕭薔", "萧蔷"),
        ("王　伟", "王伟"),
        (" 王 伟 ", "王伟"),
        ("\t李\u00a0娜\n", "李娜"),
        ("王\u200b伟", "王伟"),
        ("巴特尔·那顺", "巴特尔·那顺"),
        ("巴特尔 · 那顺", "巴特尔·那顺"),
        ("巴特尔　•　那顺", "巴特尔·那顺"),
        ("巴特爾‧那順", "巴特尔·那顺"),
        ("阿不都热合曼・艾则孜", "阿不都热合曼·艾则孜"),
        ("·巴特尔·", "巴特尔"),
        ("巴特尔··那顺", "巴特尔·那顺"),
        ("张伟。", "张伟"),
        ("Ｊｏｈｎ　Ｓｍｉｔｈ", "John Smith"),
        ("John   Smith", "John Smith"),
        ("⼀心", "一心"),  # Kangxi radical U+2F00 typed for 一
        # characters the standard keeps in names, which OpenCC t2s would rewrite
        ("于乾", "于乾"),
        ("乾隆", "乾隆"),
        ("於敏", "於敏"),
        ("李昇", "李昇"),
        ("于", "于"),
    ],
)
def test_clean(raw: str, clean: str) -> None:
    assert name.clean(raw) == clean
    assert name.is_valid(clean)


@pytest.mark.parametrize("dot", DOT_VARIANTS)
def test_every_dot_variant_becomes_u00b7(dot: str) -> None:
    assert name.clean(f"巴特尔{dot}那顺") == "巴特尔·那顺"
    assert name.clean(f"其力嘎 {dot} 朝鲁") == "其力嘎·朝鲁"
    assert dot in name.MIDDLE_DOTS


def test_ideographic_full_stop_only_between_han() -> None:
    assert name.clean("巴特尔。那顺") == "巴特尔·那顺"
    assert name.clean("John。Smith") == "John。Smith"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty_name"),
        ("   ", "empty_name"),
        ("\u3000", "empty_name"),
        ("·", "empty_name"),
        (None, "empty_name"),
        ("张3", "not_a_name"),
        ("１２３", "not_a_name"),
        ("150404199001011234", "not_a_name"),
        ("王伟2", "not_a_name"),
        ("不详", "not_a_name"),
        ("NULL", "not_a_name"),
        ("--", "not_a_name"),
        (42, "not_a_name"),
    ],
)
def test_clean_refuses(raw: object, reason: str) -> None:
    with pytest.raises(NormalizeError) as err:
        name.clean(raw)  # type: ignore[arg-type]
    assert err.value.reason == reason
    assert err.value.value == raw
    assert not name.is_valid(raw)  # type: ignore[arg-type]


def test_is_valid_wants_the_clean_form() -> None:
    assert name.is_valid("巴特尔·那顺")
    assert not name.is_valid("巴特尔•那顺")
    assert not name.is_valid("張偉")


@pytest.mark.parametrize(
    ("raw", "pinyin"),
    [
        ("张伟", "zhang wei"),
        ("張偉", "zhang wei"),
        ("巴特尔·那顺", "ba te er na shun"),
        ("欧阳修", "ou yang xiu"),
        ("吕布", "lv bu"),
        ("曾国藩", "zeng guo fan"),  # surname reading, not ceng
        ("单雄信", "shan xiong xin"),
        ("解缙", "xie jin"),
        ("尉迟恭", "yu chi gong"),
        ("John Smith", "john smith"),
    ],
)
def test_pinyin(raw: str, pinyin: str) -> None:
    assert name.pinyin(raw) == pinyin


@pytest.mark.parametrize(
    ("a", "b", "level", "detail"),
    [
        ("张伟", "张伟", "exact", "identical"),
        ("張偉", "张伟", "exact_after_clean", "both clean to 张伟"),
        ("王　伟", "王伟", "exact_after_clean", "both clean to 王伟"),
        ("巴特尔•那顺", "巴特尔·那顺", "exact_after_clean", "巴特尔·那顺"),
        ("张伟", "章伟", "same_pinyin", "zhang wei"),
        ("曾伟", "增伟", "same_pinyin", "zeng wei"),
        ("巴特尔", "巴图尔", "one_char_differs", "character 2 differs (特/图)"),
        ("其力嘎", "其贺力嘎", "different", "different"),
        ("张伟", "李娜", "different", "different"),
        ("张", "王", "different", "different"),
        ("", "张伟", "different", "different"),
    ],
)
def test_compare(a: str, b: str, level: str, detail: str) -> None:
    result = name.compare(a, b)
    assert result == Comparison(level, result.detail)
    assert detail in result.detail
    assert result.detail.startswith(f"{a} vs {b}")


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("张伟", "张*"),
        ("张三丰", "张**"),
        ("欧阳修", "欧阳*"),
        ("欧阳娜娜", "欧阳**"),
        ("歐陽娜娜", "欧阳**"),
        ("巴特尔", "巴**"),
        ("巴特尔·那顺", "巴**·**"),
        ("张", "*"),
        ("", ""),
    ],
)
def test_mask(raw: str, masked: str) -> None:
    assert name.mask(raw) == masked


# -- properties --------------------------------------------------------------------------

HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
NAME_PARTS = st.text(HAN, min_size=1, max_size=4)
NOISE = st.sampled_from(["", " ", "\u3000", "\t", "\u00a0", "\u200b"])


@st.composite
def messy_names(draw: st.DrawFn) -> str:
    parts = draw(st.lists(NAME_PARTS, min_size=1, max_size=3))
    dots = [draw(st.sampled_from(DOT_VARIANTS)) for _ in parts[1:]]
    out = draw(NOISE) + parts[0]
    for dot, part in zip(dots, parts[1:], strict=True):
        out += draw(NOISE) + dot + draw(NOISE) + part
    return out + draw(NOISE)


def clean_or_none(raw: str) -> str | None:
    try:
        return name.clean(raw)
    except NormalizeError:
        return None


@given(messy_names() | st.text(max_size=12))
def test_clean_is_idempotent(raw: str) -> None:
    once = clean_or_none(raw)
    if once is not None:
        assert name.clean(once) == once
        assert name.is_valid(once)


@given(messy_names())
def test_clean_names_have_one_standard_dot_and_no_spaces(raw: str) -> None:
    cleaned = name.clean(raw)
    assert not any(c.isspace() for c in cleaned)
    assert not any(c in name.MIDDLE_DOTS and c != name.MIDDLE_DOT for c in cleaned)
    assert name.MIDDLE_DOT * 2 not in cleaned
    assert not cleaned.startswith(name.MIDDLE_DOT)
    assert not cleaned.endswith(name.MIDDLE_DOT)


@given(messy_names() | st.text(max_size=8), messy_names() | st.text(max_size=8))
def test_compare_is_symmetric(a: str, b: str) -> None:
    assert name.compare(a, b).level == name.compare(b, a).level


@given(messy_names())
def test_mask_keeps_length_and_hides_all_but_the_surname(raw: str) -> None:
    cleaned = name.clean(raw)
    masked = name.mask(raw)
    assert len(masked) == len(cleaned)
    assert masked[0] == (cleaned[0] if len(cleaned) > 1 else "*")
    assert masked.count("*") >= len(cleaned.replace(name.MIDDLE_DOT, "")) - 2
