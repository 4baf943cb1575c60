"""The audit chain: an append-only log whose every entry hashes the one before it.

``hash = sha256(prev_hash + canonical JSON of the entry)`` where the entry is
``{seq, at, actor, action, subject, detail}`` with sorted keys and no spaces. Editing,
deleting, inserting or reordering rows breaks the chain at the first affected entry, which
:func:`verify` reports. Entries are written only by :meth:`Casebook.write` after the change it
describes has committed (STYLE habit 10) — never by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lexradar.clues.db import Casebook, Event
from lexradar.clues.tables import audit_log

GENESIS = "0" * 64
_LOCK_KEY = 0x1E8_AD17  # PostgreSQL advisory lock that serialises appenders


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    detail: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Break:
    """The first entry at which the chain does not hold, and why."""

    seq: int
    problem: str

    def __str__(self) -> str:
        return f"audit chain broken at entry {self.seq}: {self.problem}"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_hash(
    prev_hash: str, seq: int, at: str, actor: str, action: str, subject: str, detail: str
) -> str:
    body = canonical(
        {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "detail": json.loads(detail),
        }
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def append(conn: Connection, events: Iterable[Event]) -> None:
    """Append events to the chain, inside ``conn``'s transaction (serialised per database)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK_KEY)))
    last = conn.execute(
        sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    rows = []
    for event in events:
        seq += 1
        detail = canonical(event.detail)
        digest = entry_hash(prev, seq, at, event.actor, event.action, event.subject, detail)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": event.actor,
                "action": event.action,
                "subject": event.subject,
                "detail": detail,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    if rows:
        conn.execute(audit_log.insert(), rows)


def verify(
    casebook: Casebook, head: tuple[int, str] | None = None, batch: int = 10_000
) -> Break | None:
    """Walk the chain from the start; the first broken entry, or ``None`` if it holds.

    A chain cut off at its end still holds by itself: give ``head``, a ``(seq, hash)`` recorded
    earlier (``lexradar audit verify`` prints it), to find that too.
    """
    prev, expected_seq = GENESIS, 1
    with casebook.read() as conn:
        result = conn.execute(
            sa.select(audit_log).order_by(audit_log.c.seq).execution_options(yield_per=batch)
        )
        for row in result:
            if row.seq != expected_seq:
                return Break(expected_seq, f"entry {expected_seq} is missing (next is {row.seq})")
            if row.prev_hash != prev:
                return Break(row.seq, "previous-hash link does not match the entry before")
            try:
                digest = entry_hash(
                    prev, row.seq, row.at, row.actor, row.action, row.subject, row.detail
                )
            except json.JSONDecodeError:
                return Break(row.seq, "detail is not valid JSON")
            if digest != row.hash:
                return Break(row.seq, "content does not match its hash")
            if head and row.seq == head[0] and row.hash != head[1]:
                return Break(row.seq, "entry differs from the recorded head")
            prev, expected_seq = row.hash, row.seq + 1
    if head and expected_seq <= head[0]:
        return Break(expected_seq, f"the chain ends before the recorded head {head[0]}")
    return None


def tail(casebook: Casebook, n: int = 20) -> list[Entry]:
    """The last ``n`` entries, oldest first."""
    with casebook.read() as conn:
        rows = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(n)).all()
    return [Entry(**row._mapping) for row in reversed(rows)]
