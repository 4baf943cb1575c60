"""Opening the casebook: engines for SQLite (WAL) and PostgreSQL, migrations, transactions.

``Casebook.write(actor)`` is the one write path (STYLE habit 10): it opens a transaction, lets
the caller change rows and collect audit events, commits, and only then appends the events to
the audit chain. ``Casebook.read()`` is a plain transaction for queries.

A casebook can also run inside a connection the caller owns (``Casebook.within``): its
transactions are then savepoints, which is how the tests roll every change back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lexradar.clues.errors import CasebookError
from lexradar.errors import Location


def utcnow() -> dt.datetime:
    """Now in UTC, without tzinfo (as stored)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE``.

    ``BEGIN IMMEDIATE`` makes SQLite writers queue on the busy timeout instead of failing
    with "database is locked" when two transactions both try to upgrade a read lock.
    """
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 60})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql"):
        return sa.create_engine(url, pool_pre_ping=True)
    raise CasebookError(
        "casebook_url must be a sqlite:// or postgresql:// URL", Location(field="casebook_url")
    )


def upgrade(conn: Connection, revision: str = "head") -> None:
    """Run the Alembic migrations on ``conn`` (no alembic.ini: configured from code)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "lexradar:migrations")
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


@dataclass
class Event:
    """One audit event, collected during a write and appended after it commits."""

    actor: str
    action: str
    subject: str
    detail: dict[str, Any] = field(default_factory=dict)


class Casebook:
    """A handle on one casebook database."""

    def __init__(self, engine: Engine | None = None, outer: Connection | None = None) -> None:
        if engine is None and outer is None:
            raise ValueError("give an engine or an outer connection")
        self.engine = engine
        self._outer = outer

    @classmethod
    def open(cls, url: str) -> Casebook:
        return cls(make_engine(url))

    @classmethod
    def within(cls, conn: Connection) -> Casebook:
        """A casebook whose transactions are savepoints of ``conn`` (the caller commits)."""
        return cls(outer=conn)

    @property
    def dialect(self) -> str:
        bind = self._outer if self._outer is not None else self.engine
        assert bind is not None
        return bind.dialect.name

    def init(self) -> None:
        """Create or upgrade the schema to the newest revision."""
        with self._tx() as conn:
            upgrade(conn)

    def dispose(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        if self._outer is not None:
            with self._outer.begin_nested():
                yield self._outer
        else:
            assert self.engine is not None
            with self.engine.begin() as conn:
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A transaction for queries."""
        with self._tx() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[tuple[Connection, list[Event]]]:
        """The one write path: change rows, collect events; events are chained after commit."""
        from lexradar.clues.tally import flush, reset

        events: list[Event] = []
        with self._tx() as conn:
            reset(conn)  # nothing left over from a write that failed on this connection
            yield conn, events
            flush(conn)  # the clue counts commit (or roll back) with the change
        if events:
            from lexradar.clues.audit import append

            with self._tx() as conn:
                append(conn, events)
