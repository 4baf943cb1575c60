from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lexradar.datasets import CONTRACT
from lexradar.engine import Step, open_engine, pipeline
from lexradar.errors import EngineError, LakeError


def test_absent_datasets_read_as_empty_tables_of_the_contract(tmp_path: Path) -> None:
    (tmp_path / "deaths").mkdir()
    table = CONTRACT["deaths"].arrow_schema().empty_table()
    pq.write_table(table, tmp_path / "deaths" / "part-0.parquet")
    with open_engine(tmp_path) as engine:
        assert engine.scalar("SELECT count(*) FROM deaths") == 0
        cols = engine.run(Step("cols", "SELECT * FROM custody_records")).column_names
        assert cols == CONTRACT["custody_records"].columns


def test_a_failing_step_names_itself_and_shows_its_sql(region) -> None:  # type: ignore[no-untyped-def]
    with open_engine(region.out / "lake") as engine, pytest.raises(EngineError) as exc:
        engine.run(Step("count_marriages", "SELECT count(*) FROM marriage_events WHERE nope"))
    assert "count_marriages" in str(exc.value)
    assert "WHERE nope" in exc.value.sql


def test_pipeline_joins_named_steps(region) -> None:  # type: ignore[no-untyped-def]
    steps = [
        Step("married", "SELECT husband_id AS pid FROM marriage_events"),
        Step("counted", "SELECT pid, count(*) AS n FROM married GROUP BY pid"),
    ]
    with open_engine(region.out / "lake") as engine:
        out = engine.run(pipeline(steps, "SELECT max(n) FROM counted"))
    assert isinstance(out, pa.Table) and out.column(0)[0].as_py() >= 1


def test_missing_lake_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LakeError, match="does not exist"):
        open_engine(tmp_path / "nowhere")
    with pytest.raises(LakeError, match="no dataset found"):
        open_engine(tmp_path)


def test_a_sandboxed_engine_reads_the_lake_and_nothing_else(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    (lake / "deaths").mkdir(parents=True)
    pq.write_table(
        CONTRACT["deaths"].arrow_schema().empty_table(), lake / "deaths" / "part-0.parquet"
    )
    outside = tmp_path / "outside.csv"
    outside.write_text("secret\n", encoding="utf-8")
    with open_engine(lake, sandbox=True) as engine:
        assert engine.scalar("SELECT count(*) FROM deaths") == 0
        for sql in (
            f"SELECT * FROM read_csv('{outside}')",
            f"COPY (SELECT 1) TO '{tmp_path / 'written.csv'}'",
            "SET enable_external_access = true",
            "SET lock_configuration = false",
            f"ATTACH '{tmp_path / 'other.db'}' AS other",
        ):
            with pytest.raises(EngineError):
                engine.run(Step("escape", sql))
    assert not (tmp_path / "written.csv").exists() and not (tmp_path / "other.db").exists()
    with open_engine(lake) as engine:  # an engine for resolution is not locked
        assert engine.scalar(f"SELECT count(*) FROM read_csv('{outside}', header=false)") == 1
