"""Duplicate keys in the quality report: counted by DuckDB over the lake files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lexradar.datasets.contract_model import CONTRACT
from lexradar.ingest.pipeline import QUARANTINE_SCHEMA, WARNINGS_SCHEMA
from lexradar.ingest.quality import _duplicates, profile

KEYS = [("record_id",), ("person_id", "month")]


def test_duplicates_over_several_parts_with_empty_keys(tmp_path: Path) -> None:
    one, two = tmp_path / "a.parquet", tmp_path / "b.parquet"
    pq.write_table(
        pa.table(
            {
                "record_id": ["r1", "r2", "r3", None],
                "person_id": ["p1", "p1", "p2", None],
                "month": ["2020-01", "2020-01", None, None],
            }
        ),
        one,
    )
    pq.write_table(
        pa.table(
            {
                "record_id": ["r1", None, "r5"],
                "person_id": ["p2", None, "p1"],
                "month": [None, None, "2020-02"],
            }
        ),
        two,
    )
    # record_id: r1 twice, empty twice -> 2 extra rows; (person, month): (p1, 2020-01)
    # twice, (p2, empty) twice, (empty, empty) twice -> 3 extra rows
    assert _duplicates([one, two], KEYS) == [2, 3]
    assert _duplicates([one], KEYS) == [0, 1]
    assert _duplicates([], KEYS) == [0, 0]


def test_profile_counts_duplicate_keys_across_batches(tmp_path: Path) -> None:
    schema = CONTRACT["pension_payments"].arrow_schema()
    jan, feb = dt.date(2020, 1, 1), dt.date(2020, 2, 1)

    def part(name: str, rows: list[tuple[str, str, dt.date]]) -> Path:
        n = len(rows)
        cols = {
            "person_id": [r[1] for r in rows],
            "name": ["张三"] * n,
            "month": [r[2] for r in rows],
            "amount": [Decimal("100.00")] * n,
            "record_id": [r[0] for r in rows],
            "batch_id": [name] * n,
            "source_file": [f"{name}.csv"] * n,
            "source_row": list(range(1, n + 1)),
        }
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table(cols, schema=schema), path)
        return path

    parts = [
        part("b1", [("r1", "p1", jan), ("r2", "p1", jan), ("r3", "p2", jan)]),
        part("b2", [("r1", "p1", feb), ("r4", "p2", jan)]),
    ]
    empty_q, empty_w = QUARANTINE_SCHEMA.empty_table(), WARNINGS_SCHEMA.empty_table()
    report = profile("pension_payments", parts, empty_q, empty_w)
    assert report["loaded"] == 5
    assert report["duplicate_keys"] == {"record_id": 1, "person_id, month": 2}
    assert profile("pension_payments", parts[:1], empty_q, empty_w)["duplicate_keys"] == {
        "record_id": 0,
        "person_id, month": 1,
    }


key_rows = st.lists(
    st.tuples(st.sampled_from(["p1", "p2", "p3", None]), st.sampled_from(["01", "02", None])),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(key_rows, st.integers(0, 40))
def test_duplicates_by_hash_count_as_grouping_the_keys(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str | None, str | None]], cut: int
) -> None:
    """Grouping hashes first and real keys only where hashes are shared gives the count of
    grouping every key (nulls are one value), over one or two files."""
    folder = tmp_path_factory.mktemp("dup")
    parts = []
    for i, part in enumerate((rows[:cut], rows[cut:])):
        if part:
            path = folder / f"part{i}.parquet"
            pq.write_table(
                pa.table({"person_id": [r[0] for r in part], "month": [r[1] for r in part]},
                         schema=pa.schema([("person_id", pa.string()), ("month", pa.string())])),
                path,
            )  # fmt: skip
            parts.append(path)
    pairs, singles = _duplicates(parts, [("person_id", "month"), ("person_id",)])
    assert pairs == len(rows) - len(set(rows))
    assert singles == len(rows) - len({r[0] for r in rows})
