"""The vectorized fast paths agree with the shared normalizers (a differential test)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from lexradar.errors import NormalizeError
from lexradar.ingest import fastpath
from lexradar.normalize import date, name, resident_id

LO, HI = dt.date(1900, 1, 1), dt.date(2056, 12, 31)

days = st.dates(dt.date(1850, 1, 1), dt.date(2100, 12, 31))
date_text = st.one_of(
    days.map(lambda d: d.isoformat()),
    days.map(lambda d: f"{d.year}/{d.month}/{d.day}"),
    days.map(lambda d: f"{d.year}年{d.month}月{d.day}日"),
    days.map(lambda d: d.strftime("%Y%m%d")),
    days.map(lambda d: f"{d.year}.{d.month:02d}.{d.day}"),
    st.from_regex(r"[0-9]{4}[-/年][0-9]{1,2}[-/月][0-9]{1,2}日?", fullmatch=True),
    st.text(alphabet="0123456789-/年月日 .T:", max_size=12),
)


def _date_or_none(text: str) -> dt.date | None:
    try:
        d = date.parse(text)
    except NormalizeError:
        return None
    return d if LO <= d <= HI else None


@settings(max_examples=100, deadline=None)
@given(st.lists(date_text, min_size=1, max_size=20))
def test_dates_agree_with_the_normalizer(texts: list[str]) -> None:
    values, ok = fastpath.dates(pa.array(texts, pa.string()), LO, HI)
    for text, value, hit in zip(texts, values.to_pylist(), ok, strict=True):
        if hit:
            assert value == _date_or_none(text), text


def _id(body: str) -> str:
    return body + resident_id.check_digit(body)


ids = st.one_of(
    st.from_regex(r"15[0-9]{4}(19[0-9]{2}|20[01][0-9])(0[1-9]|1[0-2])(0[1-9]|[12][0-9])[0-9]{3}",
                  fullmatch=True).map(_id),
    st.from_regex(r"[0-9]{17}[0-9X]", fullmatch=True),
    st.from_regex(r"[0-9 xX]{15,19}", fullmatch=True),
)  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(st.lists(ids, min_size=1, max_size=20))
def test_ids_agree_with_the_normalizer(texts: list[str]) -> None:
    _, ok = fastpath.resident_ids(pa.array(texts, pa.string()))
    for text, hit in zip(texts, ok, strict=True):
        if hit:
            parsed = resident_id.parse(text)
            assert parsed.status == "valid" and parsed.value == text, text


names = st.one_of(
    st.sampled_from(["张伟", "張偉", "王 芳", "巴特尔·那顺", "不详", "乾隆", "于丹", "发财", "髮"]),
    st.text(alphabet="张王李赵刘陈巴特尔那顺其木格乾於發发髮干幹·• 　", min_size=1, max_size=6),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(names, min_size=1, max_size=20))
def test_names_agree_with_the_normalizer(texts: list[str]) -> None:
    _, ok = fastpath.names(pa.array(texts, pa.string()))
    for text, hit in zip(texts, ok, strict=True):
        if hit:
            assert name.clean(text) == text, text


FORMATS = (
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}.{d.month:02d}.{d.day}",
    lambda d: f"{d.year}-{d.month}-{d.day:02d}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: f"{d.year}年{d.month:02d}月{d.day:02d}日",
    lambda d: d.strftime("%Y%m%d"),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.dates(LO, HI), st.sampled_from(FORMATS)), min_size=1, max_size=20))
def test_dates_in_the_usual_formats_all_take_the_fast_path(
    written: list[tuple[dt.date, object]],
) -> None:
    """The numpy reader of dates settles every date in the formats agencies use, so the
    normalizer sees only the odd ones; the value is the date written."""
    texts = [fmt(d) for d, fmt in written]  # type: ignore[operator]
    values, ok = fastpath.dates(pa.array(texts, pa.string()), LO, HI)
    assert ok.all(), texts
    assert values.to_pylist() == [d for d, _ in written]


def test_impossible_and_odd_dates_are_left_to_the_normalizer() -> None:
    """Impossible dates are not rolled over, and anything but the plain layouts (a time of
    day, full-width digits, mixed separators, spaces) goes to the normalizer, which decides."""
    texts = ["2015-02-30", "2015/2/29", "2015年13月1日", "2015-3/8", "2015/03/08 ",
             "１９９０-01-01", "2015-00-10", "0000-01-01", "20150230", "2015年3月8",
             "2015-03-08T00:00", "", None, "2016/2/29"]  # fmt: skip
    values, ok = fastpath.dates(pa.array(texts, pa.string()), LO, HI)
    assert ok.tolist() == [False] * 13 + [True]
    assert values[13].as_py() == dt.date(2016, 2, 29)


han_text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from("張偉髮乾·• 　aé𠀀"),
    ),
    max_size=9,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(han_text, min_size=1, max_size=30))
def test_names_read_in_numpy_agree_with_the_regex(texts: list[str]) -> None:
    """The byte-level check of names (up to six characters; longer ones by the regex) accepts
    exactly what the regex of clean name characters accepts."""
    import pyarrow.compute as pc

    col = pa.array(texts, pa.string())
    _, ok = fastpath.names(col)
    by_regex = pc.match_substring_regex(col, fastpath._clean_name_pattern()).to_pylist()
    for text, hit, expected in zip(texts, ok, by_regex, strict=True):
        assert hit == (expected and text not in name.PLACEHOLDERS), text
