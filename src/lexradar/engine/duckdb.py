"""The DuckDB backend: every dataset is a view over its Parquet files, and the resolution views
(``person_keys``, ``persons_resolved``, ``registration_pairs``; :mod:`lexradar.linkage.views`)
sit beside them, resolved or with their fallback."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from lexradar.datasets.contract_model import CONTRACT
from lexradar.engine.base import Engine


class DuckDBEngine(Engine):
    dialect = "duckdb"
    name = "duckdb"

    def __init__(
        self, lake: Path | str, memory_limit: str | None = None, threads: int | None = None
    ) -> None:
        super().__init__(lake)
        self.con = duckdb.connect()
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        for name, ds in CONTRACT.items():
            if self.lake.has(name):
                path = self.lake.glob(name).replace("'", "''")
                self.con.execute(
                    f"CREATE VIEW {name} AS SELECT * "
                    f"FROM read_parquet('{path}', union_by_name = true)"
                )
            else:  # an absent dataset reads as empty, with the contract's columns
                self.con.register(f"_{name}_empty", ds.schema().empty_table())
                self.con.execute(f"CREATE VIEW {name} AS SELECT * FROM _{name}_empty")
        from lexradar.linkage.views import create_views

        #: whether the lake has been resolved (else the views hold the fallback keys)
        self.resolved = create_views(self.con, self.lake.path)

    def _execute(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()
