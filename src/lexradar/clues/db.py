"""Opening the casebook: engines for SQLite (WAL) and PostgreSQL, migrations, transactions.

``Casebook.write()`` is the one write path: it opens a transaction, lets the caller change
rows and collect audit events (:mod:`lexradar.clues.events`), appends those events to the audit
chain inside the same transaction (:func:`lexradar.clues.audit.append`), commits, and then
writes the chain's new checkpoint (:mod:`lexradar.clues.anchor`). A change and its audit
entries commit together or not at all. ``Casebook.read()`` is a plain transaction for queries.

A casebook can also run inside a connection the caller owns (``Casebook.within``): its
transactions are then savepoints, which is how the tests roll every change back; its
checkpoints are then held in memory, since the caller decides whether anything commits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lexradar.clues import audit, tally
from lexradar.clues.anchor import Anchor, AnchorError, Checkpoint
from lexradar.clues.errors import CasebookError
from lexradar.clues.events import Auditable, ChainKeyed, Event
from lexradar.clues.tables import audit_log
from lexradar.errors import Location

__all__ = ["Casebook", "Event", "make_engine", "upgrade", "utcnow"]


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


class Casebook:
    """A handle on one casebook database."""

    def __init__(
        self,
        engine: Engine | None = None,
        outer: Connection | None = None,
        anchor: Anchor | None = None,
    ) -> None:
        if engine is not None:
            bind = engine
        elif outer is not None:
            bind = outer.engine
        else:
            raise ValueError("give an engine or an outer connection")
        self.engine = engine
        self._outer = outer
        self.anchor = anchor or Anchor.for_url(bind.url.render_as_string(hide_password=True))

    @classmethod
    def open(
        cls,
        url: str,
        *,
        audit_key: Path | str | None = None,
        checkpoints: Path | str | None = None,
    ) -> Casebook:
        """The casebook at ``url``; its audit key and checkpoints where given, else by default
        (``LEXRADAR_AUDIT_KEY`` / ``LEXRADAR_AUDIT_CHECKPOINTS``, else beside the casebook)."""
        return cls(make_engine(url), anchor=Anchor.for_url(url, audit_key, checkpoints))

    @classmethod
    def within(cls, conn: Connection, anchor: Anchor | None = None) -> Casebook:
        """A casebook whose transactions are savepoints of ``conn`` (the caller commits)."""
        return cls(outer=conn, anchor=anchor)

    @property
    def dialect(self) -> str:
        bind = self._outer if self._outer is not None else self.engine
        assert bind is not None
        return bind.dialect.name

    def init(self) -> None:
        """Create or upgrade the schema to the newest revision; give the audit chain its key.

        The first time (a new casebook, or one from before migration 0004), this creates the
        key file (mode 0600) and the checkpoint file and appends ``audit.key``, after which
        every entry is signed. A casebook whose chain is signed but whose key is gone is
        refused: a new key would not make the old entries verify.
        """
        with self._tx() as conn:
            upgrade(conn)
        with self.read() as conn:
            signed = audit.keyed_entries(conn)
            last = conn.execute(
                sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc())
            ).first()
        entries, head = (last.seq, last.hash) if last is not None else (0, None)
        if signed:
            if not self.anchor.has_key():
                raise AnchorError(
                    f"the audit chain has {signed} signed entries and there is no key at "
                    f"{self.anchor.key_path}: restore the key file (a new one would not do)"
                )
            self._index_terms()
            return
        key = self.anchor.create_key()
        self.anchor.create_checkpoints()
        with self.write() as (_conn, events):
            events.append(ChainKeyed("system", key.id, entries, head))
        self._index_terms()

    def _index_terms(self) -> None:
        """Put the clues loaded before the search index (migration 0007) into it."""
        from lexradar.clues import terms
        from lexradar.clues.events import Event

        with self.write() as (conn, events):
            done = terms.backfill(conn, terms.casebook_key(self))
            if done:
                events.append(Event("system", "clues.index", "clue_terms", {"clues": done}))

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
        """A read-only transaction for queries: anything that writes goes through ``write()``.

        (Inside a caller's connection, ``within``, the caller's transaction decides.)
        """
        self._refuse_missing()
        with self._tx() as conn:
            if self._outer is not None:
                yield conn
            elif conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                yield conn
            else:
                conn.exec_driver_sql("PRAGMA query_only = ON")
                try:
                    yield conn
                finally:
                    conn.exec_driver_sql("PRAGMA query_only = OFF")

    def _refuse_missing(self) -> None:
        """A SQLite casebook whose file is not there (or is empty) is an error: connecting would
        leave an empty file behind, and every query would fail on a missing table. ``init()``
        creates the file."""
        if self._outer is not None or self.engine is None or self.engine.dialect.name != "sqlite":
            return
        name = self.engine.url.database
        if not name or name == ":memory:" or name.startswith("file:"):
            return
        path = Path(name)
        if not path.exists() or path.stat().st_size == 0:
            raise CasebookError(
                f"no casebook here ({'empty file' if path.exists() else 'no such file'}): "
                "`lexradar casebook init` creates it, or name another with --casebook or "
                "casebook_url",
                Location(file=name),
            )

    def _publish(self, f: IO[Any] | None, checkpoint: Checkpoint) -> None:
        if self._outer is not None or self.anchor.checkpoints_path is None:
            self.anchor.keep(checkpoint)
        else:
            Anchor.write(f, checkpoint)

    @contextmanager
    def write(self) -> Iterator[tuple[Connection, list[Auditable]]]:
        """The one write path: change rows and collect events; both commit together.

        The events are appended to the audit chain at the end of the transaction, under the
        appenders' lock and the checkpoint file's lock; once the transaction commits, the new
        head's checkpoint is written and the locks are released. A write that fails anywhere
        (the change, the audit append, the commit) leaves neither the change nor its entries.
        """
        events: list[Auditable] = []
        if self._outer is not None:
            staged: list[Checkpoint] = []
            with self._outer.begin_nested():
                conn = self._outer
                tally.reset(conn)  # nothing left over from a write that failed on this connection
                yield conn, events
                tally.flush(conn)  # the clue counts commit (or roll back) with the change
                if events:
                    audit.lock(conn)
                    staged.append(audit.append(conn, events, self.anchor, staged.append))
            for checkpoint in sorted(staged, key=lambda c: c.seq):
                self.anchor.keep(checkpoint)
            return
        assert self.engine is not None
        self._refuse_missing()
        with self.engine.connect() as conn, contextlib.ExitStack() as held:
            f: IO[Any] | None = None
            head: Checkpoint | None = None
            with conn.begin():
                tally.reset(conn)
                yield conn, events
                tally.flush(conn)
                if events:
                    audit.lock(conn)
                    f = held.enter_context(self.anchor.locked())
                    head = audit.append(conn, events, self.anchor, lambda cp: self._publish(f, cp))
            if head is not None:  # committed: anchor the new head outside the database
                self._publish(f, head)
