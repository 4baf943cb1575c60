"""Readers: every raw file, whatever its format and encoding, as batches of text columns.

A reader exposes the file's ``header`` (the column names as written) and yields
:class:`Chunk` objects: an Arrow table of string columns (named ``c0``, ``c1`` ... by position,
so that duplicate or odd headers do no harm) with the data-row number of each row (1 = first
data row). Rows the reader cannot split into the header's columns are not lost: they are
collected in ``bad_rows`` and end up in quarantine.

Text files reach pyarrow's parsers as UTF-8 (:mod:`lexradar.ingest.encodings`: UTF-8 as it
is, any other encoding transcoded in 1 MiB blocks), so memory stays flat and any encoding Python
knows is read (GBK as GB18030, its superset). Excel files are read with python-calamine, a block
of rows at a time turned into Arrow columns; a number in a cell becomes text the way it was
stored, so an 18-digit ID that Excel turned into a float stays visibly damaged
(``1.50404199001011e+17``). JSON Lines are parsed by pyarrow in blocks, line by line with
:mod:`json` where pyarrow refuses a block.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import itertools
import json
import math
import queue
import re
import threading
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lexradar.errors import IngestError, Location
from lexradar.ingest.encodings import (
    SAMPLE_BYTES,
    Utf8Stream,
    bad_utf8,
    detect_encoding,
    resolve_encoding,
)

__all__ = [
    "Chunk",
    "Reader",
    "cell_text",
    "detect_encoding",
    "open_reader",
    "prefetched",
    "resolve_encoding",
]

CHUNK_ROWS = 100_000


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
    #: Whether reading a chunk mostly runs without the GIL (pyarrow's parsers), so that
    #: :func:`prefetched` pays; building the Python rows of a sheet does not.
    parallel: bool = True

    def chunks(self) -> Generator[Chunk, None, None]:  # pragma: no cover - overridden
        raise NotImplementedError

    def columns(self) -> list[str]:
        return [f"c{i}" for i in range(len(self.header))]


def _where(path: Path, line: int | None = None, row: int | None = None) -> Location:
    return Location(file=str(path), line=line, row=row)


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
            try:
                for i, row in enumerate(reader, start=1):
                    if i == header_row:
                        header = [h.strip() for h in row]
                        break
            except UnicodeDecodeError:
                raise bad_utf8(path, enc) from None
        if not header or not any(header):
            raise IngestError("no header row", _where(path, line=header_row))
        return header

    def chunks(self) -> Generator[Chunk, None, None]:
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
                    if "UTF8" in str(exc):
                        raise bad_utf8(self.path, self.encoding or "utf-8") from None
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
            if "UTF8" in str(exc):
                raise bad_utf8(self.path, self.encoding or "utf-8") from None
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
        super().__init__(path, header, parallel=False)

    def chunks(self) -> Generator[Chunk, None, None]:
        """The sheet in blocks of rows, each turned into Arrow columns at once: a column whose
        cells are all text goes to Arrow as it is; only the cells that are not text (numbers,
        dates, booleans) pass through :func:`cell_text`."""
        rows = self.sheet.iter_rows()
        for _ in range(self.header_row):
            next(rows, None)
        start = 0
        while True:
            with _no_gc():  # a block is ~a million new Python objects and no cycles
                block = list(itertools.islice(rows, CHUNK_ROWS))
                if not block:
                    return
                chunk = self._block(block, start)
                start += len(block)
                del block
            if chunk is not None:
                yield chunk

    def _block(self, block: list[list[Any]], start: int) -> Chunk | None:
        width = len(self.header)
        wide = max(width, max(len(r) for r in block))
        if any(len(r) != wide for r in block):
            block = [[*r, *([""] * (wide - len(r)))] for r in block]
        n = len(block)
        columns = [_text_column(col) for col in zip(*block, strict=True)]
        filled = [pc.is_valid(c).to_numpy(zero_copy_only=False) for c in columns]
        any_cell = np.logical_or.reduce(filled) if filled else np.zeros(n, dtype=bool)
        extra = np.logical_or.reduce(filled[width:]) if wide > width else np.zeros(n, dtype=bool)
        numbers = np.arange(start + 1, start + n + 1, dtype=np.int64)
        for i in np.flatnonzero(extra):
            cells = [cell_text(c) for c in block[i]]
            self.bad_rows.append(
                BadRow(
                    int(numbers[i]),
                    "too_many_fields",
                    f"values beyond the {width} header columns",
                    "\t".join(c or "" for c in cells),
                )
            )
        keep = any_cell & ~extra  # an empty line of the sheet is no record
        if not keep.any():
            return None
        mask = pa.array(keep)
        table = pa.table({f"c{i}": columns[i].filter(mask) for i in range(width)})
        return Chunk(table, numbers[keep])


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: building a block of rows allocates so many
    containers that it ran again and again (8 % of the time of an ``.xlsx``), finding nothing."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _text_column(cells: tuple[Any, ...]) -> pa.Array:
    """Spreadsheet cells as a string array; empty cells are null."""
    try:
        arr = pa.array(cells, pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        arr = pa.array([c if type(c) is str else cell_text(c) for c in cells], pa.string())
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


# ---------------------------------------------------------------- Parquet / JSON Lines


class ParquetReader(Reader):
    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        try:
            self.file = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise IngestError(f"not a readable Parquet file: {exc}", _where(path)) from None
        super().__init__(path, list(self.file.schema_arrow.names))

    def chunks(self) -> Generator[Chunk, None, None]:
        start = 0
        for batch in self.file.iter_batches(batch_size=CHUNK_ROWS):
            cols = {}
            for i, col in enumerate(batch.columns):
                cols[f"c{i}"] = col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
            n = batch.num_rows
            yield Chunk(pa.table(cols), np.arange(start + 1, start + n + 1, dtype=np.int64))
            start += n


JSON_BLOCK = 8 << 20
_LONE_CR = re.compile(rb"\r(?!\n)")


class JsonlReader(Reader):
    def __init__(self, path: Path, encoding: str | None) -> None:
        with open(path, "rb") as f:
            sample = f.read(SAMPLE_BYTES)
        if not sample.strip():
            raise IngestError("the file is empty", _where(path))
        enc = resolve_encoding(encoding, sample, path)
        header: list[str] = []
        with self._lines(path, enc) as lines:
            try:
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
            except UnicodeDecodeError:
                raise bad_utf8(path, enc) from None
        if not header:
            raise IngestError("no JSON object with fields in the file", _where(path))
        super().__init__(path, header, enc)

    @staticmethod
    def _lines(path: Path, enc: str) -> io.TextIOWrapper:
        return io.TextIOWrapper(io.BufferedReader(Utf8Stream(path, enc)), encoding="utf-8")

    def chunks(self) -> Generator[Chunk, None, None]:
        """Blocks of whole lines, each parsed by pyarrow's JSON reader with every header field
        as text. A block that reader refuses (a line that is not a JSON object, a value that
        is a number or a list) or that holds blank lines is read line by line with :mod:`json`
        instead, with the same result; so bad lines are quarantined exactly as before."""
        number = 0
        stream = Utf8Stream(self.path, self.encoding or "utf-8")
        tail = b""
        try:
            while True:
                data = stream.read_block(JSON_BLOCK)
                block = tail + data
                if not data:
                    tail = b""
                elif (cut := block.rfind(b"\n")) >= 0:
                    block, tail = block[: cut + 1], block[cut + 1 :]
                else:
                    tail, block = block, b""
                if block:
                    try:
                        chunk = self._fast_block(block, number)
                    except UnicodeDecodeError:
                        raise bad_utf8(self.path, self.encoding or "utf-8") from None
                    if chunk is None:
                        chunks = list(self._slow_block(block, number))
                        number = self._last_number
                        yield from chunks
                    else:
                        number += chunk.table.num_rows
                        yield chunk
                if not data:
                    return
        finally:
            stream.close()

    def _fast_block(self, block: bytes, number: int) -> Chunk | None:
        import pyarrow.json as pj

        if b"\r" in block and _LONE_CR.search(block):  # a line break to Python, not to JSON
            return None
        schema = pa.schema([(h, pa.string()) for h in dict.fromkeys(self.header)])
        try:
            table = pj.read_json(
                io.BytesIO(block),
                read_options=pj.ReadOptions(use_threads=False, block_size=len(block) + 1),
                parse_options=pj.ParseOptions(
                    explicit_schema=schema, unexpected_field_behavior="ignore"
                ),
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
        n = table.num_rows
        if n != block.count(b"\n") + (not block.endswith(b"\n")):
            return None  # blank lines were skipped: the line-by-line reader numbers the rows
        cols = {f"c{i}": table[h].combine_chunks() for i, h in enumerate(self.header)}
        return Chunk(pa.table(cols), np.arange(number + 1, number + n + 1, dtype=np.int64))

    def _slow_block(self, block: bytes, number: int) -> Iterator[Chunk]:
        width = len(self.header)
        rows: list[list[str | None]] = []
        numbers: list[int] = []
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError:
            raise bad_utf8(self.path, self.encoding or "utf-8") from None
        for line in io.StringIO(text, newline=None):
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
        self._last_number = number
        if rows:
            yield _chunk_of(rows, numbers, width)


def prefetched(chunks: Iterator[Chunk]) -> Generator[Chunk, None, None]:
    """The chunks of ``chunks``, the next one read in a background thread while the caller
    works on the current one.

    pyarrow's CSV and JSON parsers and calamine let go of the GIL, so reading overlaps with
    converting; one chunk waits at most, so memory stays flat. The reader runs and is closed
    in that one thread, so its row numbering and ``bad_rows`` are exactly those of a plain
    loop; an error it raises is raised here, at the chunk where it happened. When the caller
    stops early (an error of its own), the thread is stopped and the reader closed before this
    generator returns.
    """
    slot: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                slot.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(("chunk", chunk)):
                    return
            put(("done", None))
        except BaseException as exc:  # handed to the consumer, raised there
            put(("error", exc))
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="lexradar-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = slot.get()
            if kind == "chunk":
                yield item
            elif kind == "error":
                raise item
            else:
                return
    finally:
        stop.set()
        thread.join()


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
