"""Ingest raw files into the lake: read → map → normalize → load or quarantine, per batch.

:func:`ingest_file` takes one file matched by a mapping and makes one batch of it (see
:mod:`lexradar.ingest.batches`); :func:`ingest` runs every file of several mappings. Every row
read is either loaded or quarantined, and ``loaded + quarantined == read`` is checked before the
batch is committed. Ingesting a file whose batch is already in the lake changes nothing;
``replace`` supersedes an earlier batch with the new file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lexradar.errors import IngestError, Location, NormalizeError
from lexradar.ingest import batches as b
from lexradar.ingest.convert import Converted, FieldConverter
from lexradar.ingest.mapping import Mapping
from lexradar.ingest.mapping import load as load_mapping
from lexradar.ingest.quality import write_batch_report
from lexradar.ingest.readers import Chunk, Reader, open_reader, prefetched

QUARANTINE_SCHEMA = pa.schema(
    [
        ("batch_id", pa.string()),
        ("dataset", pa.string()),
        ("source_file", pa.string()),
        ("source_row", pa.int64()),
        ("field", pa.string()),
        ("column", pa.string()),
        ("raw_value", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("raw_row", pa.string()),
    ]
)
WARNINGS_SCHEMA = pa.schema(
    [
        ("batch_id", pa.string()),
        ("dataset", pa.string()),
        ("source_file", pa.string()),
        ("source_row", pa.int64()),
        ("field", pa.string()),
        ("kind", pa.string()),
        ("raw_value", pa.string()),
        ("value", pa.string()),
    ]
)

Progress = Callable[[str, int], None]


@dataclass
class BatchResult:
    """What ingesting one file did."""

    batch_id: str
    dataset: str
    file: str
    status: str  # loaded | unchanged
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    warnings: dict[str, int] = field(default_factory=dict)
    rejects: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    replaced: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class _Batch:
    """The state of one batch while it is being read."""

    def __init__(self, mapping: Mapping, reader: Reader, file: Path, batch_id: str) -> None:
        self.mapping = mapping
        self.reader = reader
        self.file = file
        self.source_file = str(file)
        self.batch_id = batch_id
        ds = mapping.contract
        excel = mapping.file_format(file) in ("xlsx", "xls")
        self.schema = ds.schema()
        # Dictionary pages only where they pay: coded fields, constants and the batch's own
        # columns. IDs, names and dates are nearly all distinct per row; trying dictionaries on
        # them cost a third of the lake's write time and made the files no smaller.
        self.dictionary_columns = [
            f.name for f in ds.fields if f.values or f.type == "bool" or f.name in mapping.constants
        ] + ["batch_id", "source_file"]
        pos = {h: i for i, h in enumerate(reader.header)}
        self.source = {f: f"c{pos[c]}" for f, c in mapping.columns.items()}
        self.record_cols = [f"c{pos[c]}" for c in mapping.record_id or []]
        self.converters = {
            f: FieldConverter(ds.field(f), mapping.transform(f), mapping.values.get(f), excel)
            for f in [*mapping.columns, *mapping.constants]
        }
        self.read = 0
        self.loaded = 0
        self.quarantine: list[dict[str, Any]] = []
        self.warning_rows: list[pa.Table] = []
        self.warnings: Counter[str] = Counter()

    def _record_ids(self, chunk: Chunk) -> pa.Array:
        table = chunk.table
        if self.record_cols:
            cols = [pc.utf8_trim_whitespace(table[c]) for c in self.record_cols]
            if len(cols) == 1:
                return cols[0].combine_chunks()
            return pc.binary_join_element_wise(*cols, "|").combine_chunks()
        names = self.reader.columns()
        values = zip(*(table[c].to_pylist() for c in names), strict=True)
        return pa.array(
            [
                hashlib.blake2b(
                    "\x1f".join(v or "" for v in row).encode(), digest_size=8
                ).hexdigest()
                for row in values
            ],
            pa.string(),
        )

    def process(self, chunk: Chunk) -> pa.Table:
        n = chunk.table.num_rows
        self.read += n
        converted: dict[str, Converted] = {
            f: self.converters[f].column(chunk.table[c]) for f, c in self.source.items()
        }
        record_ids = self._record_ids(chunk)
        bad = np.zeros(n, dtype=bool)
        for conv in converted.values():
            bad |= conv.bad
        rid_missing = pc.fill_null(pc.equal(pc.utf8_length(record_ids), 0), True)
        rid_missing_np = rid_missing.to_numpy(zero_copy_only=False)
        if bad.any() or rid_missing_np.any():
            self._quarantine(chunk, converted, record_ids, bad | rid_missing_np)
            bad |= rid_missing_np
        keep = ~bad
        self._warn(chunk, converted, keep)
        arrays = []
        keep_arr = pa.array(keep)
        for f in self.schema:
            if f.name in converted:
                arr = converted[f.name].values
            elif f.name in self.mapping.constants:
                arr = self.converters[f.name].constant(self.mapping.constants[f.name], n)
            elif f.name == "record_id":
                arr = record_ids
            elif f.name == "batch_id":
                arr = pa.repeat(pa.scalar(self.batch_id, pa.string()), n)
            elif f.name == "source_file":
                arr = pa.repeat(pa.scalar(self.source_file, pa.string()), n)
            elif f.name == "source_row":
                arr = pa.array(chunk.rows, pa.int64())
            else:
                arr = pa.nulls(n, f.type)
            arrays.append(arr.filter(keep_arr))
        out = pa.Table.from_arrays(arrays, schema=self.schema)
        self.loaded += out.num_rows
        return out

    def _quarantine(
        self,
        chunk: Chunk,
        converted: dict[str, Converted],
        record_ids: pa.Array,
        bad: np.ndarray,
    ) -> None:
        header = self.reader.header
        names = self.reader.columns()
        for i in np.flatnonzero(bad):
            row = int(chunk.rows[i])
            entry: dict[str, Any] | None = None
            for f, conv in converted.items():
                if not conv.bad[i]:
                    continue
                outcome = conv.outcome(int(i))
                if outcome.error:
                    entry = {
                        "field": f,
                        "column": self.mapping.columns[f],
                        "raw_value": conv.raw_value(int(i)),
                        "reason": outcome.error,
                        "detail": outcome.detail,
                    }
                    break
            if entry is None:
                entry = {
                    "field": "record_id",
                    "column": ",".join(self.mapping.record_id or []),
                    "raw_value": record_ids[i].as_py(),
                    "reason": "missing_record_id",
                    "detail": "the columns that make the record id are empty",
                }
            raw_row = {h: chunk.table[c][i].as_py() for h, c in zip(header, names, strict=True)}
            self.quarantine.append(
                {
                    "batch_id": self.batch_id,
                    "dataset": self.mapping.dataset,
                    "source_file": self.source_file,
                    "source_row": row,
                    **entry,
                    "raw_row": json.dumps(raw_row, ensure_ascii=False),
                }
            )

    def _warn(self, chunk: Chunk, converted: dict[str, Converted], keep: np.ndarray) -> None:
        for f, conv in converted.items():
            mask = conv.warned & keep
            if not mask.any():
                continue
            rows = np.flatnonzero(mask)
            raws = conv.raw.filter(pa.array(mask))
            kinds = conv.warning_kinds(mask)
            self.warnings.update(kinds)
            m = int(mask.sum())
            self.warning_rows.append(
                pa.table(
                    {
                        "batch_id": pa.array([self.batch_id] * m, pa.string()),
                        "dataset": pa.array([self.mapping.dataset] * m, pa.string()),
                        "source_file": pa.array([self.source_file] * m, pa.string()),
                        "source_row": pa.array(chunk.rows[rows], pa.int64()),
                        "field": pa.array([f] * m, pa.string()),
                        "kind": pa.array(kinds, pa.string()),
                        "raw_value": raws,
                        "value": pc.cast(conv.values.filter(pa.array(mask)), pa.string()),
                    },
                    schema=WARNINGS_SCHEMA,
                )
            )

    def reader_rejects(self) -> None:
        """Rows the reader could not split into columns: quarantined whole."""
        for bad in self.reader.bad_rows:
            self.read += 1
            self.quarantine.append(
                {
                    "batch_id": self.batch_id,
                    "dataset": self.mapping.dataset,
                    "source_file": self.source_file,
                    "source_row": bad.row,
                    "field": None,
                    "column": None,
                    "raw_value": bad.text,
                    "reason": bad.reason,
                    "detail": bad.detail,
                    "raw_row": bad.text,
                }
            )


def ingest_file(
    mapping: Mapping,
    file: Path,
    lake: Path,
    replace: str | None = None,
    progress: Progress | None = None,
    sha: str | None = None,
) -> BatchResult:
    """Ingest one file of ``mapping`` into ``lake`` as one batch (see the module doc).

    ``sha`` is the file's SHA-256 when the caller has it already."""
    import time

    started_at, started = _now(), time.perf_counter()
    lake = Path(lake)
    sha = sha or b.file_sha256(file)
    batch_id = b.batch_id_of(sha)
    old = b.read_manifest(lake, batch_id)
    if old and old.get("status") == "loaded" and replace != batch_id:
        return BatchResult(
            batch_id, old["dataset"], str(file), "unchanged", old["read"], old["loaded"],
            old["quarantined"], old.get("warnings", {}), old.get("rejects", {}),
        )  # fmt: skip
    superseded = None
    if replace:
        superseded = b.find_batch(lake, replace)
        if superseded is None:
            raise IngestError(
                f"no batch '{replace}' in the lake to replace", Location(file=str(lake))
            )
        if superseded["dataset"] != mapping.dataset:
            raise IngestError(
                f"batch {superseded['batch_id']} holds {superseded['dataset']}, "
                f"not {mapping.dataset}",
                Location(file=str(file)),
            )
    fmt = mapping.file_format(file)
    try:
        reader = open_reader(file, fmt, mapping.encoding, mapping.sheet, mapping.header_row)
    except IngestError as exc:
        if exc.location.field in ("encoding", "sheet", "format"):
            raise IngestError(
                f"{exc.message} (mapping {mapping.path}, line "
                f"{mapping.where(exc.location.field).line})",
                exc.location,
            ) from None
        raise
    mapping.check_header(reader.header, str(file))
    batch = _Batch(mapping, reader, file, batch_id)
    targets = {
        "data": b.data_path(lake, mapping.dataset, batch_id),
        "quarantine": b.quarantine_path(lake, batch_id),
        "warnings": b.warnings_path(lake, batch_id),
    }
    temps = {k: b.temp_of(p) for k, p in targets.items()}
    for p in temps.values():
        p.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            pq.ParquetWriter(
                temps["data"],
                batch.schema,
                compression="zstd",
                use_dictionary=batch.dictionary_columns,
            ) as writer,
            ThreadPoolExecutor(1) as pool,
            closing(prefetched(reader.chunks()) if reader.parallel else reader.chunks()) as chunks,
        ):
            # Each chunk is compressed and written in the background while the next one is
            # read and converted (pyarrow lets go of the GIL); one chunk in flight at a time.
            # The next chunk is read in another thread meanwhile (see readers.prefetched).
            pending: Future[None] | None = None
            for chunk in chunks:
                table = batch.process(chunk)
                if pending is not None:
                    pending.result()
                pending = pool.submit(writer.write_table, table)
                if progress:
                    progress(file.name, batch.read)
            if pending is not None:
                pending.result()
        batch.reader_rejects()
        if batch.read == 0:
            raise IngestError(
                "the file has a header but no data rows", Location(file=str(file), row=1)
            )
        quarantined = len(batch.quarantine)
        if batch.loaded + quarantined != batch.read:
            raise IngestError(
                f"row accounting failed: loaded {batch.loaded} + quarantined {quarantined} "
                f"!= read {batch.read}",
                Location(file=str(file)),
            )
        pq.write_table(
            pa.Table.from_pylist(batch.quarantine, schema=QUARANTINE_SCHEMA), temps["quarantine"]
        )
        warnings = (
            pa.concat_tables(batch.warning_rows)
            if batch.warning_rows
            else WARNINGS_SCHEMA.empty_table()
        )
        pq.write_table(warnings, temps["warnings"])
        for key, tmp in temps.items():
            os.replace(tmp, targets[key])
    except NormalizeError as exc:  # a constant that does not fit its field
        raise IngestError(
            exc.message, Location(file=str(mapping.path), field="constants")
        ) from None
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    rejects = Counter(q["reason"] for q in batch.quarantine)
    result = BatchResult(
        batch_id,
        mapping.dataset,
        str(file),
        "loaded",
        batch.read,
        batch.loaded,
        len(batch.quarantine),
        dict(sorted(batch.warnings.items())),
        dict(sorted(rejects.items())),
        time.perf_counter() - started,
    )
    if superseded is not None and superseded["batch_id"] != batch_id:
        b.remove_batch_files(lake, superseded)
        b.write_json(
            b.manifest_path(lake, superseded["batch_id"]),
            {
                **superseded,
                "status": "superseded",
                "superseded_by": batch_id,
                "superseded_at": _now(),
            },
        )
        result.replaced = superseded["batch_id"]
    manifest = {
        "batch_id": batch_id,
        "dataset": mapping.dataset,
        "file": str(file),
        "mapping": str(mapping.path),
        "sha256": sha,
        "format": fmt,
        "encoding": reader.encoding,
        "status": "loaded",
        "read": batch.read,
        "loaded": batch.loaded,
        "quarantined": result.quarantined,
        "rejects": result.rejects,
        "warnings": result.warnings,
        "replaces": result.replaced,
        "started": started_at,
        "finished": _now(),
    }
    b.write_json(b.manifest_path(lake, batch_id), manifest)
    write_batch_report(lake, manifest)
    return result


def _ingest_one(args: tuple[Path, Path, Path, str | None, str]) -> BatchResult:
    mapping_file, file, lake, replace, sha = args
    return ingest_file(load_mapping(mapping_file), file, lake, replace, sha=sha)


def ingest(
    mapping_files: list[Path],
    lake: Path,
    replace: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> list[BatchResult]:
    """Ingest every file of every mapping; one batch per file.

    With ``workers`` > 1 files are ingested in that many processes, largest files first; each
    batch is committed or rolled back on its own, and the first error is raised once the others
    have finished. The default is one process: on a busy 2-core machine the extra process did
    not pay for itself (see docs/ingest.md).
    """
    mappings = [load_mapping(p) for p in mapping_files]
    work = [(m, f) for m in mappings for f in m.matched_files()]
    if replace and len(work) != 1:
        raise IngestError(
            f"--replace needs exactly one file to ingest, the mappings match {len(work)}",
            Location(field="replace"),
        )
    workers = min(workers or 1, len(work))
    hashes = [b.file_sha256(f) for _, f in work]
    if workers <= 1 or len(set(hashes)) != len(hashes):
        return [
            ingest_file(m, f, Path(lake), replace, progress, sha)
            for (m, f), sha in zip(work, hashes, strict=True)
        ]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    order = sorted(range(len(work)), key=lambda i: -work[i][1].stat().st_size)
    results: dict[int, BatchResult] = {}
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {
            i: pool.submit(
                _ingest_one, (work[i][0].path, work[i][1], Path(lake), replace, hashes[i])
            )
            for i in order
        }
        error: BaseException | None = None
        for i in order:
            try:
                results[i] = futures[i].result()
            except BaseException as exc:  # keep the first, let the other batches finish
                error = error or exc
                continue
            if progress:
                progress(work[i][1].name, results[i].read)
    if error is not None:
        raise error
    return [results[i] for i in range(len(work))]
