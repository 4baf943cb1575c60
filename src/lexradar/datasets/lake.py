"""The lake: one folder per canonical dataset, each a set of Parquet files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from lexradar.datasets.contract_model import CONTRACT
from lexradar.errors import LakeError, Location


class Lake:
    """A lake folder. Datasets that are absent read as empty tables of the contract's shape."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def check(self) -> Lake:
        if not self.path.is_dir():
            raise LakeError("lake folder does not exist", Location(file=str(self.path)))
        if not any(self.has(name) for name in CONTRACT):
            raise LakeError(
                f"no dataset found; expected sub-folders named {', '.join(CONTRACT)}",
                Location(file=str(self.path)),
            )
        return self

    def parts(self, name: str) -> list[Path]:
        return sorted((self.path / name).glob("*.parquet"))

    def has(self, name: str) -> bool:
        return bool(self.parts(name))

    def glob(self, name: str) -> str:
        return str(self.path / name / "*.parquet")

    def rows(self, name: str) -> int:
        return sum(pq.ParquetFile(p).metadata.num_rows for p in self.parts(name))

    def meta(self) -> dict[str, Any]:
        """What the lake says of itself (_lake.json), if anything."""
        f = self.path / "_lake.json"
        return json.loads(f.read_text(encoding="utf-8")) if f.exists() else {}


def write_rows(
    lake: Path | str, name: str, rows: list[dict[str, Any]], batch_id: str = "manual"
) -> Path:
    """Write rows (dicts of field values) as a dataset of a lake; provenance is filled in.

    Missing optional fields are null; ``record_id`` defaults to ``<name>-<n>``. Used for golden
    examples and small hand-made lakes.
    """
    import pyarrow as pa

    ds = CONTRACT[name]
    filled = []
    for i, row in enumerate(rows, start=1):
        unknown = set(row) - set(ds.columns)
        if unknown:
            raise LakeError(
                f"not in the contract of {name}: {sorted(unknown)}", Location(row=i, field=name)
            )
        full = {c: row.get(c) for c in ds.columns}
        full["record_id"] = full["record_id"] or f"{name}-{i}"
        full["batch_id"] = full["batch_id"] or batch_id
        full["source_file"] = full["source_file"] or f"{name}.manual"
        full["source_row"] = full["source_row"] or i
        filled.append(full)
    table = pa.Table.from_pylist(filled, schema=ds.schema())
    folder = Path(lake) / name
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "part-0000.parquet"
    pq.write_table(table, out)
    return out
