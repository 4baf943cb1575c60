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
        pc.strptime(pc.utf8_slice_codeunits(ids, 6, 14), "%Y%m%d", "s", error_is_null=True),
        pa.date32(),
    )
    good &= _mask(_in_dates(born, dt.date(1900, 1, 1), dt.date.today()))
    ok[np.flatnonzero(sized)[good]] = True
    return col, ok


def _strptime(col: pa.Array, fmt: str) -> pa.Array:
    return pc.cast(pc.strptime(col, fmt, "s", error_is_null=True), pa.date32())


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
    """``2023-01-07 10:30:00`` (or with a ``T``) within ``lo..hi``."""
    text = pc.replace_substring(col, "T", " ")
    stamps = pc.strptime(text, "%Y-%m-%d %H:%M:%S", "us", error_is_null=True)
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
