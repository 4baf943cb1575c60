"""The engine interface: the verbs algorithms use over a lake, on any backend.

SQL handed to a verb is written in DuckDB's dialect (the authors' dialect, :data:`AUTHORED`)
unless the step says otherwise; a backend that speaks another dialect translates it
(:mod:`lexradar.engine.sparksql`). Nothing outside :mod:`lexradar.engine` touches a backend's
connection: what resolution, the studio and the workbench need is a verb here.

- ``run(step)`` → Arrow; ``rows``, ``scalar``, ``count``, ``columns``: a query's answer;
- ``create_view``, ``materialize`` (a table computed once), ``register`` (an Arrow table of the
  driver), ``view_of_parquet`` (a view over a Parquet file or folder of the lake), ``drop``;
- ``write_parquet(sql, path)``: a query's rows to one Parquet file (a folder of parts on a
  cluster's file system);
- ``exists``, ``read_text``, ``write_text``, ``remove``, ``makedirs``: the lake's files, local or
  on a cluster's file system;
- ``splink_api()``: the Splink database API over this engine's session;
- ``cleanup()``: drop what the verbs created since the engine opened.

Every engine opens with the contract's datasets and the derived views
(:mod:`lexradar.datasets.derived`) visible by name.
"""

from __future__ import annotations

import logging
import shutil
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import pyarrow as pa

from lexradar.datasets.lake import Lake
from lexradar.errors import EngineError, LexradarError

_T = TypeVar("_T")

log = logging.getLogger("lexradar.engine")


AUTHORED = "duckdb"
"""The dialect SQL is written in: models, resolution and the derived views."""


def literal(value: object) -> str:
    """A Python value as a SQL literal (text quoted, dates typed, None as NULL)."""
    import datetime as dt

    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True)
class Step:
    """A named piece of SQL. Steps chain into one WITH query (see ``pipeline``). ``dialect`` is
    the one it is written in (a compiled model is already in its engine's)."""

    name: str
    sql: str
    dialect: str = AUTHORED


def pipeline(steps: Sequence[Step], final: str) -> Step:
    """Join steps into one query: each step becomes a CTE named after it."""
    ctes = ",\n".join(f"{s.name} AS (\n{s.sql}\n)" for s in steps)
    return Step(name=steps[-1].name if steps else "query", sql=f"WITH {ctes}\n{final}")


class Engine(ABC):
    """Runs SQL over the canonical datasets of a lake."""

    #: SQLGlot dialect the backend speaks
    dialect: str = ""
    name: str = ""
    #: whether the lake is on a cluster's file system (else a local folder)
    remote: bool = False

    def __init__(self, lake: Path | str) -> None:
        self.lake = Lake(lake).check()
        self._setup()

    def _setup(self) -> None:
        #: whether the lake has been resolved (else the derived views hold the fallback keys)
        self.resolved = False
        #: relations the verbs created (``cleanup`` drops them) and those the engine keeps
        self._created: list[str] = []
        self._kept: list[str] = []

    # -- queries -------------------------------------------------------------------------

    def translate(self, sql: str) -> str:
        """``sql`` (DuckDB's dialect) in this backend's dialect."""
        return sql

    def _timed(self, name: str, sql: str, action: Callable[[str], _T]) -> _T:
        """``action(sql)`` with a failure naming the step and showing its SQL."""
        started = time.perf_counter()
        try:
            result = action(sql)
        except LexradarError:
            raise
        except Exception as exc:  # the backend's own error, re-raised with context
            raise EngineError(str(exc).strip(), name, sql) from exc
        log.debug("%s in %.2fs", name, time.perf_counter() - started)
        return result

    def _sql(self, step: Step) -> str:
        return step.sql if step.dialect == self.dialect else self.translate(step.sql)

    def run(self, step: Step) -> pa.Table:
        """Run a step and return its rows; a failure names the step and shows its SQL."""
        return self._timed(step.name, self._sql(step), self._execute)

    def rows(self, sql: str, name: str = "query") -> list[tuple[Any, ...]]:
        """A query's rows as tuples (for small answers: counts, histograms, names)."""
        table = self.run(Step(name, sql))
        return list(zip(*(c.to_pylist() for c in table.columns), strict=True))

    def scalar(self, sql: str, name: str = "scalar") -> object:
        table = self.run(Step(name, sql))
        return table.column(0)[0].as_py() if table.num_rows else None

    def count(self, relation: str) -> int:
        """Rows of a table, view or parenthesised query."""
        n = self.scalar(f"SELECT count(*) FROM {relation}", f"count {relation}")
        return int(cast("int | None", n) or 0)  # count(*) is an integer (pyarrow is untyped)

    def columns(self, relation: str) -> list[str]:
        query = Step(f"columns of {relation}", f"SELECT * FROM {relation} LIMIT 0")
        names: list[str] = self.run(query).column_names
        return names

    # -- relations -------------------------------------------------------------------------

    @abstractmethod
    def create_view(self, name: str, sql: str) -> None:
        """``name`` as a view of the query ``sql`` (replacing one of that name)."""

    @abstractmethod
    def materialize(self, name: str, sql: str) -> None:
        """``name`` as a table holding the rows of ``sql`` now (computed once)."""

    @abstractmethod
    def register(self, name: str, table: pa.Table) -> None:
        """An Arrow table of this process as the relation ``name``."""

    @abstractmethod
    def view_of_parquet(self, name: str, path: str) -> list[str] | None:
        """``name`` as a view of a Parquet file (or folder of parts); its columns, or None
        (and no view) when there is no such file."""

    @abstractmethod
    def drop(self, name: str) -> None:
        """Drop the table or view ``name`` if it exists."""

    @abstractmethod
    def write_parquet(self, sql: str, path: str, row_group_size: int | None = None) -> None:
        """The rows of ``sql`` into one Parquet file at ``path`` (replacing it), in row groups
        of ``row_group_size`` rows when given (a file the workbench looks up by key: a lookup
        decodes one row group of each column it reads), else the engine's default."""

    # -- files -----------------------------------------------------------------------------

    def path(self, *parts: str) -> str:
        """A path under the lake (a URI on a cluster's file system)."""
        return str(self.lake.path.joinpath(*parts))

    def exists(self, path: str) -> bool:
        return Path(path).exists()

    def read_text(self, path: str) -> str | None:
        """A small text file, or None when it is absent."""
        p = Path(path)
        return p.read_text(encoding="utf-8") if p.exists() else None

    def write_text(self, path: str, text: str) -> None:
        Path(path).write_text(text, encoding="utf-8")

    def remove(self, path: str) -> None:
        """A file or a folder with everything in it, if it exists."""
        p = Path(path)
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)

    def makedirs(self, path: str) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)

    # -- record linkage ----------------------------------------------------------------

    @abstractmethod
    def splink_api(self, work: str | None = None) -> Any:
        """Splink's database API over this engine's session (``work``: a folder for its
        checkpoints, where the backend needs one)."""

    def cleanup(self) -> None:  # noqa: B027 - nothing to drop on some backends
        """Drop the relations the verbs created since the engine opened."""

    # -- the derived views ---------------------------------------------------------------

    def open_views(self) -> bool:
        """Create ``person_keys``, ``persons_resolved`` and ``registration_pairs`` over the
        lake's resolution files (:mod:`lexradar.datasets.derived`), or with their fallback
        when the lake is not resolved. Returns whether it is; backends call it when they open
        (and resolution again once it has written new keys)."""
        from lexradar.datasets import derived

        folder = self.path(derived.LINKAGE_DIR)
        keys = self.view_of_parquet("_lr_person_keys_file", f"{folder}/{derived.KEYS_FILE}")
        relation = f"(SELECT {derived.KEY_COLUMNS} FROM _lr_person_keys_file)" if keys else None
        pairs = self.view_of_parquet(
            "_lr_registration_pairs_file", f"{folder}/{derived.REGISTRATION_PAIRS_FILE}"
        )
        views = (
            ("person_keys", derived.person_keys_sql(relation)),
            ("persons_resolved", derived.PERSONS_RESOLVED_SQL),
            (
                "registration_pairs",
                derived.registration_pairs_sql(
                    "_lr_registration_pairs_file" if pairs is not None else None, pairs
                ),
            ),
        )
        for name, sql in views:
            self.create_view(name, sql)
        opened = {"_lr_person_keys_file", "_lr_registration_pairs_file", *(n for n, _ in views)}
        self._created = [n for n in self._created if n not in opened]
        self._kept.extend(sorted(opened - set(self._kept)))
        self.resolved = keys is not None
        return self.resolved

    def dataset_stats(self, names: Sequence[str]) -> tuple[int, list[str]]:
        """(rows in these datasets, the ingestion batches they hold) — what a run reads."""
        rows, batches = 0, set()
        for name in names:
            table = self.run(
                Step(f"stats of {name}", f"SELECT batch_id, count(*) FROM {name} GROUP BY 1")
            )
            for batch, n in zip(*(c.to_pylist() for c in table.columns), strict=True):
                rows += n
                batches.add(batch)
        return rows, sorted(batches)

    @abstractmethod
    def _execute(self, sql: str) -> pa.Table:
        """Run one SQL statement in this backend's dialect and return an Arrow table."""

    def close(self) -> None:  # noqa: B027 - optional for backends
        """Release the backend's resources."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def regroup_parquet(path: str, rows: int) -> bool:
    """Rewrite a local Parquet file in row groups of ``rows`` rows, streamed batch by batch
    (the order and the content stay), for an engine whose writer cannot size them; False when
    ``path`` is not a local file."""
    import os

    import pyarrow.parquet as pq

    if not os.path.isfile(path):
        return False
    source = pq.ParquetFile(path)
    meta = source.metadata
    if not meta.num_row_groups or meta.row_group(0).num_rows == min(rows, meta.num_rows):
        return True
    tmp = f"{path}.regroup"
    with pq.ParquetWriter(tmp, source.schema_arrow, compression="zstd") as out:
        for batch in source.iter_batches(batch_size=rows * 16):
            out.write_batch(batch, row_group_size=rows)
    os.replace(tmp, path)
    return True
