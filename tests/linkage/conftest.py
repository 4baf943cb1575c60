"""Shared fixtures: mention rows built by the real mentions SQL from a few raw values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lexradar.engine import Engine, Step, open_engine
from lexradar.linkage import mentions

Raw = tuple[str, str, str | None, dt.date | None, str | None, str | None]
"""(dataset, recorded_id, name, stated birth date, stated gender, stated region)."""


def empty_engine(folder: Path) -> Engine:
    """A DuckDB engine over a lake with no records (one empty dataset, as the lake check asks),
    for the linkage steps that work on tables the test registers."""
    from lexradar.datasets import CONTRACT

    (folder / "deaths").mkdir(parents=True, exist_ok=True)
    pq.write_table(
        CONTRACT["deaths"].arrow_schema().empty_table(), folder / "deaths" / "part-0.parquet"
    )
    return open_engine(folder)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = empty_engine(tmp_path_factory.mktemp("empty-lake"))
    yield engine
    engine.close()


@pytest.fixture
def mention_rows(con: Engine) -> Callable[..., list[dict[str, Any]]]:
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
        return con.run(Step("rows", "SELECT * FROM mentions ORDER BY record_id")).to_pylist()

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
