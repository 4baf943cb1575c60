from __future__ import annotations

import itertools
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


def test_write_parquet_sizes_row_groups_in_order(tmp_path: Path) -> None:
    """Files the workbench looks up by key are written in small row groups by DuckDB itself,
    sorted, so that a lookup skips all but one group."""
    (tmp_path / "deaths").mkdir()
    pq.write_table(
        CONTRACT["deaths"].arrow_schema().empty_table(), tmp_path / "deaths" / "p.parquet"
    )
    out = tmp_path / "sorted.parquet"
    with open_engine(tmp_path) as engine:
        engine.write_parquet(
            "SELECT (i * 7919) % 50000 AS k FROM range(50000) t(i) ORDER BY k", str(out), 16_384
        )
        engine.write_parquet("SELECT i FROM range(50000) t(i)", str(tmp_path / "default.parquet"))
    meta = pq.ParquetFile(out).metadata
    assert [meta.row_group(g).num_rows for g in range(meta.num_row_groups)] == [
        16_384, 16_384, 16_384, 848
    ]  # fmt: skip
    assert pq.read_table(out).column("k").to_pylist() == list(range(50000))
    ranges = [meta.row_group(g).column(0).statistics for g in range(meta.num_row_groups)]
    assert all(a.max < b.min for a, b in itertools.pairwise(ranges))
    assert pq.ParquetFile(tmp_path / "default.parquet").metadata.num_row_groups == 1


MEMORY_CHILD = """
import sys
import itertools
from pathlib import Path
from lexradar.engine import open_engine
lake, limit = Path(sys.argv[1]), sys.argv[2]
with open_engine(lake, memory_limit=limit or None, threads=2) as engine:
    print(engine.scalar("SELECT current_setting('memory_limit')"), flush=True)
    # a sort far bigger than the limit: DuckDB fills its buffers, then spills
    engine.scalar(
        "SELECT sum(hash(s)) FROM (SELECT md5(i::VARCHAR) || md5((i * 3)::VARCHAR) AS s "
        "FROM range(12000000) t(i) ORDER BY s)"
    )
# the peak of this program (ru_maxrss would carry the forking test process's over exec)
hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM")][0]
print(int(hwm.split()[1]) * 1024)
"""


def test_a_memory_limit_bounds_the_process_not_only_duckdb(tmp_path: Path) -> None:
    """``memory_limit`` is what the process may hold: DuckDB's buffers get it less what the
    process holds already and a share for what is allocated outside them
    (:data:`lexradar.engine.duckdb.OUTSIDE_BUFFERS`), so a query larger than the limit spills
    and the process's peak stays under the limit. DuckDB given the whole limit for its buffers
    took the process past it."""
    import subprocess
    import sys

    from lexradar.engine.duckdb import buffer_limit, limit_bytes

    assert limit_bytes("6GB") == 6 * 10**9 and limit_bytes("1.5 GiB") == 3 * 2**29
    assert limit_bytes("50%") is not None and limit_bytes("fast") is None
    assert buffer_limit("fast") == "fast"  # not a size: DuckDB's own error names it
    (tmp_path / "deaths").mkdir()
    pq.write_table(
        CONTRACT["deaths"].arrow_schema().empty_table(), tmp_path / "deaths" / "p.parquet"
    )
    root = Path(__file__).parents[2]
    limit = "700MB"
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, str(tmp_path), limit],
        cwd=root, capture_output=True, text=True, timeout=600, check=True,
    ).stdout.split("\n")  # fmt: skip
    assert len(out) == 3, f"nothing but the two figures on stdout: {out[:4]}"
    setting, peak = out[0], int(out[1])
    assert setting.endswith("MiB") and float(setting.split()[0]) < 700 * 0.85 / 1.048576, setting
    assert peak < limit_bytes(limit), f"peak {peak >> 20} MiB over the {limit} limit"
