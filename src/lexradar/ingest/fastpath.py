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

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_PATTERNS = (
    r"^(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})$",
    r"^(?P<y>[0-9]{4})/(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})$",
    r"^(?P<y>[0-9]{4})\.(?P<m>[0-9]{1,2})\.(?P<d>[0-9]{1,2})$",
    r"^(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})日$",
    r"^(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})$",
)


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
    good &= _CHECK[(digits @ _WEIGHTS) % 11] == last
    born = pc.cast(
        _parse_exact(pc.utf8_slice_codeunits(ids, 6, 14), "%Y%m%d"),
        pa.date32(),
    )
    good &= _mask(_in_dates(born, dt.date(1900, 1, 1), dt.date.today()))
    ok[np.flatnonzero(sized)[good]] = True
    return col, ok


#: The layouts :func:`_parse_exact` reads: the shape of the text, and where each part sits.
_LAYOUTS = {
    "%Y%m%d": (r"^[0-9]{8}$", ((0, 4, pc.year), (4, 6, pc.month), (6, 8, pc.day))),
    "%Y-%m-%d": (
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        ((0, 4, pc.year), (5, 7, pc.month), (8, 10, pc.day)),
    ),
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


def _strptime(col: pa.Array, fmt: str) -> pa.Array:
    return pc.cast(_parse_exact(col, fmt), pa.date32())


def dates(col: pa.Array, lo: dt.date, hi: dt.date) -> tuple[pa.Array, np.ndarray]:
    """``2015-03-08``, ``2015/3/8``, ``2015.3.8``, ``2015年3月8日`` and ``20150308`` within
    ``lo..hi``; anything else (a time of day, full-width digits, an impossible or out-of-range
    date) is left to the normalizer."""
    n = len(col)
    iso = pc.match_substring_regex(col, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    values = _strptime(pc.if_else(iso, col, pa.scalar(None, pa.string())), "%Y-%m-%d")
    ok = _mask(pc.and_(pc.is_valid(values), _in_dates(values, lo, hi)))
    if ok.all():
        return values, ok
    rest = np.flatnonzero(~ok)
    sub = col.take(pa.array(rest))
    sub_values = pa.nulls(len(sub), pa.date32())
    sub_ok = np.zeros(len(sub), dtype=bool)
    for pattern in _PATTERNS:
        parts = pc.extract_regex(
            pc.if_else(pa.array(~sub_ok), sub, pa.scalar(None, pa.string())), pattern
        )
        y, m, d = (parts.field(k) for k in ("y", "m", "d"))
        text = pc.binary_join_element_wise(y, pc.utf8_lpad(m, 2, "0"), pc.utf8_lpad(d, 2, "0"), "-")
        days = _strptime(text, "%Y-%m-%d")
        hit = _mask(pc.and_(pc.is_valid(days), _in_dates(days, lo, hi)))
        if hit.any():
            sub_values = pc.if_else(pa.array(hit), days, sub_values)
            sub_ok |= hit
    if sub_ok.any():
        mask = np.zeros(n, dtype=bool)
        mask[rest[sub_ok]] = True
        values = pc.replace_with_mask(values, pa.array(mask), sub_values.filter(pa.array(sub_ok)))
        ok |= mask
    return values, ok


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
def _clean_name_pattern() -> str:
    """A regex of names that ``name.clean`` returns unchanged: two or more characters, each a
    CJK unified ideograph that NFKC and OpenCC ``t2s`` leave as it is."""
    from lexradar.normalize import name

    runs: list[tuple[int, int]] = []
    for cp in range(0x4E00, 0xA000):
        c = chr(cp)
        if unicodedata.normalize("NFKC", c) == c and name.to_simplified(c) == c:
            if runs and runs[-1][1] == cp - 1:
                runs[-1] = (runs[-1][0], cp)
            else:
                runs.append((cp, cp))
    klass = "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in runs)
    return f"^[{klass}]{{2,}}$"


def names(col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Names already in their canonical spelling (simplified Han characters, nothing else)."""
    from lexradar.normalize.name import PLACEHOLDERS

    ok = pc.and_(
        pc.match_substring_regex(col, _clean_name_pattern()),
        pc.invert(pc.is_in(col, pa.array(sorted(PLACEHOLDERS)))),
    )
    return col, _mask(ok)


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
    check = _CHECK[((first17.astype(np.int64) - 48) @ _WEIGHTS) % 11]
    text = _strings_of(np.concatenate([first17, check[:, None]], axis=1))
    born = pc.cast(
        _parse_exact(pc.utf8_slice_codeunits(text, 6, 14), "%Y%m%d"),
        pa.date32(),
    )
    good = _mask(_in_dates(born, dt.date(1900, 1, 1), dt.date.today()))
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
