"""The lake: one folder per canonical dataset, each a set of Parquet files.

A part an ingest wrote (``batch-<16 hex digits>.parquet``, :mod:`lexradar.ingest.batches`) is
part of the lake only while its batch's manifest (``_batches/<id>.json``) says ``loaded``: an
ingest killed before its manifest leaves rows no model may see. Such a part is set aside into
``_orphans/<dataset>/`` the first time the lake is read, and ``lexradar batches`` lists it.
Other parts (``part-0000.parquet`` of a synthetic or hand-made lake) are always read.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from lexradar.datasets.contract_model import CONTRACT
from lexradar.errors import LakeError, Location

log = logging.getLogger(__name__)

MANIFESTS = "_batches"
"""Where ingestion writes a manifest per batch."""
ORPHANS = "_orphans"
"""Where parts that no manifest lists are set aside."""
BATCH_PART = re.compile(r"batch-(?P<id>[0-9a-f]{16})\.parquet")
"""The name of a part an ingest wrote."""


def loaded_batches(lake: Path) -> dict[str, set[str]]:
    """The ids of the batches each dataset holds: manifests whose status is ``loaded``."""
    found: dict[str, set[str]] = {}
    folder = Path(lake) / MANIFESTS
    for p in folder.glob("*.json") if folder.is_dir() else ():
        if "." in p.stem:  # <id>.quality.json
            continue
        try:
            m = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being replaced this instant, or not a manifest: lists nothing
        if isinstance(m, dict) and m.get("status") == "loaded":
            found.setdefault(str(m.get("dataset")), set()).add(str(m.get("batch_id")))
    return found


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
        """The dataset's Parquet files the lake holds: an ingest's only with their manifest
        (others are set aside first, see the module doc)."""
        found = sorted((self.path / name).glob("*.parquet"))
        if not any(BATCH_PART.fullmatch(p.name) for p in found):
            return found
        listed = loaded_batches(self.path).get(name, set())
        unlisted = [
            p
            for p in found
            if (m := BATCH_PART.fullmatch(p.name)) is not None and m["id"] not in listed
        ]
        for p in unlisted:
            self._set_aside(name, p)
        return [p for p in found if p not in unlisted]

    def _set_aside(self, name: str, part: Path) -> None:
        """Move a part no manifest lists out of the dataset's folder (into ``_orphans``). Safe
        while an ingest runs: its data takes its place only after its manifest."""
        target = self.path / ORPHANS / name / part.name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, target)
        except FileNotFoundError:
            return  # set aside by another reader meanwhile
        except OSError as exc:
            raise LakeError(
                f"{part.name} is not listed in any batch manifest (an ingest stopped before it "
                f"finished) and cannot be set aside ({exc.strerror}); move it out of the lake",
                Location(file=str(part), field=name),
            ) from exc
        log.warning("set aside %s: no batch manifest lists it (now %s)", part, target)

    def orphans(self) -> list[tuple[str, Path]]:
        """(dataset, file) of every part set aside, or to set aside now, as no manifest's."""
        for name in CONTRACT:
            self.parts(name)
        folder = self.path / ORPHANS
        return [(p.parent.name, p) for p in sorted(folder.glob("*/*.parquet"))]

    def has(self, name: str) -> bool:
        return bool(self.parts(name))

    def glob(self, name: str) -> str:
        """The pattern of the dataset's files, for ``read_parquet``: parts no manifest lists are
        set aside first, so the pattern matches only the lake's (see :meth:`parts`)."""
        self.parts(name)
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
    table = pa.Table.from_pylist(filled, schema=ds.arrow_schema())
    folder = Path(lake) / name
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "part-0000.parquet"
    pq.write_table(table, out)
    return out
