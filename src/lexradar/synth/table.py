"""Row accumulators that turn generated columns into contract-shaped Arrow tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lexradar.datasets import dataset

#: record_id prefixes, one per dataset
PREFIX = {
    "persons": "P",
    "marriage_events": "M",
    "judgments": "J",
    "deaths": "D",
    "travel_documents": "T",
    "border_crossings": "X",
    "pension_payments": "PP",
    "allowance_payments": "AP",
    "driver_licenses": "L",
    "custody_records": "C",
}


def record_id(name: str, index: int) -> str:
    """The record_id of row ``index`` (0-based) of dataset ``name``."""
    return f"{PREFIX[name]}{index:09d}"


def ref(name: str, index: int) -> str:
    """An evidence reference '<dataset>:<record_id>'."""
    return f"{name}:{record_id(name, index)}"


def _column(values: Any, n: int, typ: pa.DataType) -> pa.Array:
    if values is None:
        return pa.nulls(n, typ)
    if isinstance(values, np.ndarray):
        if values.dtype.kind == "M":
            return pa.array(values.astype("datetime64[D]"), type=pa.date32(), from_pandas=True)
        if pa.types.is_decimal(typ):
            return pc.cast(pa.array(np.round(values.astype(float), 2)), typ)
        if values.dtype.kind in "OU":
            return pa.array(values.tolist(), type=typ)
        return pa.array(values, type=typ, from_pandas=True)
    if isinstance(values, (list, tuple)):
        if pa.types.is_date(typ) or pa.types.is_timestamp(typ):
            values = [v.astype(object) if isinstance(v, np.datetime64) else v for v in values]
        if pa.types.is_decimal(typ):
            return pc.cast(pa.array([None if v is None else round(v, 2) for v in values]), typ)
        return pa.array(values, type=typ)
    # a scalar: repeat it
    if isinstance(values, np.datetime64):
        values = values.astype(object)
    if pa.types.is_decimal(typ):
        return pc.cast(pa.array(np.full(n, round(float(values), 2))), typ)
    return pa.array([values] * n, type=typ)


class Table:
    """Accumulates rows of one canonical dataset; ``add`` returns the new rows' indexes."""

    def __init__(self, name: str, batch_id: str) -> None:
        self.name = name
        self.schema = dataset(name).arrow_schema()
        self.batch_id = batch_id
        self.n = 0
        self._chunks: list[pa.Table] = []
        self._flushed = 0  # rows already written
        self._rows: list[dict[str, Any]] = []  # single rows not yet turned into a chunk
        self._parts = 0

    def add(self, **cols: Any) -> np.ndarray:
        self._materialize()
        return self._add(**cols)

    def _materialize(self) -> None:
        if not self._rows:
            return
        rows, self._rows = self._rows, []
        names = sorted({k for r in rows for k in r})
        self.n -= len(rows)
        self._add(**{k: [r.get(k) for r in rows] for k in names})

    def _add(self, **cols: Any) -> np.ndarray:
        lengths = {len(v) for v in cols.values() if isinstance(v, (np.ndarray, list, tuple))}
        if len(lengths) != 1:
            raise ValueError(f"{self.name}: columns of unequal or unknown length {lengths}")
        n = lengths.pop()
        start = self.n
        self.n += n
        if n == 0:
            return np.arange(start, start)
        arrays = []
        for f in self.schema:
            if f.name in ("record_id", "batch_id", "source_file", "source_row"):
                arrays.append(pa.nulls(n, f.type))
                continue
            arrays.append(_column(cols.get(f.name), n, f.type))
        unknown = set(cols) - set(self.schema.names)
        if unknown:
            raise ValueError(f"{self.name}: not in the contract: {sorted(unknown)}")
        self._chunks.append(pa.Table.from_arrays(arrays, schema=_loose(self.schema)))
        return np.arange(start, start + n)

    def add_one(self, **values: Any) -> int:
        """Add one row; single rows are buffered and converted in bulk."""
        unknown = set(values) - set(self.schema.names)
        if unknown:
            raise ValueError(f"{self.name}: not in the contract: {sorted(unknown)}")
        self._rows.append(values)
        self.n += 1
        return self.n - 1

    @property
    def pending(self) -> int:
        return self.n - self._flushed

    def flush(self, lake: Path) -> None:
        """Write the rows added since the last flush as the next Parquet part."""
        self._materialize()
        if not self._chunks and self._parts:
            return
        table = (
            pa.concat_tables(self._chunks) if self._chunks else _loose(self.schema).empty_table()
        )
        table = with_provenance(table, self.name, self.batch_id, self._flushed, self.schema)
        write_parquet(table, lake / self.name, self._parts)
        self._parts += 1
        self._flushed = self.n
        self._chunks = []


def _loose(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, f.type, nullable=True) for f in schema])


def with_provenance(
    table: pa.Table, name: str, batch_id: str, start: int, schema: pa.Schema
) -> pa.Table:
    n = table.num_rows
    idx = pa.array(np.arange(start, start + n, dtype=np.int64))
    rid = pc.binary_join_element_wise(
        PREFIX[name], pc.utf8_lpad(pc.cast(idx, pa.string()), 9, "0"), ""
    )
    table = table.set_column(table.schema.get_field_index("record_id"), "record_id", rid)
    table = table.set_column(
        table.schema.get_field_index("batch_id"), "batch_id", pa.array([batch_id] * n)
    )
    table = table.set_column(
        table.schema.get_field_index("source_file"),
        "source_file",
        pa.array([f"{name}.csv"] * n),
    )
    table = table.set_column(
        table.schema.get_field_index("source_row"), "source_row", pc.add(idx, 1)
    )
    return table.cast(schema)


def write_parquet(table: pa.Table, folder: Path, part: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / f"part-{part:04d}.parquet", compression="zstd")


def take(values: np.ndarray, idx: Sequence[int] | np.ndarray) -> np.ndarray:
    return values[np.asarray(idx, dtype=np.int64)]
