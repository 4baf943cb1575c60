"""Engines run SQL over the lake. One interface; DuckDB on one machine, Spark to scale out."""

from __future__ import annotations

from pathlib import Path

from lexradar.engine.base import Engine, Step, pipeline
from lexradar.errors import SettingsError


def open_engine(lake: Path, kind: str = "duckdb", **options: object) -> Engine:
    """An engine of ``kind`` with every canonical dataset of ``lake`` visible as a table."""
    if kind == "duckdb":
        from lexradar.engine.duckdb import DuckDBEngine

        return DuckDBEngine(lake, **options)  # type: ignore[arg-type]
    raise SettingsError(f"engine '{kind}' is not available; known: duckdb")


__all__ = ["Engine", "Step", "open_engine", "pipeline"]
