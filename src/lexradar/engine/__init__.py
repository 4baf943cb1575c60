"""Engines run SQL over the lake. One interface; DuckDB on one machine, Spark to scale out."""

from __future__ import annotations

from pathlib import Path

from lexradar.engine.base import Engine, Step, literal, pipeline
from lexradar.errors import SettingsError

ENGINES = ("duckdb", "spark")


def open_engine(lake: Path | str, kind: str = "duckdb", **options: object) -> Engine:
    """An engine of ``kind`` with every canonical dataset of ``lake`` visible as a table.

    Options a backend does not know are ignored, so a caller can pass every backend's settings.
    ``sandbox=True`` opens the engine model SQL runs on: DuckDB reads files under the lake only,
    with external access off and its configuration locked.
    Spark's ``master`` and ``conf`` default to the ``spark_master`` and ``spark_conf`` settings.
    """
    if kind == "duckdb":
        from lexradar.engine.duckdb import DuckDBEngine

        known = {
            k: v
            for k, v in options.items()
            if k in ("memory_limit", "threads", "sandbox", "metadata_cache")
        }
        return DuckDBEngine(lake, **known)  # type: ignore[arg-type]
    if kind == "spark":
        from lexradar.engine.spark import SparkEngine

        if "master" not in options or "conf" not in options:
            from lexradar.settings import load_settings

            s = load_settings()
            options.setdefault("master", s.spark_master)
            options.setdefault("conf", s.spark_conf)
        options.pop("sandbox", None)  # Spark: model SQL is checked before it runs (models.compile)
        return SparkEngine(lake, **options)  # type: ignore[arg-type]
    raise SettingsError(f"engine '{kind}' is not available; known: {', '.join(ENGINES)}")


__all__ = ["ENGINES", "Engine", "Step", "literal", "open_engine", "pipeline"]
