"""A batch's part is written in row groups of :data:`lexradar.ingest.pipeline.ROW_GROUP` rows, in
the file's order: the workbench reads a record by ``record_id`` from the one row group that holds
it, not from a group of a whole chunk."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from lexradar.ingest import ingest
from lexradar.ingest.pipeline import ROW_GROUP
from lexradar.normalize.resident_id import check_digit
from tests.ingest.conftest import deaths_mapping

ROWS = 2 * ROW_GROUP + 1000
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def test_a_part_has_small_row_groups_and_a_lookup_reads_one(tmp_path: Path) -> None:
    lines = ["记录编号,身份证号,姓名,死亡日期"]
    for i in range(ROWS):
        body = f"150404{1950 + i % 50}0101{i % 1000:03d}"
        name = f"张{GIVEN[i % 20]}{GIVEN[i // 20 % 20]}"
        lines.append(f"D{i:07d},{body}{check_digit(body)},{name},2020-01-01")
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lake = tmp_path / "lake"
    ingest([deaths_mapping(tmp_path, "d.csv", "record_id: [记录编号]")], lake)
    (part,) = (lake / "deaths").rglob("*.parquet")
    meta = pq.ParquetFile(part).metadata
    assert meta.num_rows == ROWS
    assert [meta.row_group(g).num_rows for g in range(meta.num_row_groups)] == [
        ROW_GROUP,
        ROW_GROUP,
        1000,
    ]
    wanted = f"D{ROW_GROUP + 5:07d}"
    plan = duckdb.sql(
        f"EXPLAIN ANALYZE SELECT * FROM read_parquet('{part}') WHERE record_id = '{wanted}'"
    ).fetchall()[0][1]
    assert "Row Groups Scanned: 1 / 3" in plan, plan
