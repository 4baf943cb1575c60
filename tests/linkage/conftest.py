"""Shared fixtures: mention rows built by the real mentions SQL from a few raw values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from lexradar.linkage import mentions

Raw = tuple[str, str, str | None, dt.date | None, str | None, str | None]
"""(dataset, recorded_id, name, stated birth date, stated gender, stated region)."""


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@pytest.fixture
def mention_rows(con: duckdb.DuckDBPyConnection) -> Callable[..., list[dict[str, Any]]]:
    """mention_rows(raw, raw, ...) -> the mentions rows, in order."""

    def build(*raws: Raw) -> list[dict[str, Any]]:
        cols: dict[str, list[Any]] = {c: [] for c in mentions.RAW_COLUMNS}
        for i, (dataset, rid, name, birth, gender, region) in enumerate(raws):
            for c, v in zip(
                mentions.RAW_COLUMNS,
                (dataset, f"R{i:03d}", "x", rid, name, birth, gender, region, None, None),
                strict=True,
            ):
                cols[c].append(v)
        types = [pa.string()] * 5 + [pa.date32()] + [pa.string()] * 4
        con.register(
            "_raw",
            pa.table(cols, schema=pa.schema(list(zip(mentions.RAW_COLUMNS, types, strict=True)))),
        )
        mentions.build(con, "SELECT * FROM _raw")
        return con.sql("SELECT * FROM mentions ORDER BY record_id").to_arrow_table().to_pylist()

    return build


@pytest.fixture(scope="session")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic region of 20,000 persons (seed 2), resolved once."""
    from lexradar.linkage.resolve import resolve
    from lexradar.synth import generate

    out = tmp_path_factory.mktemp("region")
    generate(20_000, 2, out)
    resolve(out / "lake", retrain=True)
    return out
