"""Vectorized fast paths for the values that are already clean, which are most of them.

Each function takes a column of raw text and returns ``(values, ok)``: the canonical values of
the rows it could settle in Arrow or numpy, and a boolean mask of those rows. Rows outside the
mask go through the shared normalizers one distinct value at a time (:mod:`.convert`), so the
result is the same as if every value had gone that way; the fast path only recognises values
that the normalizers would pass through unchanged, with no warning.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lexradar.normalize.resident_id import check_chars_array


def _mask(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _fixed_bytes(arr: pa.Array, width: int) -> np.ndarray:
    """The UTF-8 bytes of a string array whose values all have ``width`` bytes, as rows."""
    arr = pa.concat_arrays([arr]) if arr.offset else arr
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[: len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    start = int(offsets[0])
    return data[start : start + width * len(arr)].reshape(len(arr), width)


def _in_dates(days: pa.Array, lo: dt.date, hi: dt.date) -> pa.Array:
    return pc.and_(
        pc.greater_equal(days, pa.scalar(lo, pa.date32())),
        pc.less_equal(days, pa.scalar(hi, pa.date32())),
    )


def resident_ids(col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """18-character IDs, exactly as canonical: digits and X, right check, real birth date."""
    ok = np.zeros(len(col), dtype=bool)
    sized = _mask(pc.equal(pc.binary_length(col), 18))
    if not sized.any():
        return col, ok
    ids = col.filter(pa.array(sized))
    raw = _fixed_bytes(ids, 18)
    body = raw[:, :17]
    last = raw[:, 17]
    good = ((body >= 48) & (body <= 57)).all(axis=1) & (
        ((last >= 48) & (last <= 57)) | (last == 88)
    )
    digits = body.astype(np.int64) - 48
    good &= check_chars_array(digits) == last
    good &= _born_ok(raw[:, 6:14])
    ok[np.flatnonzero(sized)[good]] = True
    return col, ok


def _born_ok(born: np.ndarray) -> np.ndarray:
    """Rows of eight ASCII digits (``YYYYMMDD``, the birth date inside an ID) that are a real
    date from 1900-01-01 to today: the rule ``resident_id.parse`` applies."""
    v = born.astype(np.int32) - 48
    digits = np.asarray(((v >= 0) & (v <= 9)).all(axis=1))  # an array for numpy's types
    v = np.where(digits[:, None], v, 0)
    y = v[:, 0] * 1000 + v[:, 1] * 100 + v[:, 2] * 10 + v[:, 3]
    days, real = _exact_days(y, v[:, 4] * 10 + v[:, 5], v[:, 6] * 10 + v[:, 7], digits)
    return (
        real
        & (days >= np.datetime64(dt.date(1900, 1, 1)))
        & (days <= np.datetime64(dt.date.today()))
    )


def _exact_days(
    y: np.ndarray, m: np.ndarray, d: np.ndarray, ok: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Year, month and day numbers as ``datetime64[D]``, and which of them (among ``ok``) are
    a real date: month 1..12 and a day the month has, so ``2015-02-30`` is refused, not rolled
    over to March as Arrow's ``strptime`` does."""
    ok = ok & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31) & (y >= 1) & (y <= 9999)
    y, m, d = np.where(ok, y, 1970), np.where(ok, m, 1), np.where(ok, d, 1)
    month = ((y.astype(np.int64) - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    days = month.astype("datetime64[D]") + (d - 1).astype("timedelta64[D]")
    ok &= days < (month + 1).astype("datetime64[D]")
    return days, ok


def _padded(col: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of the values of a string array, byte ``j`` of every value in row
    ``j`` of a ``width`` × n matrix (zeros after a value's end), and each value's length in
    bytes; null values have length 0."""
    if col.type != pa.string():
        col = col.cast(pa.string())
    col = pa.concat_arrays([col]) if col.offset else col
    n = len(col)
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)[: n + 1]
    data_buf = col.buffers()[2]
    lengths = np.diff(offsets)
    if col.null_count:
        lengths = np.where(_mask(pc.is_valid(col)), lengths, 0)
    if data_buf is None or not n:
        return np.zeros((width, n), dtype=np.uint8), lengths
    data = np.frombuffer(data_buf, dtype=np.uint8)
    if not len(data):
        return np.zeros((width, n), dtype=np.uint8), lengths
    at = np.arange(width, dtype=np.int32)[:, None]
    index = np.minimum(offsets[:-1][None, :] + at, len(data) - 1)
    return np.where(at < lengths[None, :], data[index], 0).astype(np.uint8), lengths


#: The layouts :func:`_parse_exact` reads: the shape of the text, and where each part sits.
_LAYOUTS = {
    "%Y-%m-%d %H:%M:%S": (
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$",
        (
            (0, 4, pc.year), (5, 7, pc.month), (8, 10, pc.day),
            (11, 13, pc.hour), (14, 16, pc.minute), (17, 19, pc.second),
        ),
    ),
}  # fmt: skip


def _parse_exact(col: pa.Array, fmt: str) -> pa.Array:
    """``strptime`` of zero-padded text that refuses impossible dates and times: Arrow's own
    rolls ``2015-02-30`` over to ``2015-03-02``, so a value counts only if each of its parts
    (year, month, day ...) is the number written in the text."""
    shape, parts = _LAYOUTS[fmt]
    same = pc.fill_null(pc.match_substring_regex(col, shape), False)
    col = pc.if_else(same, col, pa.scalar(None, pa.string()))
    parsed = pc.strptime(col, fmt, "s", error_is_null=True)
    for start, stop, part in parts:
        written = pc.cast(pc.utf8_slice_codeunits(col, start, stop), pa.int64())
        same = pc.and_(same, pc.equal(pc.cast(part(parsed), pa.int64()), written))
    return pc.if_else(pc.fill_null(same, False), parsed, pa.scalar(None, parsed.type))


_YEAR, _MONTH, _DAY = "年".encode(), "月".encode(), "日".encode()


def dates(col: pa.Array, lo: dt.date, hi: dt.date) -> tuple[pa.Array, np.ndarray]:
    """``2015-03-08``, ``2015/3/8``, ``2015.3.8``, ``2015年3月8日`` and ``20150308`` within
    ``lo..hi``; anything else (a time of day, full-width digits, an impossible or out-of-range
    date) is left to the normalizer.

    The text is read as bytes in numpy: a four-digit year, then either four more digits or
    a month and a day of one or two digits behind the same separator (``-``, ``/``, ``.``) or
    behind 年 and 月 with 日 at the end."""
    rows, lengths = _padded(col, 17)
    v = rows.astype(np.int16) - 48
    digit = (v >= 0) & (v <= 9)
    v = np.where(digit, v, 0).astype(np.int32)
    y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3]
    year = digit[0] & digit[1] & digit[2] & digit[3]
    m = np.zeros(len(col), dtype=np.int32)
    d = np.zeros(len(col), dtype=np.int32)
    found = year & (lengths == 8) & digit[4:8].all(axis=0)
    m[found] = v[4, found] * 10 + v[5, found]
    d[found] = v[6, found] * 10 + v[7, found]

    def number(start: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        if width == 1:
            return digit[start], v[start]
        return digit[start] & digit[start + 1], v[start] * 10 + v[start + 1]

    sep = rows[4]
    ascii_sep = year & ((sep == 45) | (sep == 47) | (sep == 46))  # - / .
    han = year & _at(rows, 4, _YEAR)
    for a in (1, 2):
        m_ascii, m_han = number(5, a), number(7, a)
        sep_ascii = ascii_sep & (rows[5 + a] == sep)
        sep_han = han & _at(rows, 7 + a, _MONTH)
        for b in (1, 2):
            for hit, (m_ok, m_val), (d_ok, d_val) in (
                (sep_ascii & (lengths == 6 + a + b), m_ascii, number(6 + a, b)),
                (sep_han & (lengths == 13 + a + b) & _at(rows, 10 + a + b, _DAY), m_han,
                 number(10 + a, b)),
            ):  # fmt: skip
                hit = hit & ~found & m_ok & d_ok
                m[hit], d[hit] = m_val[hit], d_val[hit]
                found |= hit
    days, ok = _exact_days(y, m, d, found)
    ok &= (days >= np.datetime64(lo)) & (days <= np.datetime64(hi))
    return pa.array(days, mask=~ok), ok


def _at(rows: np.ndarray, start: int, token: bytes) -> np.ndarray:
    """Whether each value holds ``token`` at byte ``start`` (rows as :func:`_padded` gives)."""
    if start + len(token) > rows.shape[0]:
        return np.zeros(rows.shape[1], dtype=bool)
    out: np.ndarray = rows[start] == token[0]
    for i, byte in enumerate(token[1:], start=1):
        out &= rows[start + i] == byte
    return out


def timestamps(col: pa.Array, lo: dt.date, hi: dt.date) -> tuple[pa.Array, np.ndarray]:
    """``2023-01-07 10:30:00`` (or with a ``T``, or with ``.000``/``.000000`` seconds) within
    ``lo..hi``."""
    text = pc.replace_substring(col, "T", " ")
    text = pc.replace_substring_regex(text, r"\.(000|000000)$", "")  # zero fractions of a second
    stamps = pc.cast(_parse_exact(text, "%Y-%m-%d %H:%M:%S"), pa.timestamp("us"))
    days = pc.cast(stamps, pa.date32())
    ok = _mask(pc.and_(pc.is_valid(stamps), _in_dates(days, lo, hi)))
    return stamps, ok


@cache
def _clean_name_chars() -> np.ndarray:
    """A table over the code points U+0000..U+FFFF: the characters ``name.clean`` leaves as
    they are in a name, each a CJK unified ideograph (U+4E00..U+9FFF) that NFKC and OpenCC
    ``t2s`` leave as it is."""
    from lexradar.normalize import name

    table = np.zeros(0x10000, dtype=bool)
    for cp in range(0x4E00, 0xA000):
        c = chr(cp)
        table[cp] = unicodedata.normalize("NFKC", c) == c and name.to_simplified(c) == c
    return table


@cache
def _clean_name_pattern() -> str:
    """The same characters as :func:`_clean_name_chars`, as a regex of two or more of them."""
    table = _clean_name_chars()
    runs: list[tuple[int, int]] = []
    for cp in np.flatnonzero(table).tolist():
        if runs and runs[-1][1] == cp - 1:
            runs[-1] = (runs[-1][0], cp)
        else:
            runs.append((cp, cp))
    klass = "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in runs)
    return f"^[{klass}]{{2,}}$"


#: Names of up to this many characters are checked in numpy, longer ones by a regex.
_NAME_CHARS = 6


def names(col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Names already in their canonical spelling (simplified Han characters, nothing else).

    Every such character takes three bytes in UTF-8, so a name of up to six of them is read
    in numpy: its code points are looked up in :func:`_clean_name_chars`; longer values go
    through the same test as a regex."""
    from lexradar.normalize.name import PLACEHOLDERS

    table = _clean_name_chars()
    rows, lengths = _padded(col, 3 * _NAME_CHARS)
    b0, b1, b2 = (rows[i::3].astype(np.int32) for i in range(3))
    points = ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F)
    char_ok = ((b0 & 0xF0) == 0xE0) & ((b1 & 0xC0) == 0x80) & ((b2 & 0xC0) == 0x80)
    char_ok &= table[points]
    present = np.arange(_NAME_CHARS)[:, None] < (lengths // 3)[None, :]
    ok = (
        (lengths % 3 == 0)
        & (lengths >= 6)
        & (lengths <= 3 * _NAME_CHARS)
        & (char_ok | ~present).all(axis=0)
    )
    long = np.flatnonzero(lengths > 3 * _NAME_CHARS)
    if len(long):
        sub = col.take(pa.array(long, pa.int64()))
        ok[long] = _mask(pc.match_substring_regex(sub, _clean_name_pattern()))
    if ok.any():
        ok &= ~_mask(pc.is_in(col, pa.array(sorted(PLACEHOLDERS))))
    return col, ok


def text(col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Plain text, trimmed; empty cells are left to the normalizer (null, or missing)."""
    trimmed = pc.utf8_trim_whitespace(col)
    ok = _mask(pc.greater(pc.utf8_length(trimmed), 0))
    return trimmed, ok


def resident_ids_15(col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """15-digit IDs (exactly 15 ASCII digits) whose 18-character form has a real birth date:
    that form (``19`` inserted before the year, check character appended) and the mask of the
    rows converted, which the caller counts as ``converted_15`` warnings."""
    ok = np.zeros(len(col), dtype=bool)
    sized = _mask(pc.equal(pc.binary_length(col), 15))
    if not sized.any():
        return col, ok
    picked = np.flatnonzero(sized)
    ids = col.take(pa.array(picked, pa.int64()))
    raw = _fixed_bytes(ids, 15)
    digits_only = ((raw >= 48) & (raw <= 57)).all(axis=1)
    picked, raw = picked[digits_only], raw[digits_only]
    if not len(picked):
        return col, ok
    first17 = np.concatenate(
        [raw[:, :6], np.full((len(raw), 2), (49, 57), dtype=np.uint8), raw[:, 6:]], axis=1
    )
    check = check_chars_array(first17.astype(np.int64) - 48)
    text = _strings_of(np.concatenate([first17, check[:, None]], axis=1))
    good = _born_ok(first17[:, 6:14])
    hits = picked[good]
    if not len(hits):
        return col, ok
    ok[hits] = True
    values = pc.replace_with_mask(col, pa.array(ok), text.filter(pa.array(good)))
    return values, ok


def _strings_of(rows: np.ndarray) -> pa.Array:
    """A string array from rows of ASCII bytes of one width."""
    n, width = rows.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(rows.tobytes())]
    )


_FEN = r"^[0-9]{1,12}$"
_YUAN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"


def amounts(col: pa.Array, unit: str) -> tuple[pa.Array, np.ndarray]:
    """Plain amounts: a whole number of fen (``279100``) or yuan with up to two decimals
    (``590``, ``590.5``, ``590.00``), as ``decimal(14, 2)`` yuan. Signs, separators, currency
    marks and anything else are left to the normalizer."""
    ok = _mask(pc.match_substring_regex(col, _FEN if unit == "fen" else _YUAN))
    text = pc.if_else(pa.array(ok), col, pa.scalar(None, pa.string()))
    if unit == "fen":
        padded = pc.utf8_lpad(text, 3, "0")
        text = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(padded, 0, -2), pc.utf8_slice_codeunits(padded, -2), "."
        )
    return pc.cast(text, pa.decimal128(14, 2)), ok


_SPACES = "[ \t\u3000]"


def names_spacing(col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Names of simplified Han characters with stray spaces between or around them
    (``"王　伟"``, ``" 李 晓丽"``): the name without the spaces, and the mask of those rows,
    which the caller counts as ``name_spacing`` warnings (what ``name.clean`` does to them)."""
    spaced = _mask(pc.match_substring_regex(col, _SPACES))
    if not spaced.any():
        return col, spaced
    squeezed = pc.replace_substring_regex(col, _SPACES, "")
    _, clean = names(squeezed)
    hit = spaced & clean
    if not hit.any():
        return col, hit
    return pc.if_else(pa.array(hit), squeezed, col), hit


def names_traditional(col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Names of two or more Han characters (U+4E00..U+9FFF, none of them kept as written by
    ``name.PRESERVED``) with traditional ones among them: converted with OpenCC ``t2s`` in one
    call for all of them (one name per line, so no phrase spans two names) and repeated until
    stable, as ``name.to_simplified`` does. Returns the simplified names and the mask of the
    rows converted, which the caller counts as ``traditional_name`` warnings."""
    from lexradar.normalize import name

    keep = "".join(sorted(name.PRESERVED))
    candidate = _mask(
        pc.and_(
            pc.match_substring_regex(col, "^[\u4e00-\u9fff]{2,}$"),
            pc.invert(pc.match_substring_regex(col, f"[{keep}]")),
        )
    )
    hit = np.zeros(len(col), dtype=bool)
    if not candidate.any():
        return col, hit
    picked = np.flatnonzero(candidate)
    raws: list[str] = col.take(pa.array(picked, pa.int64())).to_pylist()
    text = "\n".join(raws)
    for _ in range(3):  # t2s is not idempotent on a few characters (薴 → 苧 → 苎)
        converted = name._t2s().convert(text)
        if converted == text:
            break
        text = converted
    out = text.split("\n")
    if len(out) != len(raws):  # a conversion that moved a line break: leave all to clean()
        return col, hit
    simplified = pa.array(out, pa.string())
    _, clean = names(simplified)
    good = clean & np.array([a != b for a, b in zip(raws, out, strict=True)], dtype=bool)
    hit[picked[good]] = True
    if not good.any():
        return col, hit
    return pc.replace_with_mask(col, pa.array(hit), simplified.filter(pa.array(good))), hit
