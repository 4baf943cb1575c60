"""Every model of the pack on both engines, on the same lake, as of the same date.

The clues must be the same: the same fingerprints, and for each the same persons, evidence
records, severity, region and explanation. Run with ``-s`` to see each model's time on each
engine (the figures in docs/scale.md).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Iterator

import pyarrow as pa
import pytest

from lexradar.engine import Engine, Step, open_engine
from lexradar.models import Registry
from lexradar.models.run import run_model
from tests.engine.conftest import SPARK_TEST_CONF

pytest.importorskip("pyspark")
pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime"),
]

AS_OF = dt.date(2026, 11, 28)
MODELS = sorted(Registry().models)
ENGINES = ("duckdb", "spark")
TIMINGS: dict[str, dict[str, float]] = {}


@pytest.fixture(scope="module")
def engines(region) -> Iterator[dict[str, Engine]]:  # type: ignore[no-untyped-def]
    lake = region.out / "lake"
    started = time.perf_counter()
    spark = open_engine(lake, "spark", master="local[2]", conf=SPARK_TEST_CONF)
    TIMINGS["(session start)"] = {"spark": time.perf_counter() - started}
    duck = open_engine(lake, "duckdb")
    yield {"duckdb": duck, "spark": spark}
    duck.close()
    spark.close()
    print("\nmodel run (s)                          duckdb    spark")
    for model_id, t in TIMINGS.items():
        print(f"{model_id:36s} {t.get('duckdb', 0):8.2f} {t.get('spark', 0):8.2f}")


def _clues(table: pa.Table) -> dict[str, tuple[object, ...]]:
    """fingerprint -> what a handler sees of the clue; evidence values compared as text
    (DuckDB sums integers into HUGEINT, which comes back as a decimal)."""
    out = {}
    for row in table.to_pylist():
        evidence = {k: str(v) for k, v in json.loads(row["evidence"]).items()}
        out[row["fingerprint"]] = (
            row["person_ids"],
            row["record_refs"],
            row["severity"],
            row["region_code"],
            row["explanation"],
            row["explanation_en"],
            evidence,
            row["sources"],
        )
    return out


@pytest.mark.parametrize("model_id", MODELS)
def test_the_model_raises_the_same_clues_on_both_engines(
    engines: dict[str, Engine], model_id: str
) -> None:
    model = Registry().get(model_id)
    clues = {}
    for kind in ENGINES:
        started = time.perf_counter()
        table, record = run_model(engines[kind], model, AS_OF)
        TIMINGS.setdefault(model_id, {})[kind] = time.perf_counter() - started
        assert record.engine == kind
        clues[kind] = _clues(table)
    duck, spark = clues["duckdb"], clues["spark"]
    assert duck, f"{model_id} raises no clue on the test region: the parity would be empty"
    assert set(spark) == set(duck)
    for fp, seen in duck.items():
        assert spark[fp] == seen, fp


def test_types_come_back_as_duckdb_returns_them(engines: dict[str, Engine]) -> None:
    sql = (
        "SELECT CAST('2026-01-31' AS DATE) AS d, CAST('2026-01-31 08:30:00' AS TIMESTAMP) AS ts, "
        "ARRAY('a', 'b') AS l, 'x' AS s, CAST(1 AS BIGINT) AS n"
    )
    table = engines["spark"].run(Step("types", sql))
    assert table.schema.types == [
        pa.date32(),
        pa.timestamp("us"),
        pa.list_(pa.string()),
        pa.string(),
        pa.int64(),
    ]
    assert table.to_pylist() == [
        {
            "d": dt.date(2026, 1, 31),
            "ts": dt.datetime(2026, 1, 31, 8, 30),
            "l": ["a", "b"],
            "s": "x",
            "n": 1,
        }
    ]


def test_absent_datasets_read_as_empty_tables_of_the_contract(
    engines: dict[str, Engine], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from lexradar.datasets.lake import write_rows

    row = {"person_id": "150404199001011234", "name": "张三", "source": "police"}
    row["death_date"] = dt.date(2020, 1, 2)
    write_rows(tmp_path, "deaths", [row])
    with open_engine(tmp_path, "duckdb") as duck:
        expected = duck.run(Step("empty", "SELECT * FROM custody_records"))
    # a local folder, and the same named by URI (Spark then finds the dataset absent itself)
    for lake in (tmp_path, f"file://{tmp_path.resolve()}"):
        with open_engine(lake, "spark", master="local[2]", conf=SPARK_TEST_CONF) as spark:
            assert spark.scalar("SELECT count(*) FROM deaths") == 1
            empty = spark.run(Step("empty", "SELECT * FROM custody_records"))
        assert empty.num_rows == 0
        assert empty.schema.names == expected.schema.names
        assert empty.schema.types == expected.schema.types


def test_a_lake_named_by_uri_is_read_through_spark(region) -> None:  # type: ignore[no-untyped-def]
    """As on a cluster (``s3a://``, ``hdfs://``): Spark lists the files, not pathlib."""
    lake = (region.out / "lake").resolve()
    with open_engine(lake, "duckdb") as duck:
        expected = duck.scalar("SELECT count(*) FROM persons")
    with open_engine(f"file://{lake}", "spark", master="local[2]", conf=SPARK_TEST_CONF) as spark:
        assert spark.scalar("SELECT count(*) FROM persons") == expected
        assert spark.scalar("SELECT count(*) FROM border_crossings") >= 0
