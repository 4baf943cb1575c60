"""Finding the records of a case in the lake: by resident ID, name, certificate or case number.

One query per dataset over the lake's Parquet files (DuckDB or Spark through the engine):
identifiers (resident IDs, record ids, certificate, case, document and licence numbers) must
equal the term; names and case or certificate numbers may contain it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lexradar.datasets import CONTRACT
from lexradar.engine import Engine, Step
from lexradar.errors import Location
from lexradar.studio.blocks import ROLES
from lexradar.studio.compile import literal
from lexradar.studio.errors import StudioError

EXACT = (
    "record_id",
    "person_id",
    "party_id",
    "husband_id",
    "wife_id",
    "doc_no",
    "license_no",
    "household_id",
)
CONTAINS = (
    "name",
    "party_name",
    "husband_name",
    "wife_name",
    "case_no",
    "cert_no",
    "cited_cert_no",
    "prior_cert_no",
)
PROVENANCE = ("batch_id", "source_file", "source_row")


@dataclass(frozen=True)
class Found:
    """One record found: its reference ``dataset:record_id``, the column that matched, its row."""

    dataset: str
    record_id: str
    matched: str
    row: dict[str, Any]

    @property
    def ref(self) -> str:
        return f"{self.dataset}:{self.record_id}"

    def summary(self, width: int = 6) -> str:
        """A few of the row's own fields, for a result list (names and IDs masked)."""
        from lexradar.studio.masking import mask_value

        shown = [
            f"{k}={mask_value(k, v)}"
            for k, v in self.row.items()
            if k not in ("record_id", *PROVENANCE) and v not in (None, "")
        ]
        return ", ".join(shown[:width])


def in_region(name: str, region: str) -> str | None:
    """SQL condition: a row of dataset ``name`` (aliased ``_r``) names a person registered in
    the region subtree ``region`` (a code prefix); ``None`` if its rows name no person."""
    like = literal(region + "%")
    if name == "persons":
        return f"_r.region_code LIKE {like}"
    cols = ROLES[name].persons if name in ROLES else ()
    inside = f"(SELECT person_id FROM persons WHERE region_code LIKE {like})"
    return " OR ".join(f"_r.{c} IN {inside}" for c in cols) or None


def search(engine: Engine, term: str, limit: int = 20, region: str | None = None) -> list[Found]:
    """Records of any dataset whose identifiers equal ``term`` or whose names contain it;
    with ``region`` (a code prefix), only records of persons registered in that subtree."""
    term = term.strip()
    if len(term) < 2:
        raise StudioError("a search term needs at least two characters", Location(field="term"))
    found: list[Found] = []
    for name, ds in CONTRACT.items():
        exact = [c for c in EXACT if c in ds.columns]
        contains = [c for c in CONTAINS if c in ds.columns]
        tests = [(c, f"{c} = {literal(term)}") for c in exact]
        tests += [(c, f"contains({c}, {literal(term)})") for c in contains]
        if not tests:
            continue
        which = " ".join(f"WHEN {test} THEN '{column}'" for column, test in tests)
        where = f"({' OR '.join(t for _, t in tests)})"
        if region is not None:
            scope = in_region(name, region)
            if scope is None:
                continue
            where += f" AND ({scope})"
        table = engine.run(
            Step(
                f"search {name}",
                f"SELECT *, CASE {which} END AS _matched FROM {name} AS _r "
                f"WHERE {where} ORDER BY record_id LIMIT {int(limit)}",
            )
        )
        for row in table.to_pylist():
            matched = row.pop("_matched")
            found.append(Found(name, str(row["record_id"]), matched, row))
    return found


def parse_ref(ref: str) -> tuple[str, str]:
    """``dataset:record_id`` → its two parts; a bad reference is an error naming it."""
    dataset, sep, record = ref.partition(":")
    if not sep or not record or dataset not in CONTRACT:
        raise StudioError(
            f"'{ref}' is not a record reference '<dataset>:<record_id>' (datasets: "
            f"{', '.join(CONTRACT)})",
            Location(field="case"),
        )
    return dataset, record


def fetch(engine: Engine, refs: list[str], region: str | None = None) -> dict[str, dict[str, Any]]:
    """The rows of the given references; a reference the lake does not hold (or, with
    ``region``, does not hold in that subtree) is an error."""
    wanted: dict[str, list[str]] = {}
    for ref in refs:
        dataset, record = parse_ref(ref)
        wanted.setdefault(dataset, []).append(record)
    out: dict[str, dict[str, Any]] = {}
    for dataset, ids in wanted.items():
        listed = ", ".join(literal(i) for i in ids)
        where = f"record_id IN ({listed})"
        if region is not None:
            where += f" AND ({in_region(dataset, region) or 'FALSE'})"
        table = engine.run(Step(f"fetch {dataset}", f"SELECT * FROM {dataset} AS _r WHERE {where}"))
        for row in table.to_pylist():
            out[f"{dataset}:{row['record_id']}"] = row
    missing = [r for r in refs if r not in out]
    if missing:
        raise StudioError(f"the lake has no record {', '.join(missing)}", Location(field="case"))
    return {r: out[r] for r in refs}


def rows_about(
    engine: Engine, datasets: list[str], persons: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Every row of ``datasets`` that names one of ``persons`` in a person column."""
    if not persons:
        return {}
    listed = ", ".join(literal(p) for p in sorted(set(persons)))
    out: dict[str, list[dict[str, Any]]] = {}
    for name in datasets:
        cols = ROLES[name].persons if name in ROLES else ()
        if not cols:
            continue
        where = " OR ".join(f"{c} IN ({listed})" for c in cols)
        table = engine.run(
            Step(
                f"rows about persons in {name}",
                f"SELECT * FROM {name} WHERE {where} ORDER BY record_id",
            )
        )
        rows = table.to_pylist()
        if rows:
            out[name] = rows
    return out


def example_row(row: dict[str, Any]) -> dict[str, Any]:
    """A lake row as a golden example writes it: no provenance, no nulls, plain YAML values."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in PROVENANCE or value is None:
            continue
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, dt.datetime):
            value = value.replace(microsecond=0)
        out[key] = value
    return out
