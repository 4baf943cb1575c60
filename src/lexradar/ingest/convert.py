"""From a column of raw text to a column of canonical values, one distinct value at a time.

A :class:`FieldConverter` turns one canonical field's source column into typed values with the
shared normalizers (``lexradar.normalize``). Each distinct raw value is cleaned once per batch
and remembered: a pension file repeats each ID, name, month and amount many times, so this is
where ingestion gets its speed. Every distinct value ends as an :class:`Outcome`: a value, or
an error (the row goes to quarantine), and possibly a warning (the row is kept, the defect
counted and the original recorded).

Error reasons: ``missing_value``, ``unmapped_value``, ``bad_value``,
``bad_id``, ``bad_name``, ``bad_date``, ``impossible_date``, ``date_out_of_range``,
``bad_region``, ``bad_amount``, ``bad_number``, ``bad_bool``.

Warning kinds: ``converted_15``, ``bad_check_digit`` and ``id_bad_birth_date`` (a mistyped ID
is evidence: kept as recorded), ``damaged_excel`` (an ID Excel rounded to 15 digits: kept as
given with its flag, never guessed), ``id_cleaned`` (spaces, full-width digits, lower-case x),
``traditional_name``, ``name_dot_variant``, ``name_spacing``, ``retired_region``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lexradar.datasets.contract_model import DatasetField
from lexradar.errors import NormalizeError
from lexradar.ingest import fastpath
from lexradar.ingest.mapping import DEFAULT_MIN_DATE, Transform, default_max_date
from lexradar.normalize import cert_no, money, name, region_code, resident_id
from lexradar.normalize import date as date_norm

_ARROW = {
    "string": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "decimal": pa.decimal128(14, 2),
    "bool": pa.bool_(),
}
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_TRUE = frozenset({"是", "true", "t", "yes", "y", "1", "有", "到庭"})
_FALSE = frozenset({"否", "false", "f", "no", "n", "0", "无", "未到庭", "缺席"})
#: Vectorized repairs tried on the values the fast path did not settle, with the warning
#: each one counts; the normalizers would repair those values the same way.
_REPAIRS = {
    "resident_id": [(fastpath.resident_ids_15, "converted_15")],
    "name": [
        (fastpath.names_spacing, "name_spacing"),
        (fastpath.names_traditional, "traditional_name"),
    ],
}
#: A column whose chunk has more distinct values than this share of its rows is converted row
#: by row from the next chunk on, without dictionary encoding.
DISTINCT_ROWS = 0.9
_TS_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y%m%d%H%M%S", "%Y年%m月%d日 %H:%M:%S")


@dataclass(frozen=True)
class Outcome:
    """What one distinct raw value became."""

    value: Any = None
    error: str | None = None
    detail: str = ""
    warning: str | None = None


MISSING = Outcome(error="missing_value", detail="the field is empty")
EMPTY = Outcome()


@dataclass
class Converted:
    """A converted column: typed values, and per row whether it failed or was repaired.

    ``outcome(i)`` tells why, for the rows that did (they went through the normalizers)."""

    values: pa.Array
    bad: np.ndarray
    warned: np.ndarray
    raw: pa.Array
    converter: FieldConverter
    index: np.ndarray | None = None  # row → position among the distinct values
    kinds: dict[int, str] | None = None  # warning kind of the distinct values repaired

    def warning_kinds(self, mask: np.ndarray) -> list[str]:
        """The warning kind of each row in ``mask``."""
        if self.index is None or self.kinds is None:
            return [self.converter.one(r).warning or "" for r in self.raw.filter(mask).to_pylist()]
        kinds = self.kinds
        return [kinds.get(i, "") for i in self.index[mask].tolist()]

    def raw_value(self, i: int) -> str | None:
        value: str | None = self.raw[i].as_py()
        return value

    def outcome(self, i: int) -> Outcome:
        return self.converter.one(self.raw_value(i))


class FieldConverter:
    """Converts raw text of one canonical field; remembers every distinct value it has seen."""

    def __init__(
        self,
        field: DatasetField,
        transform: Transform,
        values: dict[str, str] | None = None,
        excel: bool = False,
    ) -> None:
        self.field = field
        self.excel = excel  # only spreadsheets hold Excel serial day numbers
        self.transform = transform
        self.values = values or {}
        self.type = _ARROW[field.type]
        self.cache: dict[str, Outcome] = {}
        #: Whether the last chunk's values were nearly all distinct (see :meth:`column`).
        self.distinct_rows = False
        self.min_date = transform.min or DEFAULT_MIN_DATE
        self.max_date = transform.max or default_max_date()

    # ---------------------------------------------------------------- one value

    def one(self, raw: str | None) -> Outcome:
        if raw is None:
            return MISSING if self.field.required else EMPTY
        hit = self.cache.get(raw)
        if hit is None:
            hit = self.cache[raw] = self._convert(raw)
        return hit

    def _convert(self, raw: str) -> Outcome:
        text = raw.strip()
        if not text:
            return MISSING if self.field.required else EMPTY
        if self.values:
            if text in self.values:
                text = self.values[text]
            elif not (self.field.values and text in self.field.values):
                known = ", ".join(self.values)
                return Outcome(
                    error="unmapped_value", detail=f"{text!r} is not in the value map ({known})"
                )
        try:
            out: Outcome = getattr(self, f"_{self.transform.type}")(text, raw)
        except NormalizeError as exc:
            return Outcome(error=_reason(self.transform.type, exc.reason), detail=exc.message)
        if self.field.values and out.value is not None and out.value not in self.field.values:
            return Outcome(
                error="bad_value",
                detail=f"{out.value!r} is not one of {', '.join(self.field.values)}",
            )
        return out

    # ---------------------------------------------------------------- transforms

    def _text(self, text: str, raw: str) -> Outcome:
        return Outcome(text)

    def _resident_id(self, text: str, raw: str) -> Outcome:
        parsed = resident_id.parse(raw)
        if parsed.status == "valid":
            cleaned = parsed.value != raw
            return Outcome(parsed.value, warning="id_cleaned" if cleaned else None)
        if parsed.status == "converted_15":
            return Outcome(parsed.value, warning="converted_15", detail=parsed.detail)
        if parsed.status == "bad_check_digit":
            return Outcome(parsed.value, warning="bad_check_digit", detail=parsed.detail)
        if parsed.status == "damaged_excel":  # kept as given, flagged, never guessed
            return Outcome(raw.strip(), warning="damaged_excel", detail=parsed.detail)
        shaped = "".join(unicodedata.normalize("NFKC", raw).split()).upper()
        if _ID_SHAPE.fullmatch(shaped):  # 18 characters, impossible birth date: a typo, kept
            return Outcome(shaped, warning="id_bad_birth_date", detail=parsed.detail)
        return Outcome(error="bad_id", detail=parsed.detail)

    def _name(self, text: str, raw: str) -> Outcome:
        value = name.clean(raw)
        if value == raw:
            return Outcome(value)
        if any(c in name.MIDDLE_DOTS and c != name.MIDDLE_DOT for c in raw):
            kind = "name_dot_variant"
        elif name.to_simplified(raw) != raw:
            kind = "traditional_name"
        else:
            kind = "name_spacing"
        return Outcome(value, warning=kind, detail=f"{raw!r} → {value!r}")

    def _in_range(self, day: dt.date, raw: str) -> None:
        if not self.min_date <= day <= self.max_date:
            raise NormalizeError(
                f"{day} is outside {self.min_date}..{self.max_date}",
                reason="date_out_of_range",
                value=raw,
            )

    def _no_serial(self, text: str, raw: str) -> None:
        digits = text.replace(".", "", 1)
        if not self.excel and digits.isascii() and digits.isdigit() and len(text) != 8:
            raise NormalizeError(
                "a number is a date (an Excel serial) only in a spreadsheet",
                reason="bad_date",
                value=raw,
            )

    def _formats(self, text: str) -> dt.date | None:
        """The date of ``text`` by the mapping's own ``formats``, tried before anything else:
        ``%Y%m`` reads ``202301`` (text in a CSV, a number in a spreadsheet) as a month, which
        the default rules would take for an Excel serial day number. A format without a day
        gives the first of the month."""
        for fmt in self.transform.formats or ():
            try:
                return dt.datetime.strptime(unicodedata.normalize("NFKC", text).strip(), fmt).date()
            except ValueError:
                continue
        return None

    def _date(self, text: str, raw: str) -> Outcome:
        formats = self.transform.formats
        day = self._formats(text) if formats else None
        if day is not None:
            self._in_range(day, raw)
            return Outcome(day)
        self._no_serial(text, raw)
        day = date_norm.parse(text, formats)
        self._in_range(day, raw)
        return Outcome(day)

    def _timestamp(self, text: str, raw: str) -> Outcome:
        stamp: dt.datetime | None = None
        try:
            stamp = dt.datetime.fromisoformat(text)
        except ValueError:
            for fmt in _TS_FORMATS:
                try:
                    stamp = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if stamp is None:
            self._no_serial(text, raw)
            day = date_norm.parse(text, self.transform.formats)
            stamp = dt.datetime(day.year, day.month, day.day)
        if stamp.tzinfo is not None:
            stamp = stamp.replace(tzinfo=None)
        self._in_range(stamp.date(), raw)
        return Outcome(stamp)

    def _cert_no(self, text: str, raw: str) -> Outcome:
        return Outcome(cert_no.clean(text))

    def _region_code(self, text: str, raw: str) -> Outcome:
        code = region_code.clean(text)
        return Outcome(code)

    def _yuan(self, text: str, raw: str) -> Outcome:
        return Outcome(money.parse_yuan(text, "yuan"))

    def _fen(self, text: str, raw: str) -> Outcome:
        return Outcome(money.parse_yuan(text, "fen"))

    def _int(self, text: str, raw: str) -> Outcome:
        try:
            number = Decimal(unicodedata.normalize("NFKC", text).replace(",", ""))
        except InvalidOperation:
            raise NormalizeError("not a whole number", reason="bad_number", value=raw) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise NormalizeError("not a whole number", reason="bad_number", value=raw)
        return Outcome(int(number))

    def _bool(self, text: str, raw: str) -> Outcome:
        low = text.lower()
        if low in _TRUE:
            return Outcome(True)
        if low in _FALSE:
            return Outcome(False)
        raise NormalizeError("not yes or no", reason="bad_bool", value=raw)

    # ---------------------------------------------------------------- a column

    def _fast(self, col: pa.Array) -> tuple[pa.Array, np.ndarray] | None:
        kind = self.transform.type
        if self.values or self.transform.formats:
            return None
        if kind == "resident_id":
            return fastpath.resident_ids(col)
        if kind == "date":
            return fastpath.dates(col, self.min_date, self.max_date)
        if kind == "timestamp":
            return fastpath.timestamps(col, self.min_date, self.max_date)
        if kind == "name":
            return fastpath.names(col)
        if kind == "text" and not self.field.values:
            return fastpath.text(col)
        if kind in ("fen", "yuan"):
            return fastpath.amounts(col, kind)
        if kind == "cert_no":
            return cert_numbers(col)
        return None

    def _distinct(self, uniq: pa.Array) -> tuple[pa.Array, np.ndarray, dict[int, str]]:
        """Convert the distinct values ``uniq`` (no nulls) plus one slot for null cells, at
        the end: their values, whether each failed, and the warning kind of those (few) that
        were repaired, by position."""
        n = len(uniq)
        fast = self._fast(uniq)
        rest = np.ones(n, dtype=bool) if fast is None else ~fast[1]
        kinds: dict[int, str] = {}
        if fast is not None:  # repairs improve on the fast path only
            for repair, kind in _REPAIRS.get(self.transform.type, ()):
                if not rest.any():
                    break
                todo = uniq if rest.all() else pc.if_else(pa.array(rest), uniq, None)
                repaired, hit = repair(todo)
                if hit.any():
                    fast = (pc.if_else(pa.array(hit), repaired, fast[0]), fast[1] | hit)
                    rest &= ~hit
                    for i in np.flatnonzero(hit).tolist():
                        kinds[i] = kind
        picked = np.flatnonzero(rest)
        raws: list[str | None] = uniq.take(pa.array(picked, pa.int64())).to_pylist()
        outcomes = [self.one(r) for r in raws]
        null = self.one(None)
        bad = np.zeros(n + 1, dtype=bool)
        bad[picked] = [o.error is not None for o in outcomes]
        for i, o in zip(picked.tolist(), outcomes, strict=True):
            if o.warning is not None:
                kinds[i] = o.warning
        bad[n] = null.error is not None
        if null.warning is not None:
            kinds[n] = null.warning
        slow = pa.array([o.value for o in outcomes], type=self.type)
        if fast is None:
            values = slow
        elif len(picked):
            values = pc.replace_with_mask(fast[0].cast(self.type), pa.array(rest), slow)
        else:
            values = fast[0].cast(self.type)
        values = pa.concat_arrays([values, pa.array([null.value], type=self.type)])
        return values, bad, kinds

    def column(self, col: pa.Array | pa.ChunkedArray) -> Converted:
        """Convert a column of raw text. The column is dictionary-encoded first, so that each
        distinct value is converted once per chunk (a pension file repeats every ID, name and
        month many times): the fast path settles the distinct values it can, the normalizers
        the rest, and the results are spread back over the rows."""
        if isinstance(col, pa.ChunkedArray):
            col = col.combine_chunks()
        if self.transform.type == "resident_id" and not pa.types.is_dictionary(col.type):
            col = _untabbed(col)
        if self.distinct_rows and not col.null_count and not pa.types.is_dictionary(col.type):
            # Nearly every value differs (IDs, addresses): encoding would cost more than it
            # saves; each row is its own distinct value (and the cache still serves repeats).
            n = len(col)
            values, bad, kinds = self._distinct(col)
            warned = _warned(kinds, n + 1)[:n]
            return Converted(values.slice(0, n), bad[:n], warned, col, self, np.arange(n), kinds)
        encoded = col if pa.types.is_dictionary(col.type) else pc.dictionary_encode(col)
        uniq = encoded.dictionary
        if len(col) >= 1000:
            self.distinct_rows = len(uniq) > DISTINCT_ROWS * len(col)
        values, bad, kinds = self._distinct(uniq)
        index = encoded.indices.fill_null(len(uniq)).to_numpy(zero_copy_only=False)
        warned_distinct = _warned(kinds, len(uniq) + 1)
        raw = col if not pa.types.is_dictionary(col.type) else col.cast(pa.string())
        return Converted(
            values.take(pa.array(index)),
            bad[index],
            warned_distinct[index],
            raw,
            self,
            index,
            kinds,
        )

    def constant(self, value: Any, n: int) -> pa.Array:
        out = self.one(value if isinstance(value, str) else str(value))
        if out.error:
            raise NormalizeError(out.detail, reason=out.error, value=value)
        return pa.repeat(pa.scalar(out.value, type=self.type), n)


_CERT_SEPARATORS = cert_no._SEPARATORS.pattern
_CERT_LAYOUT = (
    "^(?P<letters>[A-Z]{1,3})(?P<region>[0-9]{6})(?P<year>(?:19|20)[0-9]{2})(?P<seq>[0-9]{1,6})$"
)


def cert_numbers(col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Certificate numbers in their normal form (:func:`lexradar.normalize.cert_no.clean`),
    in Arrow; values left empty are left to the normalizer (which refuses them)."""
    text = pc.utf8_upper(
        pc.replace_substring_regex(pc.utf8_normalize(col, "NFKC"), _CERT_SEPARATORS, "")
    )
    parts = pc.extract_regex(text, _CERT_LAYOUT)
    padded = pc.binary_join_element_wise(
        pc.struct_field(parts, "letters"),
        pc.struct_field(parts, "region"),
        pc.struct_field(parts, "year"),
        pc.utf8_lpad(pc.struct_field(parts, "seq"), cert_no.SEQUENCE_DIGITS, "0"),
        "",
    )
    laid_out = pc.fill_null(pc.is_valid(parts), False)
    values = pc.if_else(laid_out, padded, text)
    ok = pc.fill_null(pc.greater(pc.utf8_length(values), 0), False)
    return values, ok.to_numpy(zero_copy_only=False)


def _untabbed(col: pa.Array) -> pa.Array:
    """IDs without the TABs an export put before (or after) them to keep Excel from turning
    them into numbers: an artefact of the file, not a defect of the ID, so neither a warning
    nor the slow path (a pension file with a TAB on every ID is read as fast as without)."""
    tabbed = pc.any(pc.match_substring(col, "\t")).as_py()
    return pc.utf8_trim(col, "\t") if tabbed else col


def _warned(kinds: dict[int, str], n: int) -> np.ndarray:
    """A mask of the ``n`` distinct values with a warning."""
    warned = np.zeros(n, dtype=bool)
    if kinds:
        warned[np.fromiter(kinds, dtype=np.int64, count=len(kinds))] = True
    return warned


def _reason(kind: str, reason: str) -> str:
    if reason in ("date_out_of_range", "impossible_date", "bad_date", "damaged_excel"):
        return reason
    return {
        "resident_id": "bad_id",
        "name": "bad_name",
        "date": "bad_date",
        "timestamp": "bad_date",
        "region_code": "bad_region",
        "yuan": "bad_amount",
        "fen": "bad_amount",
        "int": "bad_number",
        "bool": "bad_bool",
        "cert_no": "bad_cert_no",
    }.get(kind, reason)
