"""Dialect helpers shared by the loaders: upserts and a fast executemany."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def upsert(conn: Connection, table: sa.Table) -> Any:
    """``INSERT`` for the connection's dialect (both offer ``on_conflict_do_*``)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert(table)


def executemany(conn: Connection, stmt: Any, rows: list[dict[str, Any]]) -> None:
    """Run ``stmt`` once per row, compiled once and handed to the driver as it is.

    SQLAlchemy's own executemany builds and type-processes every parameter of every row in
    Python, which was most of the time of a 100,000-clue load; here the statement is compiled
    once and SQLite gets its datetimes as the text SQLAlchemy would store.
    """
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(rows[0]))
    defaults = compiled.construct_params(rows[0])
    rows = [{**defaults, **r} for r in rows]
    if conn.dialect.name == "sqlite":
        texts: dict[Any, str] = {}  # the rows of one batch share their timestamps
        dated = [k for k, v in rows[0].items() if isinstance(v, dt.date)]
        for row in rows:
            for k in dated:
                value = row[k]
                if isinstance(value, dt.date):
                    if value not in texts:
                        texts[value] = (
                            value.strftime("%Y-%m-%d %H:%M:%S.%f")
                            if isinstance(value, dt.datetime)
                            else value.isoformat()
                        )
                    row[k] = texts[value]
    order = compiled.positiontup
    params: list[Any] = rows if order is None else [tuple(r[k] for k in order) for r in rows]
    conn.exec_driver_sql(str(compiled), params)
