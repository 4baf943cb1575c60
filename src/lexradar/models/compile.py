"""From what the author wrote to what the engine runs: parameters bound, dialect fixed.

The SQL is parsed with SQLGlot once at validation, which refuses anything but one read-only query
(:mod:`lexradar.models.sandbox`) and finds syntax errors, datasets the header does not list,
unknown columns and parameters without a declaration, each with its line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.qualify import qualify

from lexradar.datasets import CONTRACT
from lexradar.datasets.derived import VIEW_NAMES, resolution_views
from lexradar.errors import Location, ModelError
from lexradar.models.sandbox import sandboxed
from lexradar.models.spec import ModelSpec

AUTHOR_DIALECT = "duckdb"
BUILTIN_PARAMETERS = ("as_of",)
_SQL_TYPES = {
    "string": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "int32": "INT",
    "int64": "BIGINT",
    "decimal": "DECIMAL(14, 2)",
    "bool": "BOOLEAN",
}


@dataclass(frozen=True)
class Plan:
    """A model ready to run: SQL in the engine's dialect with every parameter bound."""

    spec: ModelSpec
    sql: str
    dialect: str
    as_of: dt.date
    parameters: dict[str, object] = field(default_factory=dict)


def contract_schema() -> dict[str, dict[str, str]]:
    """Column types of every table a model may read: the datasets and the resolution views."""
    schema = {
        name: {f.name: _SQL_TYPES[f.type] for f in ds.all_fields} for name, ds in CONTRACT.items()
    }
    return schema | resolution_views(tuple(schema["persons"].items()))


def _line_of(sql: str, word: str) -> int | None:
    m = re.search(rf"\b{re.escape(word)}\b", sql)
    return sql[: m.start()].count("\n") + 1 if m else None


def parse(spec: ModelSpec, sql: str, sql_file: Path | str) -> exp.Query:
    """Parse and check a model's SQL; errors name the file, line and offending word."""
    where = str(sql_file)
    # one read-only query over the contract (lexradar.models.sandbox), or a refusal naming why
    tree = sandboxed(sql, (*CONTRACT, *VIEW_NAMES), sql_file)
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        name = table.name
        if name in ctes or name in VIEW_NAMES:  # the resolution views need no listing
            continue
        if name not in CONTRACT:
            raise ModelError(
                f"unknown dataset '{name}'; known: {', '.join([*CONTRACT, *VIEW_NAMES])}",
                Location(file=where, line=_line_of(sql, name), field="sql"),
            )
        if name not in spec.datasets:
            raise ModelError(
                f"the SQL reads '{name}' but the header's datasets do not list it",
                Location(file=where, line=_line_of(sql, name), field="datasets"),
            )
    declared = {p.name for p in spec.parameters} | set(BUILTIN_PARAMETERS)
    for ph in tree.find_all(exp.Placeholder):
        if ph.name and ph.name not in declared:
            raise ModelError(
                f"parameter ':{ph.name}' is not declared in the header's parameters",
                Location(file=where, line=_line_of(sql, ph.name), field="parameters"),
            )
    schema: dict[str, object] = dict(contract_schema())  # the type SQLGlot's qualify takes
    try:
        qualify(
            exp.replace_placeholders(tree.copy(), **_dummy_values(spec)),
            schema=schema,
            dialect=AUTHOR_DIALECT,
            validate_qualify_columns=True,
        )
    except OptimizeError as exc:
        msg = str(exc)
        m = re.search(r"Column '([^']+)'|[Uu]nknown column: ?([\w.\"]+)", msg)
        word = (m.group(1) or m.group(2)).split(".")[-1].strip('"') if m else ""
        raise ModelError(
            msg.split(" Line:")[0],
            Location(file=where, line=_line_of(sql, word) if word else None, field="sql"),
        ) from exc
    return tree


def _dummy_values(spec: ModelSpec) -> dict[str, object]:
    values: dict[str, object] = {p.name: p.default for p in spec.parameters}
    values["as_of"] = dt.date(2000, 1, 1)
    return values


def compile_model(
    spec: ModelSpec,
    tree: exp.Query,
    as_of: dt.date,
    overrides: dict[str, object] | None = None,
    dialect: str = "duckdb",
) -> Plan:
    """Bind parameters (defaults, then overrides) and write the SQL in ``dialect``."""
    values: dict[str, object] = {p.name: p.default for p in spec.parameters}
    for name, raw in (overrides or {}).items():
        try:
            values[name] = spec.parameter(name).coerce(raw)
        except KeyError:
            known = ", ".join(p.name for p in spec.parameters) or "none"
            raise ModelError(
                f"model {spec.id} has no parameter '{name}' (parameters: {known})",
                Location(field=name),
            ) from None
        except ValueError as exc:
            raise ModelError(f"bad value {raw!r}: {exc}", Location(field=name)) from exc
    bound = exp.replace_placeholders(tree.copy(), as_of=as_of, **values)
    if dialect == "spark":  # the one translation Spark runs get (lexradar.engine.sparksql)
        from lexradar.engine.sparksql import to_spark

        return Plan(spec, to_spark(bound, pretty=True), dialect, as_of, values)
    return Plan(spec, bound.sql(dialect=dialect, pretty=True), dialect, as_of, values)
