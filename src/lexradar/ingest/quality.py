"""Quality reports, per batch and per dataset: what came in, what was rejected and why.

A report holds rows read, loaded and quarantined; rejects by reason (and by field); ID defects
by kind (repaired and rejected); warnings by kind; the null rate of every field; duplicate keys;
the range of every date field; and the value distribution of every coded field. It is written
as JSON and HTML beside the batch manifest (``lake/_batches/<id>.quality.json|html``) and shown
as Rich tables by ``lexradar quality``.
"""

from __future__ import annotations

import html
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lexradar.datasets.contract_model import CONTRACT
from lexradar.ingest import batches as b
from lexradar.ingest.mapping import ID_FIELDS
from lexradar.ingest.schemas import QUARANTINE_SCHEMA, WARNINGS_SCHEMA

#: Besides record_id, the key that should be unique in each dataset.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "persons": ("person_id",),
    "marriage_events": ("cert_no",),
    "travel_documents": ("doc_no",),
    "driver_licenses": ("license_no",),
    "pension_payments": ("person_id", "month"),
    "allowance_payments": ("person_id", "month"),
}


#: DuckDB's memory for counting duplicate keys; beyond it a grouping spills to a temporary
#: directory. Without a limit, grouping the 6.7 M keys of a 1.5 M-person pension batch took
#: ~900 MiB, which added to the other ingestion process's peak.
DUPLICATES_MEMORY = "256MB"


def _duplicates(parts: list[Path], key_sets: list[tuple[str, ...]]) -> list[int]:
    """For each key in ``key_sets``: the rows beyond the first for every key value that occurs
    more than once (an empty key counts as one value), over the lake files ``parts``.

    DuckDB reads the keys straight from the Parquet files, in parallel, so the key columns are
    never held in memory (at 1.5 M persons the pension batch alone has 6.7 M keys). It groups
    a 64-bit hash of each key, not the key: a row whose hash occurs once has a key that occurs
    once, and only the rows whose hash is shared (the duplicates, and the rare collision) are
    grouped by their real key, so the count is exact. Grouping the real keys of a whole batch
    took 2.6 times as long and spilled to disk."""
    if not parts:
        return [0] * len(key_sets)
    import duckdb

    def extra(keys: tuple[str, ...]) -> str:
        cols = ", ".join('"' + k.replace('"', '""') + '"' for k in keys)
        return (
            f"(WITH shared AS (SELECT hash({cols}) AS h FROM read_parquet($files) "
            f"GROUP BY h HAVING count(*) > 1), "
            f"candidates AS (SELECT {cols} FROM read_parquet($files) "
            f"WHERE hash({cols}) IN (SELECT h FROM shared)) "
            f"SELECT (SELECT count(*) FROM candidates) - "
            f"(SELECT count(*) FROM (SELECT 1 FROM candidates GROUP BY {cols})))"
        )

    sql = "SELECT " + ", ".join(extra(keys) for keys in key_sets)
    with tempfile.TemporaryDirectory(prefix="lexradar-quality-") as spill:
        con = duckdb.connect(
            config={"memory_limit": DUPLICATES_MEMORY, "temp_directory": spill, "threads": 2}
        )
        try:
            counts = con.execute(sql, {"files": [str(p) for p in parts]}).fetchall()[0]
        finally:
            con.close()
    return [int(c) for c in counts]


def _statistics(parts: list[Path]) -> tuple[int, dict[str, int], dict[str, list[Any]]]:
    """Rows, null counts and min/max per column, from the Parquet footers (no data read)."""
    rows = 0
    nulls: Counter[str] = Counter()
    ranges: dict[str, list[Any]] = {}
    for part in parts:
        meta = pq.ParquetFile(part).metadata
        rows += meta.num_rows
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            for c in range(group.num_columns):
                col = group.column(c)
                stats = col.statistics
                name = col.path_in_schema
                if stats is None:
                    continue
                nulls[name] += stats.null_count
                if stats.has_min_max:
                    lo, hi = ranges.get(name, [stats.min, stats.max])
                    ranges[name] = [min(lo, stats.min), max(hi, stats.max)]
    return rows, dict(nulls), ranges


def profile(
    dataset: str, parts: list[Path], quarantine: pa.Table, warnings: pa.Table
) -> dict[str, Any]:
    """The quality figures of the lake files ``parts`` of one dataset, with their quarantine
    and warnings. Only the coded columns are read; duplicate keys are counted by DuckDB over
    the files, the rest comes from the footers."""
    ds = CONTRACT[dataset]
    rows, null_counts, ranges = _statistics(parts)
    coded_fields = [f.name for f in ds.fields if f.values or f.type == "bool"]
    keys = NATURAL_KEYS.get(dataset, ())
    schema = ds.arrow_schema()
    data = (
        pa.concat_tables([pq.read_table(p, columns=coded_fields, schema=schema) for p in parts])
        if parts
        else schema.empty_table().select(coded_fields)
    )
    q_reasons = Counter(quarantine["reason"].to_pylist()) if quarantine.num_rows else Counter()
    q_fields = Counter(
        f"{f or '(row)'}: {r}"
        for f, r in zip(
            quarantine["field"].to_pylist(), quarantine["reason"].to_pylist(), strict=True
        )
    )
    w_kinds = Counter(warnings["kind"].to_pylist()) if warnings.num_rows else Counter()
    id_defects: Counter[str] = Counter()
    for f, k in zip(warnings["field"].to_pylist(), warnings["kind"].to_pylist(), strict=True):
        if f in ID_FIELDS:
            id_defects[f"{k} (kept)"] += 1
    for f, r in zip(quarantine["field"].to_pylist(), quarantine["reason"].to_pylist(), strict=True):
        if f in ID_FIELDS:
            id_defects[f"{r} (quarantined)"] += 1
    nulls = {
        f.name: round(null_counts.get(f.name, 0) / rows, 4) if rows else 0.0 for f in ds.fields
    }
    dates: dict[str, list[str | None]] = {}
    coded: dict[str, dict[str, int]] = {}
    for f in ds.fields:
        if f.type in ("date", "timestamp") and rows:
            lo, hi = ranges.get(f.name, [None, None])
            dates[f.name] = [None if lo is None else str(lo), None if hi is None else str(hi)]
        if f.name in coded_fields:
            counts = pc.value_counts(data[f.name].combine_chunks()).to_pylist()
            coded[f.name] = {str(c["values"]): c["counts"] for c in counts}
    key_sets = [("record_id",), *([keys] if keys else [])]
    dup = dict(zip([", ".join(k) for k in key_sets], _duplicates(parts, key_sets), strict=True))
    read = rows + quarantine.num_rows
    return {
        "dataset": dataset,
        "read": read,
        "loaded": rows,
        "quarantined": quarantine.num_rows,
        "rejects": dict(q_reasons.most_common()),
        "rejects_by_field": dict(q_fields.most_common()),
        "warnings": dict(w_kinds.most_common()),
        "id_defects": dict(id_defects.most_common()),
        "null_rate": nulls,
        "duplicate_keys": dup,
        "date_ranges": dates,
        "values": coded,
    }


def _read(path: Path, schema: pa.Schema | None = None) -> pa.Table:
    if path.exists():
        return pq.read_table(path)
    assert schema is not None
    return schema.empty_table()


def batch_report(lake: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The quality report of one batch."""
    batch, dataset = manifest["batch_id"], manifest["dataset"]
    part = b.data_path(lake, dataset, batch)
    report = profile(
        dataset,
        [part] if part.exists() else [],
        _read(b.quarantine_path(lake, batch), QUARANTINE_SCHEMA),
        _read(b.warnings_path(lake, batch), WARNINGS_SCHEMA),
    )
    return {"batch_id": batch, "file": manifest["file"], **report}


def dataset_report(lake: Path, dataset: str) -> dict[str, Any]:
    """The quality report of a dataset over all its loaded batches."""
    loaded = [
        m for m in b.list_batches(lake) if m["dataset"] == dataset and m["status"] == "loaded"
    ]
    parts = sorted((lake / dataset).glob("*.parquet"))
    qs = [_read(b.quarantine_path(lake, m["batch_id"]), QUARANTINE_SCHEMA) for m in loaded]
    ws = [_read(b.warnings_path(lake, m["batch_id"]), WARNINGS_SCHEMA) for m in loaded]
    report = profile(
        dataset,
        parts,
        pa.concat_tables(qs) if qs else QUARANTINE_SCHEMA.empty_table(),
        pa.concat_tables(ws) if ws else WARNINGS_SCHEMA.empty_table(),
    )
    return {"batches": [m["batch_id"] for m in loaded], **report}


# ---------------------------------------------------------------- output

SECTIONS = (
    ("rejects", "rejects by reason"),
    ("rejects_by_field", "rejects by field"),
    ("id_defects", "ID defects"),
    ("warnings", "warnings (kept, repaired)"),
    ("null_rate", "null rate"),
    ("duplicate_keys", "duplicate keys (extra rows)"),
    ("date_ranges", "date ranges"),
)


def _fmt(value: Any) -> str:
    if isinstance(value, list):
        return " … ".join("" if v is None else str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.2%}"
    return str(value)


def tables(report: dict[str, Any]) -> list[Any]:
    """Rich tables of a report."""
    from rich.table import Table

    title = report.get("batch_id") or report["dataset"]
    head = Table(title=f"quality of {title} ({report['dataset']})", title_justify="left")
    for col in ("read", "loaded", "quarantined"):
        head.add_column(col, justify="right")
    head.add_row(*(f"{report[c]:,}" for c in ("read", "loaded", "quarantined")))
    out: list[Any] = [head]
    for key, label in SECTIONS:
        items = report.get(key) or {}
        if not items:
            continue
        t = Table(title=label, title_justify="left")
        t.add_column("what")
        t.add_column("value", justify="right")
        for k, v in items.items():
            t.add_row(str(k), _fmt(v))
        out.append(t)
    for field, counts in (report.get("values") or {}).items():
        t = Table(title=f"values of {field}", title_justify="left")
        t.add_column("value")
        t.add_column("rows", justify="right")
        for k, v in counts.items():
            t.add_row(k, f"{v:,}")
        out.append(t)
    return out


def to_html(report: dict[str, Any]) -> str:
    """A self-contained HTML page of a report."""
    e = html.escape
    title = f"quality of {report.get('batch_id') or report['dataset']} ({report['dataset']})"
    parts = [
        "<!doctype html><html lang='zh'><meta charset='utf-8'>",
        f"<title>{e(title)}</title>",
        "<style>body{font-family:sans-serif}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:2px 8px}td.n{text-align:right}</style>",
        f"<h1>{e(title)}</h1>",
        f"<p>file: {e(str(report.get('file', '')))}</p>",
        "<table><tr><th>read</th><th>loaded</th><th>quarantined</th></tr>",
        "<tr>"
        + "".join(f"<td class=n>{report[c]:,}</td>" for c in ("read", "loaded", "quarantined"))
        + "</tr></table>",
    ]
    sections = [*SECTIONS, *((f"values.{f}", f"values of {f}") for f in report.get("values", {}))]
    for key, label in sections:
        items = report["values"][key[7:]] if key.startswith("values.") else report.get(key)
        if not items:
            continue
        parts.append(f"<h2>{e(label)}</h2><table>")
        parts += [
            f"<tr><td>{e(str(k))}</td><td class=n>{e(_fmt(v))}</td></tr>" for k, v in items.items()
        ]
        parts.append("</table>")
    return "\n".join(parts) + "\n</html>\n"


def write_batch_report(lake: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Compute a batch's report and write it as JSON and HTML beside its manifest."""
    report = batch_report(lake, manifest)
    b.write_json(b.quality_path(lake, manifest["batch_id"]), report)
    b.quality_path(lake, manifest["batch_id"], "html").write_text(to_html(report), encoding="utf-8")
    return report


def read_batch_report(lake: Path, batch: str) -> dict[str, Any] | None:
    path = b.quality_path(lake, batch)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
