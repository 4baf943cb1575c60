"""Trying a draft on the lake, or on a sample of its persons, and comparing two versions.

A try runs the compiled model exactly as ``lexradar run`` would (``run_model``), so its hits
are clue candidates with their explanations and fingerprints; it also says how many of them
involve the case the draft started from. Two versions compare by fingerprint: the hits the
second gains and the hits it loses.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lexradar.engine import Engine, literal, open_engine
from lexradar.errors import Location
from lexradar.models.registry import Model
from lexradar.models.run import RunRecord, run_model
from lexradar.studio.blocks import ROLES
from lexradar.studio.errors import StudioError

LAST_TRY = "last_try.parquet"


def open_lake(
    lake: Path | str, sample: float | None = None, kind: str = "duckdb", **options: object
) -> Engine:
    """An engine on the lake (``options`` as :func:`~lexradar.engine.open_engine` takes them);
    with ``sample`` (a fraction, 0 < s <= 1) only that share of the persons, chosen by a hash
    of the resident ID so that a person's records stay together (DuckDB only)."""
    if sample is not None and (not 0 < sample <= 1 or (sample < 1 and kind != "duckdb")):
        raise StudioError(
            "a sample is a fraction between 0 and 1 (DuckDB engine only)", Location(field="sample")
        )
    engine = open_engine(lake, kind, **{"sandbox": True, **options})  # model SQL runs on it
    if sample is None or sample >= 1:
        return engine
    per_mille = max(1, round(sample * 1000))
    for name, role in ROLES.items():
        if not role.persons or not engine.lake.has(name):
            continue
        path = literal(engine.lake.glob(name))
        keep = " OR ".join(f"hash({c}) % 1000 < {per_mille}" for c in role.persons)
        engine.create_view(
            name, f"SELECT * FROM read_parquet({path}, union_by_name = true) WHERE {keep}"
        )
    return engine


@dataclass
class Trial:
    """The hits of one try, how many involve the starting case, and what ran."""

    model_id: str
    version: int
    as_of: dt.date
    hits: pa.Table
    record: RunRecord
    case_refs: list[str] = field(default_factory=list)
    sample: float | None = None

    @property
    def count(self) -> int:
        return int(self.hits.num_rows)  # pyarrow is untyped

    @property
    def involving_case(self) -> int:
        """Hits that cite a record of the starting case."""
        return sum(1 for row in self.hits.to_pylist() if involves(row, self.case_refs))

    def rows(self) -> list[dict[str, Any]]:
        """The hits as dicts, those involving the starting case first."""
        rows = self.hits.to_pylist()
        return sorted(rows, key=lambda r: (not involves(r, self.case_refs), r["fingerprint"]))


def involves(hit: dict[str, Any], case_refs: Iterable[str]) -> bool:
    refs = set(filter(None, (hit.get("record_refs") or "").split(";")))
    return bool(refs & set(case_refs))


def try_model(
    engine: Engine,
    model: Model,
    as_of: dt.date,
    params: dict[str, object] | None = None,
    case_refs: Iterable[str] = (),
    sample: float | None = None,
) -> Trial:
    """Run ``model`` on the engine's lake as of ``as_of``; the hits are clue candidates."""
    hits, record = run_model(engine, model, as_of, params)
    return Trial(model.id, model.spec.version, as_of, hits, record, list(case_refs), sample)


def save_trial(trial: Trial, folder: Path) -> Path:
    """Keep a try's hits beside the draft (what marking hits true or false reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / LAST_TRY
    meta = {
        "model_id": trial.model_id,
        "version": str(trial.version),
        "as_of": trial.as_of.isoformat(),
        "sample": "" if trial.sample is None else str(trial.sample),
        "parameters": json.dumps(trial.record.parameters, default=str),
        "seconds": f"{trial.record.seconds:.3f}",
    }
    table = trial.hits.replace_schema_metadata({f"lexradar.{k}": v for k, v in meta.items()})
    pq.write_table(table, out)
    return out


def load_trial(folder: Path) -> tuple[pa.Table, dict[str, str]]:
    """The hits of the last try of a draft and what it ran with."""
    path = folder / LAST_TRY
    if not path.exists():
        raise StudioError("no try yet: try the draft first", Location(file=str(path)))
    table = pq.read_table(path)
    meta = {
        k.decode()[len("lexradar.") :]: v.decode()
        for k, v in (table.schema.metadata or {}).items()
        if k.startswith(b"lexradar.")
    }
    return table, meta


@dataclass
class Comparison:
    """Two versions side by side: hits both find, hits only the second finds (gained), hits
    only the first finds (lost)."""

    left: Trial
    right: Trial
    seconds: float

    def _by_fp(self, trial: Trial) -> dict[str, dict[str, Any]]:
        return {r["fingerprint"]: r for r in trial.hits.to_pylist()}

    @property
    def same(self) -> list[str]:
        return sorted(set(self._by_fp(self.left)) & set(self._by_fp(self.right)))

    @property
    def gained(self) -> list[dict[str, Any]]:
        left = self._by_fp(self.left)
        return [r for fp, r in sorted(self._by_fp(self.right).items()) if fp not in left]

    @property
    def lost(self) -> list[dict[str, Any]]:
        right = self._by_fp(self.right)
        return [r for fp, r in sorted(self._by_fp(self.left).items()) if fp not in right]


def compare(
    engine: Engine,
    left: Model,
    right: Model,
    as_of: dt.date,
    params: dict[str, object] | None = None,
) -> Comparison:
    """Run two models (two versions of one, or a draft and the pack's) on the same lake."""
    started = time.perf_counter()
    own = dict(params or {})
    a = try_model(engine, left, as_of, _own(left, own))
    b = try_model(engine, right, as_of, _own(right, own))
    return Comparison(a, b, time.perf_counter() - started)


def _own(model: Model, params: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in params.items() if any(p.name == k for p in model.spec.parameters)}
