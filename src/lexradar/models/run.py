"""Running models: plan, execute on an engine, turn result rows into clue candidates.

A clue's fingerprint is a hash of the model id and its key columns, so rerunning a model finds
the same clues again instead of new ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from lexradar.datasets import CONTRACT
from lexradar.engine import Engine, Step
from lexradar.errors import Location, ModelError
from lexradar.models.compile import compile_model
from lexradar.models.inputs import missing_inputs
from lexradar.models.registry import Model

CLUE_SCHEMA = pa.schema(
    [
        ("fingerprint", pa.string()),
        ("model_id", pa.string()),
        ("model_version", pa.int32()),
        ("run_id", pa.string()),
        ("as_of", pa.date32()),
        ("person_ids", pa.string()),
        ("record_refs", pa.string()),
        ("region_code", pa.string()),
        ("severity", pa.string()),
        ("explanation", pa.string()),
        ("explanation_en", pa.string()),
        ("evidence", pa.string()),
        ("sources", pa.string()),
        ("domain", pa.string()),
        ("model_status", pa.string()),
    ]
)
"""A clue file's columns: each clue carries its model's domain and status, so loading it never
has to look the model up."""
SEVERITIES = ("high", "medium", "low")


@dataclass
class RunRecord:
    """What one model run did."""

    run_id: str
    model_id: str
    model_version: int
    engine: str
    as_of: dt.date
    parameters: dict[str, object]
    clues: int
    seconds: float
    sql: str = field(repr=False, default="")
    rows_scanned: int = 0
    input_batches: list[str] = field(default_factory=list)
    model_status: str = "production"
    #: optional inputs (``dataset.field``) that held no value: the rule ran on its fallback
    missing_inputs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The record as JSON-ready values (what run logs and the casebook keep)."""
        return {
            "run_id": self.run_id,
            "model_id": self.model_id,
            "model_version": self.model_version,
            "model_status": self.model_status,
            "engine": self.engine,
            "as_of": self.as_of.isoformat(),
            "parameters": {k: str(v) for k, v in self.parameters.items()},
            "input_batches": self.input_batches,
            "rows_scanned": self.rows_scanned,
            "clues": self.clues,
            "seconds": round(self.seconds, 3),
            "missing_inputs": self.missing_inputs,
        }


def fingerprint(model_id: str, key: Iterable[object]) -> str:
    text = "\x1f".join([model_id, *("" if v is None else str(v) for v in key)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


class _Row(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fmt(value: object) -> object:
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return "" if value is None else value


def _sources(engine: Engine, refs: list[str]) -> list[str]:
    """For each clue's refs, the provenance of every record: ``dataset:batch_id/source_row``."""
    wanted: dict[str, set[str]] = {}
    for text in refs:
        for ref in filter(None, text.split(";")):
            dataset, _, record = ref.partition(":")
            wanted.setdefault(dataset, set()).add(record)
    where: dict[str, str] = {}
    for dataset, ids in wanted.items():
        if dataset not in CONTRACT:
            continue
        listed = ", ".join("'" + i.replace("'", "''") + "'" for i in sorted(ids))
        found = engine.run(
            Step(
                f"provenance of {dataset}",
                f"SELECT record_id, batch_id, source_row FROM {dataset} "
                f"WHERE record_id IN ({listed})",
            )
        )
        for rid, batch, row in zip(*(found.column(i).to_pylist() for i in range(3)), strict=True):
            where[f"{dataset}:{rid}"] = f"{dataset}:{batch}/{row}"
    return [";".join(where.get(r, r) for r in filter(None, text.split(";"))) for text in refs]


def plan_sql(model: Model, as_of: dt.date, params: dict[str, object] | None, dialect: str) -> str:
    """The SQL a run would execute (the 'show SQL' twin of ``run_model``)."""
    return compile_model(model.spec, model.tree, as_of, params, dialect).sql


def _order(row: dict[str, Any], key: list[str]) -> tuple[tuple[bool, str], ...]:
    """A row's place among its model's clues: by the clue key, so a parallel engine (which
    returns rows in no fixed order) numbers the same clues the same way on every run."""
    return tuple((row[k] is not None, str(row[k]) if row[k] is not None else "") for k in key)


def run_model(
    engine: Engine,
    model: Model,
    as_of: dt.date,
    params: dict[str, object] | None = None,
) -> tuple[pa.Table, RunRecord]:
    """Run one model; returns its clues (CLUE_SCHEMA) and the run record."""
    spec = model.spec
    plan = compile_model(spec, model.tree, as_of, params, engine.dialect)
    started = time.perf_counter()
    result = engine.run(Step(f"model {spec.id}", plan.sql, plan.dialect))
    run_id = uuid.uuid4().hex[:16]
    needed = [
        *spec.clue.key,
        spec.clue.persons,
        spec.clue.refs,
        spec.clue.region,
        spec.clue.severity,
    ]
    missing = [c for c in needed if c not in result.column_names]
    if missing:
        raise ModelError(
            f"the SQL does not return column(s) {missing} named in the clue section",
            Location(file=str(model.path.with_suffix(".sql")), field="clue"),
        )
    rows = sorted(result.to_pylist(), key=lambda r: _order(r, spec.clue.key))
    extra = [c for c in result.column_names if c not in needed]
    out: dict[str, list[Any]] = {f.name: [] for f in CLUE_SCHEMA}
    for row in rows:
        values = _Row({k: _fmt(v) for k, v in row.items()})
        severity = str(row[spec.clue.severity] or "medium")
        if severity not in SEVERITIES:
            raise ModelError(
                f"severity must be one of {SEVERITIES}, got {severity!r}",
                Location(file=str(model.path.with_suffix(".sql")), field=spec.clue.severity),
            )
        out["fingerprint"].append(fingerprint(spec.id, (row[k] for k in spec.clue.key)))
        out["model_id"].append(spec.id)
        out["model_version"].append(spec.version)
        out["run_id"].append(run_id)
        out["as_of"].append(as_of)
        out["person_ids"].append(";".join(str(p) for p in (row[spec.clue.persons] or [])))
        out["record_refs"].append(";".join(str(r) for r in (row[spec.clue.refs] or [])))
        out["region_code"].append(row[spec.clue.region])
        out["severity"].append(severity)
        out["explanation"].append(spec.explanation.zh.format_map(values).strip())
        out["explanation_en"].append(spec.explanation.en.format_map(values).strip())
        out["evidence"].append(
            json.dumps({k: row[k] for k in extra}, ensure_ascii=False, default=str)
        )
    out["sources"] = _sources(engine, out["record_refs"])
    out["domain"] = [spec.domain] * len(rows)
    out["model_status"] = [spec.status] * len(rows)
    table = pa.table(out, schema=CLUE_SCHEMA)
    rows_scanned, batches = engine.dataset_stats(spec.datasets)
    record = RunRecord(
        run_id,
        spec.id,
        spec.version,
        engine.name,
        as_of,
        plan.parameters,
        table.num_rows,
        time.perf_counter() - started,
        plan.sql,
        rows_scanned,
        batches,
        spec.status,
        [i.field for i in missing_inputs(engine, spec)],
    )
    return table, record


def run_models(
    engine: Engine,
    models: list[Model],
    as_of: dt.date,
    params: dict[str, object] | None = None,
    on_done: Callable[[RunRecord], None] | None = None,
) -> tuple[pa.Table, list[RunRecord]]:
    """Run several models; ``params`` apply to the models that declare them.

    A parameter none of ``models`` declares is refused before anything runs.
    """
    check_params(models, params)
    tables, records = [], []
    for model in models:
        own = {
            k: v
            for k, v in (params or {}).items()
            if any(p.name == k for p in model.spec.parameters)
        }
        table, record = run_model(engine, model, as_of, own)
        tables.append(table)
        records.append(record)
        if on_done:
            on_done(record)
    merged = pa.concat_tables(tables) if tables else CLUE_SCHEMA.empty_table()
    return merged, records


def check_params(models: list[Model], params: dict[str, object] | None) -> None:
    """Refuse parameter names that none of ``models`` declares, naming those they do."""
    declared = {p.name for m in models for p in m.spec.parameters}
    unknown = sorted(set(params or {}) - declared)
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        which = ", ".join(m.id for m in models) or "no model"
        raise ModelError(
            f"unknown parameter(s) {', '.join(unknown)} for {which}; declared: {known}",
            Location(field="param"),
        )


def write_clues(table: pa.Table, out: Path) -> None:
    """Write clues as CSV or Parquet, by the file's extension. A CSV is for spreadsheets too:
    UTF-8 with BOM, every column text (IDs as written), no cell a formula
    (:mod:`lexradar.models.csvfile`; :func:`lexradar.clues.store.read_clue_file` reads it back)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, out)
    elif out.suffix == ".csv":
        from lexradar.models.csvfile import write_csv

        columns = table.column_names
        write_csv(out, columns, ([row[c] for c in columns] for row in table.to_pylist()))
    else:
        raise ModelError("clue file must end in .csv or .parquet", Location(file=str(out)))
