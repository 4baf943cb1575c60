"""Judgment documents as an ingest input: each file a batch of the ``judgments`` dataset.

:func:`ingest_documents` reads document files — plain text, JSON Lines, ``.docx``, ``.html``,
text PDFs, one document or many per file (:mod:`lexradar.documents.readers`) — extracts the
elements of every document (:mod:`lexradar.documents.extract`) and turns them into
``judgments`` rows (:mod:`lexradar.documents.to_rows`). A file is a batch like any other:
its id is the first 16 hex digits of its SHA-256, ingesting it again changes nothing
(``--replace`` supersedes an earlier batch), and it writes its quarantine, its warnings, its
manifest and its quality report before its rows (see :mod:`lexradar.ingest.batches`).

Nothing is lost. What is read is a *candidate row*: a party a document names with a role the
contract knows (for a criminal judgment each defendant, for a civil one each plaintiff and
defendant), or a document from which no such party could be read. Every candidate is loaded or
quarantined, and ``loaded + quarantined == read`` is checked before the batch is committed. A
quarantined entry names the file, the document's index in it (``source_row``, from 1), its id,
the party, the fields that could not be read (``reason`` ``document_not_read``) and the
extractor's problems; a JSON Lines line that is no document (not JSON, no text) is quarantined
as ``unreadable_document``. A row's ``record_id`` is ``<document id>#<party index>``.

Values pass through the same normalizers as a mapped column of the same field (resident ID,
name, certificate number, region code: :data:`NORMALIZED`, from the contract's value types);
``party_appeared`` is what the document's account of the trial says. A repaired or doubtful
value (a 15-digit ID, a mistyped check digit) is loaded with its warning, a value that fails is
quarantined with the reason.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lexradar.datasets import dataset
from lexradar.errors import IngestError, Location
from lexradar.ingest import batches as b
from lexradar.ingest.convert import FieldConverter
from lexradar.ingest.mapping import Transform, default_transform
from lexradar.ingest.pipeline import BatchResult
from lexradar.ingest.quality import write_batch_report
from lexradar.ingest.schemas import QUARANTINE_SCHEMA, WARNINGS_SCHEMA

DATASET = "judgments"
#: Value types whose extracted text goes through a normalizer.
NORMALIZED_TYPES = ("resident_id", "name", "cert_no", "region_code")
#: Fields of those types, each with the transform table ingest gives a mapped column of that
#: field (:func:`~lexradar.ingest.mapping.default_transform`): the same value type, the same
#: normal form (``cited_cert_no`` ``J150402-2018-35`` → ``J1504022018000035``, as the
#: registry's ``cert_no``).
NORMALIZED = {
    f.name: default_transform(dataset(DATASET), f.name)
    for f in dataset(DATASET).fields
    if f.value_type in NORMALIZED_TYPES
}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def document_files(paths: list[Path]) -> list[Path]:
    """The document files named: files as given, folders by their document files (sorted)."""
    from lexradar.documents.readers import SUFFIXES

    out: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif path.is_file():
            out.append(path)
        else:
            raise IngestError(f"{path}: no such file or folder", Location(file=str(path)))
    return out


def _documents(file: Path) -> Iterator[tuple[int, str | None, str | None, str | None]]:
    """``(index, id, text, error)`` of every document of ``file`` (index from 1)."""
    from lexradar.documents.readers import DocumentFileError, read_documents

    if file.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        with open(file, encoding="utf-8-sig") as handle:
            index = 0
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                index += 1
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield index, None, None, f"line {line_no}: not JSON ({exc.msg})"
                    continue
                text = row.get("document", row.get("text")) if isinstance(row, dict) else None
                doc_id = (
                    str(row.get("id") or f"{file.stem}:{line_no}")
                    if isinstance(row, dict)
                    else None
                )
                if not isinstance(text, str) or not text.strip():
                    yield index, doc_id, None, f"line {line_no}: no 'document' or 'text' field"
                    continue
                yield index, doc_id, text, None
        return
    try:
        for index, (doc_id, text) in enumerate(read_documents(file), start=1):
            yield index, doc_id, text, None
    except DocumentFileError as exc:
        raise IngestError(exc.message, Location(file=str(file))) from None


class _DocumentBatch:
    def __init__(self, file: Path, batch_id: str) -> None:
        self.file, self.batch_id = file, batch_id
        self.contract = dataset(DATASET)
        self.schema = self.contract.arrow_schema()
        self.converters = {
            f: FieldConverter(self.contract.field(f), Transform(type=kind))
            for f, kind in NORMALIZED.items()
        }
        self.rows: list[dict[str, Any]] = []
        self.quarantine: list[dict[str, Any]] = []
        self.warnings: list[dict[str, Any]] = []
        self.read = 0
        self.documents = 0

    def _quarantined(self, index: int, doc_id: str | None, field: str | None, reason: str,
                     detail: str, raw: dict[str, Any]) -> None:  # fmt: skip
        self.quarantine.append({
            "batch_id": self.batch_id, "dataset": DATASET, "source_file": str(self.file),
            "source_row": index, "field": field, "column": None, "raw_value": doc_id,
            "reason": reason, "detail": detail,
            "raw_row": json.dumps(raw, ensure_ascii=False, default=str),
        })  # fmt: skip

    def add(self, index: int, doc_id: str | None, text: str | None, error: str | None) -> None:
        from lexradar.documents.extract import extract
        from lexradar.documents.to_rows import document_rows

        self.documents += 1
        if text is None:
            self.read += 1
            self._quarantined(index, doc_id, None, "unreadable_document", error or "", {
                "document_index": index, "id": doc_id})  # fmt: skip
            return
        doc_id = doc_id or f"{self.file.stem}#{index}"
        elements = extract(text, doc_id)
        out = document_rows(elements, text)
        where = {"document_index": index, "id": doc_id, "problems": elements.problems}
        for rejected in out.rejected:
            self.read += 1
            fields = rejected.reason.removeprefix("not read: ")
            self._quarantined(index, doc_id, fields.split(", ")[0] if rejected.party else None,
                              "document_not_read", rejected.reason,
                              {**where, "party": rejected.party})  # fmt: skip
        for k, row in enumerate(out.rows, start=1):
            self.read += 1
            self._row(index, doc_id, k, row, where)

    def _row(self, index: int, doc_id: str, k: int, row: dict[str, Any],
             where: dict[str, Any]) -> None:  # fmt: skip
        clean = {name: row.get(name) for name in self.schema.names}
        warned: list[dict[str, Any]] = []
        for f, conv in self.converters.items():
            raw = row.get(f)
            if raw is None:
                continue
            outcome = conv.one(str(raw))
            if outcome.error:
                self._quarantined(index, doc_id, f, outcome.error, outcome.detail,
                                  {**where, "party": row.get("party_name"), f: raw})  # fmt: skip
                return
            clean[f] = outcome.value
            if outcome.warning:
                warned.append({
                    "batch_id": self.batch_id, "dataset": DATASET, "source_file": str(self.file),
                    "source_row": index, "field": f, "kind": outcome.warning,
                    "raw_value": str(raw), "value": str(outcome.value),
                })  # fmt: skip
        clean.update(record_id=f"{doc_id}#{k}", batch_id=self.batch_id,
                     source_file=str(self.file), source_row=index)  # fmt: skip
        self.rows.append(clean)
        self.warnings += warned


def ingest_document_file(file: Path, lake: Path, replace: str | None = None) -> BatchResult:
    """Ingest one document file into ``lake`` as one batch of ``judgments``."""
    started_at, started = _now(), time.perf_counter()
    lake, file = Path(lake), Path(file)
    sha = b.file_sha256(file)
    batch_id = b.batch_id_of(sha)
    superseded = b.find_batch(lake, replace) if replace else None
    if replace and superseded is None:
        raise IngestError(f"no single batch '{replace}' in the lake to replace",
                          Location(file=str(lake), field="replace"))  # fmt: skip
    if superseded is not None and superseded["dataset"] != DATASET:
        raise IngestError(f"batch {superseded['batch_id']} holds {superseded['dataset']}, "
                          f"not {DATASET}", Location(file=str(file)))  # fmt: skip
    old = b.read_manifest(lake, batch_id)
    if old and old.get("status") == "loaded" and superseded is None:
        return BatchResult(
            batch_id, old["dataset"], str(file), "unchanged", old["read"], old["loaded"],
            old["quarantined"], old.get("warnings", {}), old.get("rejects", {}),
        )  # fmt: skip
    batch = _DocumentBatch(file, batch_id)
    for doc in _documents(file):
        batch.add(*doc)
    if batch.documents == 0:
        raise IngestError("the file holds no document", Location(file=str(file)))
    loaded, quarantined = len(batch.rows), len(batch.quarantine)
    if loaded + quarantined != batch.read:
        raise IngestError(f"row accounting failed: loaded {loaded} + quarantined {quarantined} "
                          f"!= read {batch.read}", Location(file=str(file)))  # fmt: skip
    targets = {
        "data": b.data_path(lake, DATASET, batch_id),
        "quarantine": b.quarantine_path(lake, batch_id),
        "warnings": b.warnings_path(lake, batch_id),
    }
    temps = {k: b.temp_of(p) for k, p in targets.items()}
    for p in temps.values():
        p.parent.mkdir(parents=True, exist_ok=True)
    try:
        pq.write_table(pa.Table.from_pylist(batch.rows, schema=batch.schema), temps["data"],
                       compression="zstd")  # fmt: skip
        pq.write_table(pa.Table.from_pylist(batch.quarantine, schema=QUARANTINE_SCHEMA),
                       temps["quarantine"])  # fmt: skip
        pq.write_table(pa.Table.from_pylist(batch.warnings, schema=WARNINGS_SCHEMA),
                       temps["warnings"])  # fmt: skip
        for key in ("quarantine", "warnings"):
            os.replace(temps[key], targets[key])
    except BaseException:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        raise
    rejects = dict(sorted(Counter(q["reason"] for q in batch.quarantine).items()))
    warnings = dict(sorted(Counter(w["kind"] for w in batch.warnings).items()))
    result = BatchResult(batch_id, DATASET, str(file), "loaded", batch.read, loaded, quarantined,
                         warnings, rejects, time.perf_counter() - started)  # fmt: skip
    if superseded is not None and superseded["batch_id"] != batch_id:
        b.remove_batch_files(lake, superseded)
        b.write_json(b.manifest_path(lake, superseded["batch_id"]),
                     {**superseded, "status": "superseded", "superseded_by": batch_id,
                      "superseded_at": _now()})  # fmt: skip
        result.replaced = superseded["batch_id"]
    manifest = {
        "batch_id": batch_id, "dataset": DATASET, "file": str(file), "mapping": None,
        "input": "judgment_documents", "sha256": sha, "format": "documents",
        "encoding": None, "status": "loaded", "documents": batch.documents,
        "read": batch.read, "loaded": loaded, "quarantined": quarantined, "skipped": 0,
        "rejects": rejects, "warnings": warnings, "replaces": result.replaced,
        "started": started_at, "finished": _now(),
    }  # fmt: skip
    b.commit(lake, manifest, temps["data"])
    write_batch_report(lake, manifest)
    return result


def ingest_documents(
    paths: list[Path], lake: Path, replace: str | None = None
) -> list[BatchResult]:
    """Ingest every document file of ``paths`` (files or folders), one batch each."""
    files = document_files(paths)
    if replace and len(files) != 1:
        raise IngestError("--replace takes exactly one file", Location(field="replace"))
    return [ingest_document_file(f, lake, replace) for f in files]
