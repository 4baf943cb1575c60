"""Batches: one raw file ingested once, identified by its content hash.

A batch writes ``lake/_quarantine/<id>.parquet`` (rows that could not be loaded, with file,
row, field, raw value and reason), ``lake/_warnings/<id>.parquet`` (fixable defects, with the
original value), its manifest ``lake/_batches/<id>.json`` and, last, the canonical rows
``lake/<dataset>/batch-<id>.parquet`` (:func:`commit`). Every file is written to a temporary
name and renamed into place. The rows take their place only after the manifest, so rows are
never visible without their batch listed: an ingest killed before its manifest leaves only a
temporary file no engine reads (the next ingest of the file writes over it); one killed between
the manifest and the rename leaves a batch :func:`list_batches` calls ``incomplete`` and that
the next ingest of the file loads again. A part without a manifest (an older ingest's kill) is
set aside by the lake (:mod:`lexradar.datasets.lake`) and listed as an ``orphan``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from lexradar.datasets.lake import MANIFESTS, ORPHANS, Lake

BATCHES = MANIFESTS
QUARANTINE = "_quarantine"
WARNINGS = "_warnings"


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def batch_id_of(sha256: str) -> str:
    """A batch id: the first 16 hex digits of the file's SHA-256."""
    return sha256[:16]


def manifest_path(lake: Path, batch: str) -> Path:
    return lake / BATCHES / f"{batch}.json"


def data_path(lake: Path, dataset: str, batch: str) -> Path:
    return lake / dataset / f"batch-{batch}.parquet"


def quarantine_path(lake: Path, batch: str) -> Path:
    return lake / QUARANTINE / f"{batch}.parquet"


def warnings_path(lake: Path, batch: str) -> Path:
    return lake / WARNINGS / f"{batch}.parquet"


def quality_path(lake: Path, batch: str, ext: str = "json") -> Path:
    """The quality report of a batch, beside its manifest (``ext`` json or html)."""
    return lake / BATCHES / f"{batch}.quality.{ext}"


def temp_of(path: Path) -> Path:
    """The temporary name a file is written under: hidden, and not ``*.parquet``."""
    return path.with_name(f".{path.name}.tmp")


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_of(path)
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _complete(lake: Path, manifest: dict[str, Any]) -> bool:
    """A loaded batch whose rows took their place (see the module doc)."""
    return data_path(lake, manifest["dataset"], manifest["batch_id"]).exists()


def read_manifest(lake: Path, batch: str) -> dict[str, Any] | None:
    """The batch's manifest; None when there is none, or when the batch is ``loaded`` but its
    rows never took their place (an ingest killed after the manifest): the file is ingested
    again."""
    path = manifest_path(lake, batch)
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if data.get("status") == "loaded" and not _complete(lake, data):
        return None
    return data


def commit(lake: Path, manifest: dict[str, Any], data_tmp: Path) -> None:
    """Put a batch in place: its manifest, then its rows (``data_tmp``, complete, renamed into
    ``lake/<dataset>/batch-<id>.parquet``), so that rows are never visible unlisted. A part of
    the same batch set aside earlier as an orphan is removed: this batch holds its rows."""
    batch, dataset = manifest["batch_id"], manifest["dataset"]
    write_json(manifest_path(lake, batch), manifest)
    os.replace(data_tmp, data_path(lake, dataset, batch))
    (lake / ORPHANS / dataset / f"batch-{batch}.parquet").unlink(missing_ok=True)


def orphans(lake: Path) -> list[dict[str, Any]]:
    """Parts no manifest lists (set aside into ``_orphans``), as rows like manifests' with
    status ``orphan``: the rows an ingest killed before its manifest left behind."""
    import pyarrow.parquet as pq

    out = []
    for dataset, path in Lake(lake).orphans():
        try:
            rows = pq.ParquetFile(path).metadata.num_rows
        except Exception:  # a part cut short by the kill
            rows = None
        batch = path.stem.removeprefix("batch-")
        out.append({
            "batch_id": batch, "dataset": dataset, "file": str(path), "status": "orphan",
            "read": rows, "loaded": 0, "quarantined": 0, "started": "", "finished": "",
        })  # fmt: skip
    return out


def list_batches(lake: Path, with_orphans: bool = True) -> list[dict[str, Any]]:
    """Every batch manifest of the lake, oldest first; a loaded batch whose rows never took
    their place has status ``incomplete``; then the orphaned parts (:func:`orphans`)."""
    folder = lake / BATCHES
    found = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in folder.glob("*.json")
        if "." not in p.stem  # not <id>.quality.json
    ]
    for m in found:
        if m.get("status") == "loaded" and not _complete(lake, m):
            m["status"] = "incomplete"
    listed = sorted(found, key=lambda m: (m.get("started", ""), m["batch_id"]))
    return listed + (orphans(lake) if with_orphans and lake.is_dir() else [])


def find_batch(lake: Path, prefix: str) -> dict[str, Any] | None:
    """The manifest whose id is or starts with ``prefix``, when exactly one does."""
    hits = [m for m in list_batches(lake, False) if m["batch_id"].startswith(prefix)]
    return hits[0] if len(hits) == 1 else None


def remove_batch_files(lake: Path, manifest: dict[str, Any]) -> None:
    """Delete a batch's data, quarantine and warnings (not its manifest)."""
    batch = manifest["batch_id"]
    for path in (
        data_path(lake, manifest["dataset"], batch),
        quarantine_path(lake, batch),
        warnings_path(lake, batch),
    ):
        path.unlink(missing_ok=True)
