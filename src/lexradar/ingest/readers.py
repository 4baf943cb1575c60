"""Readers: every raw file, whatever its format and encoding, as batches of text columns.

A reader exposes the file's ``header`` (the column names as written) and yields
:class:`Chunk` objects: an Arrow table of string columns (named ``c0``, ``c1`` ... by position,
so that duplicate or odd headers do no harm) with the data-row number of each row (1 = first
data row). Rows the reader cannot split into the header's columns are not lost: they are
collected in ``bad_rows`` and end up in quarantine.

Text files are decoded in 1 MiB chunks and transcoded to UTF-8 before pyarrow parses them, so
memory stays flat and any encoding Python knows is read (GBK as GB18030, its superset). Excel
files are read with python-calamine; a number in a cell becomes text the way it was stored, so
an 18-digit ID that Excel turned into a float stays visibly damaged (``1.50404199001011e+17``).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from lexradar.errors import IngestError, Location

SAMPLE_BYTES = 1 << 20
CHUNK_ROWS = 100_000
CHINESE = ("gb2312", "gbk", "gb18030", "cp936", "hz", "big5", "cp950", "big5hkscs")


@dataclass(frozen=True)
class BadRow:
    """A row the reader could not split: its data-row number, reason and text."""

    row: int
    reason: str
    detail: str
    text: str


@dataclass
class Chunk:
    table: pa.Table
    rows: np.ndarray


@dataclass
class Reader:
    """A raw file opened for reading."""

    path: Path
    header: list[str]
    encoding: str | None = None
    bad_rows: list[BadRow] = field(default_factory=list)

    def chunks(self) -> Iterator[Chunk]:  # pragma: no cover - overridden
        raise NotImplementedError

    def columns(self) -> list[str]:
        return [f"c{i}" for i in range(len(self.header))]


def _where(path: Path, line: int | None = None, row: int | None = None) -> Location:
    return Location(file=str(path), line=line, row=row)


# ---------------------------------------------------------------- encodings


def _is_utf8(sample: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _looks_chinese(sample: bytes) -> bool:
    """Decodes as GB18030 and most non-ASCII characters are common ones (in GB2312): the
    statistical detectors mistake short Chinese samples for Korean or Japanese."""
    try:
        text = codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    wide = [c for c in text if ord(c) > 127]
    if not wide:
        return False
    common = 0
    for c in wide:
        try:
            c.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= 0.8 * len(wide)


def detect_encoding(sample: bytes, path: Path) -> str:
    """BOM → utf-8-sig / utf-16; valid UTF-8 → utf-8; else charset-normalizer (GBK → GB18030)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise IngestError("this is a binary file, not text (it holds NUL bytes)", _where(path))
    if _is_utf8(sample):
        return "utf-8"
    if _looks_chinese(sample):
        return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise IngestError(
            "cannot tell the encoding of this file: it does not look like text in any "
            "encoding (binary junk?)",
            _where(path),
        )
    enc = codecs.lookup(best.encoding).name
    if enc in CHINESE or enc.replace("_", "") in CHINESE:
        try:
            sample.decode("gb18030")
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:  # not just a character cut at the sample's end
                return enc
        return "gb18030"
    return enc


def resolve_encoding(declared: str | None, sample: bytes, path: Path) -> str:
    """The encoding to read with: the declared one (checked against the sample) or detected."""
    if declared is None:
        return detect_encoding(sample, path)
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        raise IngestError(f"unknown encoding '{declared}'", Location(field="encoding")) from None
    if name in ("gbk", "gb2312", "cp936"):
        name = "gb18030"
    if name == "utf-8" and sample.startswith(codecs.BOM_UTF8):
        name = "utf-8-sig"
    utf8_like = name in ("utf-8", "utf-8-sig")
    if not utf8_like and not sample.isascii() and _is_utf8(sample) and name != "utf-16":
        raise IngestError(
            f"the mapping declares encoding '{declared}' but the file is UTF-8; "
            "set encoding: utf-8 (or leave it out to detect it)",
            Location(file=str(path), field="encoding"),
        )
    return name


class Utf8Stream(io.RawIOBase):
    """A binary file in any encoding, read as UTF-8 bytes; decoding errors name the line."""

    def __init__(self, path: Path, encoding: str) -> None:
        self.path = path
        self.encoding = encoding
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._decoder = codecs.getincrementaldecoder(encoding)("strict")
        self._buf = b""
        self._pos = 0
        self._line = 1
        self._eof = False

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._file.close()
        super().close()

    def _fill(self) -> None:
        while self._pos >= len(self._buf) and not self._eof:
            raw = self._file.read(SAMPLE_BYTES)
            self._eof = not raw
            try:
                text = self._decoder.decode(raw, final=self._eof)
            except UnicodeDecodeError as exc:
                line = self._line + raw[: exc.start].count(b"\n")
                bad = raw[exc.start : exc.start + 4]
                raise IngestError(
                    f"bytes {bad!r} are not valid {self.encoding} (wrong encoding in the mapping, "
                    "or a damaged file)",
                    _where(self.path, line=line),
                ) from None
            self._line += raw.count(b"\n")
            if "\x00" in text:
                raise IngestError(
                    "NUL character in the text: binary junk in a text file",
                    _where(self.path, line=self._line),
                )
            self._buf, self._pos = text.encode("utf-8"), 0

    def readinto(self, b: Any) -> int:
        """Fill ``b`` as far as the file goes (pyarrow takes a short read as a block)."""
        view = memoryview(b).cast("B")
        done = 0
        while done < len(view):
            self._fill()
            n = min(len(view) - done, len(self._buf) - self._pos)
            if n <= 0:
                break
            view[done : done + n] = self._buf[self._pos : self._pos + n]
            self._pos += n
            done += n
        return done


# ---------------------------------------------------------------- CSV / TSV


def _number_rows(start: int, n: int, skipped: np.ndarray) -> np.ndarray:
    """Data-row numbers of valid rows ``start+1 .. start+n`` when the rows in ``skipped``
    (sorted data-row numbers of bad rows) were taken out of the sequence."""
    idx = np.arange(start + 1, start + n + 1, dtype=np.int64)
    if not len(skipped):
        return idx
    out = idx + np.searchsorted(skipped, idx, side="right")
    for _ in range(len(skipped) + 1):
        nxt = idx + np.searchsorted(skipped, out, side="right")
        if np.array_equal(nxt, out):
            break
        out = nxt
    return out


class CsvReader(Reader):
    def __init__(
        self, path: Path, delimiter: str, encoding: str | None, header_row: int = 1
    ) -> None:
        with open(path, "rb") as f:
            sample = f.read(SAMPLE_BYTES)
        if not sample.strip():
            raise IngestError("the file is empty", _where(path))
        enc = resolve_encoding(encoding, sample, path)
        self.delimiter = delimiter
        self.header_row = header_row
        super().__init__(path, self._read_header(path, enc, header_row), enc)

    def _read_header(self, path: Path, enc: str, header_row: int) -> list[str]:
        stream = io.TextIOWrapper(io.BufferedReader(Utf8Stream(path, enc)), encoding="utf-8")
        with stream:
            reader = csv.reader(stream, delimiter=self.delimiter)
            header = None
            for i, row in enumerate(reader, start=1):
                if i == header_row:
                    header = [h.strip() for h in row]
                    break
        if not header or not any(header):
            raise IngestError("no header row", _where(path, line=header_row))
        return header

    def chunks(self) -> Iterator[Chunk]:
        import pyarrow.csv as pcsv

        names = self.columns()
        offset = self.header_row

        def handler(row: Any) -> str:
            number = (row.number - offset) if row.number is not None else len(self.bad_rows) + 1
            reason = (
                "too_many_fields"
                if row.actual_columns > row.expected_columns
                else ("too_few_fields")
            )
            self.bad_rows.append(
                BadRow(
                    number,
                    reason,
                    f"{row.actual_columns} fields, the header has {row.expected_columns}",
                    row.text,
                )
            )
            return "skip"

        stream = Utf8Stream(self.path, self.encoding or "utf-8")
        try:
            reader = pcsv.open_csv(
                stream,
                read_options=pcsv.ReadOptions(
                    column_names=names,
                    skip_rows=self.header_row,
                    block_size=16 << 20,
                    use_threads=False,
                ),
                parse_options=pcsv.ParseOptions(
                    delimiter=self.delimiter, newlines_in_values=True, invalid_row_handler=handler
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
                ),
            )
            start = 0
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except pa.ArrowInvalid as exc:
                    raise IngestError(
                        f"cannot parse the file after data row {start}: {exc}",
                        _where(self.path, row=start + 1),
                    ) from None
                n = batch.num_rows
                skipped = np.array(sorted(b.row for b in self.bad_rows), dtype=np.int64)
                rows = _number_rows(start, n, skipped)
                start += n
                yield Chunk(pa.Table.from_batches([batch]), rows)
        except pa.ArrowInvalid as exc:
            raise IngestError(f"cannot parse the file: {exc}", _where(self.path)) from None
        finally:
            stream.close()


# ---------------------------------------------------------------- cells as text


def cell_text(value: Any) -> str | None:
    """A spreadsheet or JSON cell as the text it shows; floats of 15+ digits keep their
    exponent form, so an ID Excel stored as a number is recognisably damaged."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        if value.is_integer():
            return repr(value) if abs(value) >= 1e15 else str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _chunk_of(rows: list[list[str | None]], numbers: list[int], width: int) -> Chunk:
    cols = {f"c{i}": pa.array([r[i] for r in rows], pa.string()) for i in range(width)}
    return Chunk(pa.table(cols), np.array(numbers, dtype=np.int64))


class ExcelReader(Reader):
    def __init__(self, path: Path, sheet: str | int | None, header_row: int = 1) -> None:
        from python_calamine import CalamineWorkbook

        try:
            self.book = CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises its own error types
            raise IngestError(f"not a readable Excel workbook: {exc}", _where(path)) from None
        names = self.book.sheet_names
        if sheet is None:
            if len(names) > 1:
                raise IngestError(
                    f"the workbook has {len(names)} sheets ({', '.join(names)}); "
                    "say which one with 'sheet' in the mapping",
                    Location(file=str(path), field="sheet"),
                )
            sheet = 0
        try:
            self.sheet = (
                self.book.get_sheet_by_index(sheet)
                if isinstance(sheet, int)
                else self.book.get_sheet_by_name(sheet)
            )
        except Exception:
            raise IngestError(
                f"no sheet {sheet!r}; the workbook has {', '.join(names)}",
                Location(file=str(path), field="sheet"),
            ) from None
        self.header_row = header_row
        self.merged = list(self.sheet.merged_cell_ranges or [])
        header: list[str] | None = None
        for i, row in enumerate(self.sheet.iter_rows(), start=1):
            if i == header_row:
                header = [(cell_text(c) or "").strip() for c in row]
                break
        if header is None:
            raise IngestError("the sheet is empty", _where(path, line=header_row))
        while header and not header[-1]:
            header.pop()
        if not header:
            raise IngestError("no header row", _where(path, line=header_row))
        super().__init__(path, header)

    def chunks(self) -> Iterator[Chunk]:
        width = len(self.header)
        rows: list[list[str | None]] = []
        numbers: list[int] = []
        for i, raw in enumerate(self.sheet.iter_rows(), start=1):
            if i <= self.header_row:
                continue
            cells = [cell_text(c) for c in raw]
            cells = [None if c == "" else c for c in cells]
            if not any(c is not None for c in cells):
                continue  # an empty line of the sheet is no record
            number = i - self.header_row
            extra = [c for c in cells[width:] if c is not None]
            if extra:
                self.bad_rows.append(
                    BadRow(
                        number,
                        "too_many_fields",
                        f"values beyond the {width} header columns",
                        "\t".join(c or "" for c in cells),
                    )
                )
                continue
            rows.append(cells[:width] + [None] * (width - len(cells)))
            numbers.append(number)
            if len(rows) >= CHUNK_ROWS:
                yield _chunk_of(rows, numbers, width)
                rows, numbers = [], []
        if rows:
            yield _chunk_of(rows, numbers, width)


# ---------------------------------------------------------------- Parquet / JSON Lines


class ParquetReader(Reader):
    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        try:
            self.file = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise IngestError(f"not a readable Parquet file: {exc}", _where(path)) from None
        super().__init__(path, list(self.file.schema_arrow.names))

    def chunks(self) -> Iterator[Chunk]:
        import pyarrow.compute as pc

        start = 0
        for batch in self.file.iter_batches(batch_size=CHUNK_ROWS):
            cols = {}
            for i, col in enumerate(batch.columns):
                cols[f"c{i}"] = col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
            n = batch.num_rows
            yield Chunk(pa.table(cols), np.arange(start + 1, start + n + 1, dtype=np.int64))
            start += n


class JsonlReader(Reader):
    def __init__(self, path: Path, encoding: str | None) -> None:
        with open(path, "rb") as f:
            sample = f.read(SAMPLE_BYTES)
        if not sample.strip():
            raise IngestError("the file is empty", _where(path))
        enc = resolve_encoding(encoding, sample, path)
        header: list[str] = []
        with self._lines(path, enc) as lines:
            for line in lines:
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(obj, dict):
                    header = [str(k) for k in obj]
                    break
        if not header:
            raise IngestError("no JSON object with fields in the file", _where(path))
        super().__init__(path, header, enc)

    @staticmethod
    def _lines(path: Path, enc: str) -> io.TextIOWrapper:
        return io.TextIOWrapper(io.BufferedReader(Utf8Stream(path, enc)), encoding="utf-8")

    def chunks(self) -> Iterator[Chunk]:
        width = len(self.header)
        rows: list[list[str | None]] = []
        numbers: list[int] = []
        number = 0
        with self._lines(self.path, self.encoding or "utf-8") as lines:
            for line in lines:
                if not line.strip():
                    continue
                number += 1
                try:
                    obj = json.loads(line)
                    if not isinstance(obj, dict):
                        raise ValueError("not an object")
                except ValueError as exc:
                    self.bad_rows.append(BadRow(number, "bad_json", str(exc), line.rstrip()))
                    continue
                rows.append([cell_text(obj.get(h)) for h in self.header])
                numbers.append(number)
                if len(rows) >= CHUNK_ROWS:
                    yield _chunk_of(rows, numbers, width)
                    rows, numbers = [], []
        if rows:
            yield _chunk_of(rows, numbers, width)


def open_reader(
    path: Path,
    fmt: str,
    encoding: str | None = None,
    sheet: str | int | None = None,
    header_row: int = 1,
) -> Reader:
    """Open ``path`` as ``fmt`` (csv, tsv, xlsx, xls, parquet, jsonl)."""
    if not path.exists():
        raise IngestError("file not found", _where(path))
    if path.stat().st_size == 0:
        raise IngestError("the file is empty (0 bytes)", _where(path))
    if fmt in ("csv", "tsv"):
        return CsvReader(path, "\t" if fmt == "tsv" else ",", encoding, header_row)
    if fmt in ("xlsx", "xls"):
        return ExcelReader(path, sheet, header_row)
    if fmt == "parquet":
        return ParquetReader(path)
    if fmt == "jsonl":
        return JsonlReader(path, encoding)
    raise IngestError(f"unknown format '{fmt}'", Location(file=str(path), field="format"))
