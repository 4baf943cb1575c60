"""The DuckDB backend: every dataset is a view over its Parquet files, and the derived views
(``person_keys``, ``persons_resolved``, ``registration_pairs``; :mod:`lexradar.datasets.derived`)
sit beside them, resolved or with their fallback."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from lexradar.datasets.contract_model import CONTRACT
from lexradar.engine.base import Engine


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


OUTSIDE_BUFFERS = 0.15
"""Of a memory limit, the share kept for what is allocated outside DuckDB's buffer manager:
Splink's and pyarrow's Python objects, Arrow results handed to this process, DuckDB's own
untracked allocations. Resolution at 1,500,000 persons held 740 MiB more than DuckDB's
``memory_limit`` (6,462 MiB at a 6 GB limit) before the limit was split this way."""

_UNITS = {
    "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}  # fmt: skip


def limit_bytes(limit: str) -> int | None:
    """A memory limit as DuckDB writes it (``6GB``, ``5.5 GiB``, ``75%`` of this machine's
    memory) in bytes, or None when it is not one."""
    import re

    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(%|[kmgt]?i?b)\s*", limit, re.IGNORECASE)
    if not m:
        return None
    number, unit = float(m.group(1)), m.group(2).lower()
    if unit == "%":
        return int(number / 100 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    return int(number * _UNITS[unit]) if unit in _UNITS else None


def _rss() -> int:
    """This process's resident memory in bytes (0 where ``/proc`` is not there)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def buffer_limit(limit: str) -> str:
    """DuckDB's ``memory_limit`` for a process that may use ``limit`` in all: the limit less
    what the process holds already and :data:`OUTSIDE_BUFFERS` of it (never below a quarter
    of it); ``limit`` as given when it is not a size."""
    total = limit_bytes(limit)
    if total is None:
        return limit
    rest = max(total * (1 - OUTSIDE_BUFFERS) - _rss(), total / 4)
    return f"{int(rest) >> 20}MiB"


class ReadOnlyEngineError(PermissionError):
    """A sandboxed engine was asked to run something other than a query or its own views."""


#: What a sandboxed engine runs, by DuckDB's own parse of the text: queries (``run``, ``rows``),
#: and the views, tables and drops the engine's verbs build around them. ``COPY``, ``EXPORT``,
#: ``ATTACH``, ``INSTALL``/``LOAD``, ``SET``, ``PRAGMA``, ``CALL`` never run there.
_VERB_PREFIXES = (
    "CREATE OR REPLACE VIEW ",
    "CREATE OR REPLACE TABLE ",
    "DROP VIEW ",
    "DROP TABLE ",
)


class DuckDBEngine(Engine):
    dialect = "duckdb"
    name = "duckdb"

    def __init__(
        self,
        lake: Path | str,
        memory_limit: str | None = None,
        threads: int | None = None,
        sandbox: bool = False,
        metadata_cache: bool = False,
    ) -> None:
        super().__init__(lake)
        self.sandbox = False  # set once the views are made (below)
        self.memory_limit = memory_limit
        self._con = duckdb.connect()
        # DuckDB draws its own bar on stdout for a query of a few seconds: lexradar reports
        # progress itself, and stdout may be a JSON answer (--json) or a pipe
        self._con.execute("SET enable_progress_bar = false")
        if memory_limit:
            self._con.execute(f"SET memory_limit = {_literal(buffer_limit(memory_limit))}")
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")
        if metadata_cache:  # Parquet footers kept between queries (re-read when a file changes)
            self._con.execute("SET parquet_metadata_cache = true")
        for name, ds in CONTRACT.items():
            if self.lake.has(name):
                self._con.execute(
                    f"CREATE VIEW {name} AS SELECT * "
                    f"FROM read_parquet({_literal(self.lake.glob(name))}, union_by_name = true)"
                )
            else:  # an absent dataset reads as empty, with the contract's columns
                self._con.register(f"_{name}_empty", ds.arrow_schema().empty_table())
                self._con.execute(f"CREATE VIEW {name} AS SELECT * FROM _{name}_empty")
        self.open_views()
        self.sandbox = sandbox
        if sandbox:
            self._lock()

    def _lock(self) -> None:
        """Model SQL runs here: files only under the lake, no other external access, and the
        configuration locked so that no statement can undo either (in this order: the allowed
        directories cannot be set once external access is off)."""
        folder = str(self.lake.path.resolve())
        self._con.execute(f"SET allowed_directories = [{_literal(folder + '/')}]")
        self._con.execute("SET autoinstall_known_extensions = false")
        self._con.execute("SET autoload_known_extensions = false")
        self._con.execute("SET enable_external_access = false")
        self._con.execute("SET lock_configuration = true")

    def _read_only(self, sql: str, verb: bool) -> None:
        """On a sandboxed engine, refuse what could write: the allowed directory (the lake) is
        open to DuckDB for reading *and* writing, so ``COPY … TO '<lake>/…'`` would still run
        there. DuckDB's own parser decides (no parser differential with the model check):
        exactly one statement, a query — or, from the engine's verbs, a view, table or drop."""
        if not self.sandbox:
            return
        statements = self._con.extract_statements(sql)
        kinds = [str(s.type).rsplit(".", 1)[-1] for s in statements]
        query = kinds == ["SELECT"]
        own = (
            verb
            and len(kinds) == 1
            and kinds[0] in ("CREATE", "DROP")
            and sql.lstrip().upper().startswith(_VERB_PREFIXES)
        )
        if not (query or own):
            raise ReadOnlyEngineError(
                "the model engine is read-only: it runs one query, not "
                + (" + ".join(kinds) or "an empty statement")
            )

    def _execute(self, sql: str) -> pa.Table:
        self._read_only(sql, verb=False)
        return self._con.sql(sql).to_arrow_table()

    def _statement(self, name: str, sql: str) -> None:
        def run(text: str) -> Any:
            self._read_only(text, verb=True)
            return self._con.execute(text)

        self._timed(name, sql, run)

    def create_view(self, name: str, sql: str) -> None:
        self._statement(f"view {name}", f"CREATE OR REPLACE VIEW {name} AS {sql}")
        self._created.append(name)

    def materialize(self, name: str, sql: str) -> None:
        self._statement(f"table {name}", f"CREATE OR REPLACE TABLE {name} AS {sql}")
        self._created.append(name)

    def register(self, name: str, table: pa.Table) -> None:
        self._con.register(name, table)
        self._created.append(name)

    def view_of_parquet(self, name: str, path: str) -> list[str] | None:
        if not Path(path).exists():
            return None
        self.create_view(name, f"SELECT * FROM read_parquet({_literal(path)})")
        return self.columns(name)

    def drop(self, name: str) -> None:
        kind = self._con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchall()
        if not kind:
            with contextlib.suppress(duckdb.Error):  # an Arrow table of this process
                self._con.unregister(name)
            return
        what = "VIEW" if kind[0][0] == "VIEW" else "TABLE"
        self._statement(f"drop {name}", f"DROP {what} IF EXISTS {name}")

    def write_parquet(self, sql: str, path: str, row_group_size: int | None = None) -> None:
        groups = f", ROW_GROUP_SIZE {int(row_group_size)}" if row_group_size else ""
        self._statement(
            f"write {Path(path).name}",
            f"COPY ({sql}) TO {_literal(path)} (FORMAT parquet{groups})",
        )

    def splink_api(self, work: str | None = None) -> Any:
        from splink import DuckDBAPI

        return DuckDBAPI(connection=self._con)

    def cleanup(self) -> None:
        created, self._created = self._created, []
        for name in reversed(dict.fromkeys(created)):
            self.drop(name)

    def close(self) -> None:
        self._con.close()
