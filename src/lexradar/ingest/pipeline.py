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
from lexradar.ingest import pool
from lexradar.ingest.convert import Converted, FieldConverter
from lexradar.ingest.mapping import CONDITION_SEP, Derive, Mapping
from lexradar.ingest.mapping import load as load_mapping
from lexradar.ingest.quality import write_batch_report
from lexradar.ingest.readers import Chunk, Reader, open_reader, prefetched
from lexradar.ingest.schemas import QUARANTINE_SCHEMA, WARNINGS_SCHEMA

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
    #: rows of the file that belong to another mapping (``rows: {present: ...}``)
    skipped: int = 0

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
        self.schema = ds.arrow_schema()
        # Dictionary pages only where they pay: coded fields, constants and the batch's own
        # columns. IDs, names and dates are nearly all distinct per row; trying dictionaries on
        # them cost a third of the lake's write time and made the files no smaller.
        self.dictionary_columns = [
            f.name for f in ds.fields if f.values or f.type == "bool" or f.name in mapping.constants
        ] + ["batch_id", "source_file"]
        pos = {h: i for i, h in enumerate(reader.header)}
        self.pos = {h: f"c{i}" for h, i in pos.items()}
        self.source = {f: f"c{pos[c]}" for f, c in mapping.columns.items()}
        self.record_cols = [f"c{pos[c]}" for c in mapping.record_id or []]
        self.converters = {
            f: FieldConverter(ds.field(f), mapping.transform(f), mapping.value_map(f), excel)
            for f in [*mapping.source_fields(), *mapping.constants]
        }
        self.parsed = _Parsed(mapping)
        self.read = 0
        self.skipped = 0
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

    def _selected(self, chunk: Chunk) -> Chunk:
        """The rows of ``chunk`` that belong to this mapping (``rows: {present: [...]}``)."""
        if self.mapping.rows is None:
            return chunk
        keep: pa.Array | None = None
        for column in self.mapping.rows.present:
            cells = chunk.table[self.pos[column]]
            filled = pc.fill_null(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(cells)), 0),
                                  False)  # fmt: skip
            keep = filled if keep is None else pc.or_(keep, filled)
        assert keep is not None
        mask = np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool)
        if mask.all():
            return chunk
        self.skipped += int((~mask).sum())
        return Chunk(chunk.table.filter(pa.array(mask)), chunk.rows[mask])

    def inputs(self, chunk: Chunk) -> dict[str, pa.Array]:
        """The text each source field is converted from: its column, the derived text, the
        parser's output, or for a conditional value map ``<by value> | <value>``."""
        table = chunk.table
        out: dict[str, pa.Array] = {f: table[c].combine_chunks() for f, c in self.source.items()}
        for f, d in self.mapping.derive.items():
            out[f] = _derived(table[self.pos[d.source]].combine_chunks(), d)
        if self.mapping.parse:
            out.update(self.parsed.columns(table, self.pos, out, self.converters))
        for f in list(out):
            by = self.mapping.condition(f)
            if by is not None:
                cond = pc.fill_null(pc.utf8_trim_whitespace(table[self.pos[by]]), "")
                value = pc.utf8_trim_whitespace(out[f])
                joined = pc.binary_join_element_wise(cond, value, CONDITION_SEP)
                out[f] = pc.if_else(pc.is_null(value), value, joined).combine_chunks()
        return out

    def process(self, chunk: Chunk) -> pa.Table:
        self.read += chunk.table.num_rows
        chunk = self._selected(chunk)
        n = chunk.table.num_rows
        converted: dict[str, Converted] = {
            f: self.converters[f].column(col) for f, col in self.inputs(chunk).items()
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
        keep_arr = pa.array(keep) if bad.any() else None
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
            arrays.append(arr if keep_arr is None else arr.filter(keep_arr))
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
                        "column": self.mapping.source_column(f),
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


def mapping_batch_id(lake: Path, sha: str, mapping: Mapping) -> str:
    """The batch id of a file read by a mapping: per file AND mapping.

    A mapping that reads the whole file gets the first 16 hex digits of the file's SHA-256
    (as batches always had), unless that id is already a batch of another dataset from the same
    file; then, and for a mapping that reads only some rows (``rows``), the id is the first 16
    hex digits of the SHA-256 of the file's hash, the dataset and the row selection. So two
    mappings of one file make two batches, and each is ``unchanged`` when ingested again."""
    plain = b.batch_id_of(sha)
    if mapping.rows is None:
        old = b.read_manifest(lake, plain)
        if old is None or old.get("dataset") == mapping.dataset:
            return plain
    key = json.dumps(
        [sha, mapping.dataset, mapping.rows.present if mapping.rows else None], ensure_ascii=False
    )
    return b.batch_id_of(hashlib.sha256(key.encode("utf-8")).hexdigest())


def _derived(col: pa.Array, derive: Derive) -> pa.Array:
    """A derived column: each distinct value of the source column through the pattern."""
    if derive.pattern is None:
        return col
    encoded = col if pa.types.is_dictionary(col.type) else pc.dictionary_encode(col)
    uniq = [derive.apply(v) for v in encoded.dictionary.to_pylist()]
    return pa.array(uniq, pa.string()).take(encoded.indices)


class _Parsed:
    """The ``parse`` entries of a mapping: each distinct cell parsed once per batch."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.cache: dict[tuple[str, str | None, str | None], dict[str, Any]] = {}
        self.parser: Callable[..., Any] | None = None
        if mapping.parse:
            try:
                from lexradar.documents.sentence import parse_result
            except ImportError:
                raise IngestError(
                    "'parse' needs the judgment-result parser (lexradar.documents.sentence), "
                    "which this installation does not have",
                    mapping.where("parse"),
                ) from None
            self.parser = parse_result

    def _one(self, text: str | None, kind: str | None, cause: str | None) -> dict[str, Any]:
        if text is None or not text.strip():
            return {}
        key = (text, kind, cause)
        hit = self.cache.get(key)
        if hit is None:
            assert self.parser is not None
            hit = self.cache[key] = self.parser(text, case_kind=kind, cause=cause).as_row()
        return hit

    def _context(
        self,
        name: str | None,
        n: int,
        known: dict[str, pa.Array],
        converters: dict[str, FieldConverter],
    ) -> list[str | None]:
        """Per row, the canonical value of the field ``name`` (the case kind, the cause)."""
        if name is None:
            return [None] * n
        if name in known:
            values: list[str | None] = converters[name].column(known[name]).values.to_pylist()
            return values
        if name in self.mapping.constants:
            return [str(self.mapping.constants[name])] * n
        return [None] * n

    def columns(
        self,
        table: pa.Table,
        pos: dict[str, str],
        known: dict[str, pa.Array],
        converters: dict[str, FieldConverter],
    ) -> dict[str, pa.Array]:
        out: dict[str, pa.Array] = {}
        n = table.num_rows
        for column, p in self.mapping.parse.items():
            texts = table[pos[column]].to_pylist()
            kinds = self._context(p.case_kind, n, known, converters)
            causes = self._context(p.cause, n, known, converters)
            results = [self._one(t, k, c) for t, k, c in zip(texts, kinds, causes, strict=True)]
            for output, field_name in p.fields.items():
                values = [r.get(output) for r in results]
                out[field_name] = pa.array(
                    [None if v is None else str(v) for v in values], pa.string()
                )
        return out


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
    batch_id = mapping_batch_id(lake, sha, mapping)
    superseded = None
    if replace:
        superseded = b.find_batch(lake, replace)
        if superseded is None:
            hits = [m["batch_id"] for m in b.list_batches(lake)
                    if m["batch_id"].startswith(replace)]  # fmt: skip
            msg = (
                f"{len(hits)} batches start with '{replace}'; give more of the id to replace one"
                if hits
                else f"no batch '{replace}' in the lake to replace"
            )
            raise IngestError(msg, Location(file=str(lake), field="replace"))
    old = b.read_manifest(lake, batch_id)
    if (
        old
        and old.get("status") == "loaded"
        and (superseded is None or superseded["batch_id"] != batch_id)
    ):
        return BatchResult(
            batch_id, old["dataset"], str(file), "unchanged", old["read"], old["loaded"],
            old["quarantined"], old.get("warnings", {}), old.get("rejects", {}),
            skipped=old.get("skipped", 0),
        )  # fmt: skip
    if superseded is not None and superseded["dataset"] != mapping.dataset:
        raise IngestError(
            f"batch {superseded['batch_id']} holds {superseded['dataset']}, not {mapping.dataset}",
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
    written = False  # the rows stay in their temporary file until the manifest (b.commit)
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
                pending = pool.submit(writer.write_table, table, ROW_GROUP)
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
        if batch.loaded + quarantined + batch.skipped != batch.read:
            raise IngestError(
                f"row accounting failed: loaded {batch.loaded} + quarantined {quarantined} "
                f"+ skipped {batch.skipped} != read {batch.read}",
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
            if key != "data":
                os.replace(tmp, targets[key])
        written = True
    except NormalizeError as exc:  # a constant that does not fit its field
        raise IngestError(
            exc.message, Location(file=str(mapping.path), field="constants")
        ) from None
    finally:
        for key, tmp in temps.items():
            if key != "data" or not written:
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
        skipped=batch.skipped,
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
        "skipped": result.skipped,
        "rejects": result.rejects,
        "warnings": result.warnings,
        "replaces": result.replaced,
        "started": started_at,
        "finished": _now(),
    }
    b.commit(lake, manifest, temps["data"])  # the manifest, then the rows into place
    write_batch_report(lake, manifest)
    return result


#: At most this many worker processes by default (see :func:`default_workers`).
ROW_GROUP = 16_384
"""Rows per row group of a batch's part. The workbench reads a clue's records by
``record_id``: a lookup decodes the row group holding the record, every column of it (at
1,500,000 persons a registry lookup took ~240 ms in 100,000-row groups, ~34 ms in these, on a
loaded machine; a full scan was no slower). Row groups are skipped when the part's record ids
come in order, as an agency's export numbers them."""

MAX_WORKERS = 2
#: Below this much raw data in all, the files are ingested in the calling process: starting
#: a worker process (its imports) costs more than a second of CPU.
PARALLEL_MIN_BYTES = 48 << 20
#: Rough CPU cost of ingesting a byte of each format, relative to UTF-8 CSV, measured at
#: 1,500,000 persons (docs/ingest.md): a zipped sheet holds many times its size in XML, a
#: Parquet file is compressed columns, a file in another encoding is transcoded first.
COST_PER_BYTE = {"xlsx": 12.0, "xls": 12.0, "parquet": 10.0}
TRANSCODED = 1.3


def default_workers(sizes: list[int]) -> int:
    """Worker processes for files of ``sizes`` bytes: as many as the cores this process may
    use, at most :data:`MAX_WORKERS` (each worker's peak memory adds to the others'), and
    none (1: this process) for one file or little data."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    if len(sizes) < 2 or sum(sizes) < PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(cpus, MAX_WORKERS, len(sizes)))


def _whole(mapping: Mapping, file: Path) -> bool:
    """Whether ``file`` is read whole into memory (a spreadsheet: python-calamine loads the
    sheet) rather than streamed in chunks. Such files go first: their peak comes as they are
    opened, while the other process is still early in a streamed file and at its smallest,
    not at the end of one, when the quality report counts its keys."""
    try:
        return mapping.file_format(file) in ("xlsx", "xls")
    except IngestError:
        return False


def _cost(mapping: Mapping, file: Path, size: int) -> float:
    """The estimated work of ingesting ``file``: its size weighted by its format."""
    try:
        fmt = mapping.file_format(file)
    except IngestError:
        return float(size)
    weight = COST_PER_BYTE.get(fmt, 1.0)
    encoding = (mapping.encoding or "").lower().replace("_", "-")
    if fmt in ("csv", "tsv", "jsonl") and encoding and encoding not in ("utf-8", "utf-8-sig"):
        weight *= TRANSCODED
    return size * weight


def ingest(
    mapping_files: list[Path],
    lake: Path,
    replace: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    inputs: list[Path] | None = None,
) -> list[BatchResult]:
    """Ingest every file of every mapping; one batch per file.

    Files are ingested in ``workers`` processes, this one included (by default
    :func:`default_workers`: both cores of a 2-core machine when there is enough data to pay
    for starting a process; see :mod:`lexradar.ingest.pool`): spreadsheets first
    (:func:`_whole`), then the most expensive files first (size weighted by format,
    :func:`_cost`), so that the last file to finish is a small one. Each batch is committed
    or rolled back on its own, and the first error is raised once the others have finished.
    Files that might be the same file (equal sizes) are hashed first: identical contents make
    one batch, so they are ingested one after the other in this process. ``inputs`` replaces
    the ``files`` of the (one) mapping: paths or globs relative to the working directory.
    """
    mappings = [load_mapping(p) for p in mapping_files]
    if inputs:
        if len(mappings) != 1:
            raise IngestError(
                f"--input names the files of one mapping; {len(mappings)} mappings were given",
                Location(field="input"),
            )
        # the files of the command line, relative to the working directory, not the mapping
        mappings[0].files = [str(Path(p).absolute()) for p in inputs]
    work = [(m, f) for m in mappings for f in m.matched_files()]
    hashes: list[str | None]
    if replace and len(work) != 1:
        raise IngestError(
            f"--replace needs exactly one file to ingest, the mappings match {len(work)}",
            Location(field="replace"),
        )
    sizes = [f.stat().st_size for _, f in work]
    workers = default_workers(sizes) if workers is None else min(workers, len(work))
    if workers > 1:  # each worker hashes its own file; only equal sizes can be equal files
        shared = {size for size, n in Counter(sizes).items() if n > 1}
        hashes = [b.file_sha256(f) if size in shared else None
                  for (_, f), size in zip(work, sizes, strict=True)]  # fmt: skip
        known = [h for h in hashes if h is not None]
        if len(set(known)) != len(known):
            workers = 1
    if workers <= 1:
        hashes = [b.file_sha256(f) for _, f in work]
        return [
            ingest_file(m, f, Path(lake), replace, progress, sha)
            for (m, f), sha in zip(work, hashes, strict=True)
        ]
    costs = [_cost(m, f, size) for (m, f), size in zip(work, sizes, strict=True)]
    order = sorted(range(len(work)), key=lambda i: (not _whole(*work[i]), -costs[i]))

    def done(k: int, result: BatchResult) -> None:
        if progress:  # once per file as it ends (the worker's files report only then)
            progress(Path(result.file).name, result.read)

    by_path = {m.path: m for m in mappings}

    def local(task: pool.Task) -> BatchResult:
        mapping_file, file, lake_dir, replace_id, sha = task
        try:
            return ingest_file(by_path[mapping_file], file, lake_dir, replace_id, progress, sha)
        finally:  # as the workers do: the two processes' peaks add up
            pa.default_memory_pool().release_unused()

    answers = pool.run(
        [(work[i][0].path, work[i][1], Path(lake), replace, hashes[i]) for i in order],
        workers,
        local,
        done,
    )
    results = {order[k]: value for k, (kind, value) in answers.items() if kind == "ok"}
    errors = {order[k]: value for k, (kind, value) in answers.items() if kind != "ok"}
    if errors:  # the error of the first file in the mappings' order
        raise errors[min(errors)]
    return [results[i] for i in range(len(work))]
