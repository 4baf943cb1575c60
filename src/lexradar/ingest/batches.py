"""Batches: one raw file ingested once, identified by its content hash.

A batch writes ``lake/<dataset>/batch-<id>.parquet`` (the canonical rows),
``lake/_quarantine/<id>.parquet`` (rows that could not be loaded, with file, row, field, raw
value and reason), ``lake/_warnings/<id>.parquet`` (fixable defects, with the original value)
and, last, its manifest ``lake/_batches/<id>.json``. Every file is written to a temporary name
and renamed into place, and the manifest is written only once the rest is in place, so a batch
that fails leaves nothing behind and a batch with a manifest is complete.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

BATCHES = "_batches"
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


def read_manifest(lake: Path, batch: str) -> dict[str, Any] | None:
    path = manifest_path(lake, batch)
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def list_batches(lake: Path) -> list[dict[str, Any]]:
    """Every batch manifest of the lake, oldest first."""
    folder = lake / BATCHES
    found = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in folder.glob("*.json")
        if "." not in p.stem  # not <id>.quality.json
    ]
    return sorted(found, key=lambda m: (m.get("started", ""), m["batch_id"]))


def find_batch(lake: Path, prefix: str) -> dict[str, Any] | None:
    """The manifest whose id is or starts with ``prefix``, when exactly one does."""
    hits = [m for m in list_batches(lake) if m["batch_id"].startswith(prefix)]
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
