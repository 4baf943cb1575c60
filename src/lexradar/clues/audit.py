"""The audit chain: an append-only log whose every entry is signed and links to the one before.

An entry is ``{seq, at, actor, action, subject, detail, prev_hash, hash}`` plus how it is
signed: ``alg`` (``hmac-sha256``), ``key_id`` and ``anchor``. Its ``hash`` is the HMAC-SHA256,
under the casebook's audit key (:mod:`lexradar.clues.anchor`, never in the database), of the
canonical JSON of all its other fields, the stored ``detail`` text as it is. ``anchor`` is the
sequence number of the newest checkpoint when the entry was appended: every write transaction
starts right after a checkpointed entry, so a checkpoint that should exist and does not is
found too.

Entries are appended only by :meth:`Casebook.write`, inside the transaction of the change they
record (:func:`append`), serialised by a PostgreSQL advisory lock (SQLite: ``BEGIN
IMMEDIATE``); the checkpoint of the new head is written once that transaction commits.

:func:`check` walks the chain and the checkpoints and names the first thing that does not
hold: a missing, added, reordered or edited entry, a detail that is not canonical or has a
duplicate key, an entry not signed with the key, a chain shorter or longer than its newest
checkpoint, a checkpoint that is forged or missing.

Entries of casebooks from before migration 0004 carry ``alg = 'sha256'``: an unkeyed hash
``sha256(prev_hash + canonical JSON of the entry)``. They verify as they are, but only before
the first signed entry (``lexradar casebook init`` appends ``audit.key`` after them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lexradar.clues.anchor import Anchor, AnchorError, Checkpoint, Key
from lexradar.clues.events import (
    Auditable,
    CheckpointRestored,
    DuplicateKeyError,
    canonical,
    loads_strict,
)
from lexradar.clues.tables import audit_log

GENESIS = "0" * 64
KEYED = "hmac-sha256"
LEGACY = "sha256"
_LOCK_KEY = 0x1E8_AD17  # PostgreSQL advisory lock that serialises appenders

__all__ = ["GENESIS", "Break", "Entry", "Report", "append", "canonical", "check", "verify"]


class Readable(Protocol):
    """What reading the chain needs of a casebook."""

    anchor: Anchor

    def read(self) -> AbstractContextManager[Connection]: ...


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
    alg: str = KEYED
    key_id: str | None = None
    anchor: int | None = None

    @property
    def data(self) -> Any:
        """The detail parsed (duplicate keys refused)."""
        return loads_strict(self.detail)


@dataclass(frozen=True)
class Break:
    """The first entry at which the chain does not hold, and why."""

    seq: int
    problem: str

    def __str__(self) -> str:
        return f"audit chain broken at entry {self.seq}: {self.problem}"


@dataclass(frozen=True)
class Report:
    """What :func:`check` found."""

    broken: Break | None
    entries: int
    head: tuple[int, str] | None
    checkpoints: int
    legacy: int
    anchored: bool
    """False only for a chain from before migration 0004 that was never given a key."""
    pending: tuple[int, int] | None = None
    """Entries of the last write transaction, committed but not checkpointed: its process
    stopped between its commit and its checkpoint. The next write checks and checkpoints
    them (entry ``audit.checkpoint``); until then a cut of exactly that transaction would go
    unnoticed."""


# hashing


def entry_hash(
    prev_hash: str, seq: int, at: str, actor: str, action: str, subject: str, detail: str
) -> str:
    """The unkeyed hash of an entry from before migration 0004 (``alg = 'sha256'``)."""
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


def signed_hash(
    key: Key,
    prev_hash: str,
    seq: int,
    at: str,
    actor: str,
    action: str,
    subject: str,
    detail: str,
    anchor: int,
) -> str:
    """The HMAC-SHA256 of an entry under ``key``."""
    body = canonical(
        {
            "v": 1,
            "prev": prev_hash,
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "detail": detail,
            "anchor": anchor,
            "key_id": key.id,
        }
    )
    return key.mac(body)


def _recompute(row: Any, key: Key | None, prev: str) -> str | None:
    """The hash ``row`` should carry after ``prev`` (``None``: no key to check it with)."""
    if row.alg == LEGACY:
        return entry_hash(prev, row.seq, row.at, row.actor, row.action, row.subject, row.detail)
    if key is None:
        return None
    return signed_hash(
        key, prev, row.seq, row.at, row.actor, row.action, row.subject, row.detail, row.anchor
    )


def _detail_problem(text: str) -> str | None:
    try:
        value = loads_strict(text)
    except DuplicateKeyError as exc:
        return f"detail has a {exc} (one value would hide another)"
    except json.JSONDecodeError:
        return "detail is not valid JSON"
    if not isinstance(value, dict):
        return "detail is not a JSON object"
    if canonical(value) != text:
        return "detail is not in canonical form"
    return None


def _checkpoint(key: Key, seq: int, digest: str) -> Checkpoint:
    at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    return Checkpoint(seq, digest, seq, at, key.id).signed(key)


def _checkpoint_problem(cp: Checkpoint, key: Key) -> str | None:
    if cp.key_id != key.id:
        return f"checkpoint {cp.seq} is signed with another key ({cp.key_id}, not {key.id})"
    if not hmac.compare_digest(cp.mac, key.mac(cp.body())):
        return f"checkpoint {cp.seq} is not signed by the casebook's key (forged or edited)"
    if cp.count != cp.seq:
        return f"checkpoint {cp.seq} counts {cp.count} entries"
    return None


# appending


def lock(conn: Connection) -> None:
    """Serialise appenders (and :func:`check`) on PostgreSQL; SQLite writers already are."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK_KEY)))


_HEAD = sa.select(audit_log.c.seq, audit_log.c.hash, audit_log.c.alg).order_by(
    audit_log.c.seq.desc()
)


def _anchor_head(
    conn: Connection,
    anchor: Anchor,
    key: Key,
    head: Any,
    publish: Callable[[Checkpoint], None],
) -> tuple[int, CheckpointRestored | None]:
    """Check the head against the newest checkpoint before appending; the anchor to record.

    A head past the newest checkpoint (a writer stopped between its commit and its
    checkpoint, or a chain from before migration 0004) is checkpointed here after its
    entries are checked. Anything else that does not fit refuses the write.
    """
    if not anchor.has_checkpoints():
        raise AnchorError(
            f"the audit checkpoint file {anchor.checkpoints_path} is missing: nothing is "
            "written until it is restored (`lexradar audit verify` says what is wrong)"
        )
    newest = anchor.newest()
    if head is None:
        if newest is not None:
            raise AnchorError(
                f"the audit chain is empty but checkpoint {newest.seq} says it had entries: "
                "nothing is written (`lexradar audit verify`)"
            )
        return 0, None
    if newest is not None:
        problem = _checkpoint_problem(newest, key)
        at_seq = conn.execute(
            sa.select(audit_log.c.hash).where(audit_log.c.seq == newest.seq)
        ).scalar()
        if problem is None and newest.seq > head.seq:
            problem = f"the chain ends at entry {head.seq}, before checkpoint {newest.seq}"
        elif problem is None and at_seq != newest.hash:
            problem = f"entry {newest.seq} differs from its checkpoint"
        if problem:
            raise AnchorError(f"{problem}: nothing is written (`lexradar audit verify`)")
        if newest.seq == head.seq:
            return head.seq, None
    after = newest.seq if newest is not None else 0
    if newest is None and head.alg != LEGACY:
        raise AnchorError(
            f"the audit chain has {head.seq} entries and no checkpoint: nothing is written "
            "(`lexradar audit verify`)"
        )
    rows = conn.execute(
        sa.select(audit_log)
        .where(audit_log.c.seq > (after - 1 if after else 0))
        .order_by(audit_log.c.seq)
    )
    allowed = LEGACY if newest is None else KEYED  # unsigned entries only before signed ones
    prev = GENESIS
    for row in rows:
        if row.seq == after:
            prev = row.hash
            continue
        if (
            row.alg != allowed
            or row.prev_hash != prev
            or _detail_problem(row.detail)
            or (row.alg == KEYED and row.key_id != key.id)
            or not hmac.compare_digest(row.hash, _recompute(row, key, prev) or "")
        ):
            raise AnchorError(
                f"entry {row.seq}, after the newest checkpoint, does not verify: nothing is "
                "written (`lexradar audit verify`)"
            )
        prev = row.hash
    if prev != head.hash:
        raise AnchorError("the audit chain changed while it was read")
    publish(_checkpoint(key, head.seq, head.hash))
    return head.seq, CheckpointRestored("system", after, head.seq)


def append(
    conn: Connection,
    events: Sequence[Auditable],
    anchor: Anchor,
    publish: Callable[[Checkpoint], None],
) -> Checkpoint:
    """Append ``events`` inside ``conn``'s transaction; the checkpoint to write after commit.

    The caller holds the appenders' lock (:func:`lock`) and the checkpoint file's lock;
    ``publish`` writes a checkpoint of entries already committed.
    """
    key = anchor.key()
    head = conn.execute(_HEAD.limit(1)).first()
    anchored, restored = _anchor_head(conn, anchor, key, head, publish)
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    rows = []
    for event in [restored, *events] if restored else events:
        seq += 1
        detail = canonical(event.detail)
        digest = signed_hash(
            key, prev, seq, at, event.actor, event.action, event.subject, detail, anchored
        )
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
                "alg": KEYED,
                "key_id": key.id,
                "anchor": anchored,
            }
        )
        prev = digest
    conn.execute(audit_log.insert(), rows)
    return _checkpoint(key, seq, prev)


# checking


@dataclass(frozen=True)
class Missing:
    seq: int


def _walk(rows: Iterator[Any], key: Key | None, cps: dict[int, Checkpoint]) -> Iterator[Any]:
    """Yield ``(row, problem)`` per entry until the first problem."""
    prev, expected, keyed = GENESIS, 1, False
    group: tuple[int, str] | None = None
    for row in rows:
        if row.seq == expected - 1:
            yield row, f"entry {row.seq} appears twice"
            return
        if row.seq != expected:
            yield Missing(expected), f"entry {expected} is missing (next is {row.seq})"
            return
        if row.prev_hash != prev:
            yield row, "previous-hash link does not match the entry before"
            return
        problem = _detail_problem(row.detail)
        if problem:
            yield row, problem
            return
        if row.alg == LEGACY:
            if keyed:
                yield row, "an unsigned (sha256) entry after signed ones: not written by lexradar"
                return
        elif row.alg == KEYED:
            keyed = True
            if key is None:
                yield row, "the entry is signed, and there is no key to check it with"
                return
            if row.key_id != key.id:
                yield row, f"signed with another key ({row.key_id}), not this casebook's"
                return
            if row.anchor is None or not 0 <= row.anchor < row.seq:
                yield row, "the entry has no valid anchor"
                return
            if group != (row.anchor, row.at):  # the first entry of a write transaction
                if row.anchor != row.seq - 1:
                    yield (
                        row,
                        (
                            f"written after checkpoint {row.anchor}, but entries "
                            f"{row.anchor + 1}–{row.seq - 1} before it were never checkpointed"
                        ),
                    )
                    return
                if cps and row.anchor and row.anchor not in cps:
                    yield row, f"the checkpoint of entry {row.anchor} it follows is missing"
                    return
                group = (row.anchor, row.at)
        else:
            yield row, f"unknown hash algorithm {row.alg!r}"
            return
        digest = _recompute(row, key, prev)
        if digest is None or not hmac.compare_digest(digest, row.hash):
            yield row, "content does not match its hash (not signed by this casebook's key)"
            return
        cp = cps.get(row.seq)
        if cp is not None and cp.hash != row.hash:
            yield row, "the entry differs from its checkpoint"
            return
        yield row, None
        prev, expected = row.hash, row.seq + 1


@contextlib.contextmanager
def _locked(conn: Connection, anchor: Anchor) -> Iterator[None]:
    """The appenders' lock, then the checkpoint file's (the order writers take them in)."""
    lock(conn)
    with anchor.locked(shared=True):
        yield


def check(
    casebook: Readable,
    head: tuple[int, str] | None = None,
    *,
    checkpoints: bool = True,
    batch: int = 10_000,
) -> Report:
    """Walk the chain and (by default) the checkpoints; what holds and the first break.

    ``head``, a ``(seq, hash)`` recorded earlier, is checked as one more checkpoint.
    """
    anchor = casebook.anchor
    key = anchor.key() if anchor.has_key() else None
    cps: dict[int, Checkpoint] = {}
    with casebook.read() as conn, _locked(conn, anchor):
        if key is None and keyed_entries(conn):
            raise AnchorError(
                f"no audit key at {anchor.key_path}: the chain's signed entries cannot be "
                "checked without it (--key names another file)"
            )
        broken: Break | None = None
        if checkpoints and key is not None:
            if not anchor.has_checkpoints():
                broken = Break(0, f"the checkpoint file {anchor.checkpoints_path} is missing")
            found, bad = anchor.read()
            if bad and broken is None:
                broken = Break(0, f"checkpoint file line {bad[0].number}: {bad[0].problem}")
            for cp in found:
                problem = _checkpoint_problem(cp, key)
                if problem and broken is None:
                    broken = Break(cp.seq, problem)
                if cp.seq in cps and cps[cp.seq].hash != cp.hash and broken is None:
                    broken = Break(cp.seq, f"two checkpoints of entry {cp.seq} disagree")
                cps[cp.seq] = cp
        result = conn.execute(
            sa.select(audit_log).order_by(audit_log.c.seq).execution_options(yield_per=batch)
        )
        last: Any = None
        legacy = 0
        group, last_start = None, 0
        for row, problem in _walk(iter(result), key, cps if checkpoints else {}):
            if problem:
                broken = broken or Break(row.seq, problem)
                break
            if head and row.seq == head[0] and row.hash != head[1]:
                broken = broken or Break(row.seq, "entry differs from the recorded head")
                break
            legacy += row.alg == LEGACY
            if row.alg == KEYED and group != (row.anchor, row.at):
                group, last_start = (row.anchor, row.at), row.seq
            last = row
        result.close()
    ends = last.seq if last is not None else 0
    anchored = key is not None
    pending: tuple[int, int] | None = None
    if broken is None and head and ends < head[0]:
        broken = Break(ends + 1, f"the chain ends before the recorded head {head[0]}")
    if broken is None and checkpoints:
        newest = max(cps, default=0)
        if key is None and ends > legacy:
            broken = Break(legacy + 1, "the chain is signed, and there is no key to check it")
        elif key is None and anchor.has_checkpoints() and anchor.checkpoints_path is not None:
            broken = Break(0, f"checkpoints exist but the audit key {anchor.key_path} is missing")
        elif key is not None and newest > ends:
            broken = Break(
                ends + 1,
                f"the chain ends at entry {ends}, but a checkpoint records {newest} entries: "
                "entries were removed",
            )
        elif key is not None and newest < ends and last_start == newest + 1:
            pending = (newest + 1, ends)  # one write whose checkpoint is not written yet
        elif key is not None and newest < ends:
            broken = Break(
                newest + 1,
                f"entries {newest + 1}–{ends} are covered by no checkpoint (appended outside "
                "lexradar, or the checkpoint file was replaced by an older copy)",
            )
        elif key is not None and ends == 0:
            broken = Break(1, "the chain is empty, but the casebook has an audit key")
    return Report(
        broken,
        ends,
        (last.seq, last.hash) if last is not None else None,
        len(cps),
        legacy,
        anchored,
        pending,
    )


def verify(
    casebook: Readable,
    head: tuple[int, str] | None = None,
    *,
    checkpoints: bool = True,
    batch: int = 10_000,
) -> Break | None:
    """The first place where the chain or its checkpoints do not hold, or ``None``."""
    return check(casebook, head, checkpoints=checkpoints, batch=batch).broken


def tail(casebook: Readable, n: int = 20) -> list[Entry]:
    """The last ``n`` entries, oldest first."""
    with casebook.read() as conn:
        rows = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(n)).all()
    return [Entry(**row._mapping) for row in reversed(rows)]


def keyed_entries(conn: Connection) -> int:
    """How many entries are signed (0: a new casebook, or one from before migration 0004)."""
    return conn.execute(
        sa.select(sa.func.count()).select_from(audit_log).where(audit_log.c.alg != LEGACY)
    ).scalar_one()


# The audit log as an admin of a subtree reads it


def _key_is_id(key: Any, dialect: str) -> Any:
    """``key`` (text) is a number of 1 to 9 digits, in the casebook's own SQL."""
    if dialect == "postgresql":
        return key.op("~")("^[0-9]{1,9}$")
    return sa.and_(key != "", sa.not_(key.op("GLOB")("*[^0-9]*")), sa.func.length(key) < 10)


def region_of(dialect: str) -> Any:
    """The procuratorate an entry is about, as a SQL expression over ``audit_log``: that of
    its object — the clue, case or user its ``subject`` (``kind:key``) names, the code of a
    ``procuratorate:`` subject — else that of its actor, else NULL (the system's work, a failed
    login of an unknown name). Each lookup is by a primary or unique key."""
    from lexradar.clues.tables import cases, clues, users

    subject = audit_log.c.subject

    def key(kind: str) -> Any:
        return sa.func.substr(subject, len(kind) + 2)

    def of(kind: str) -> Any:
        return sa.func.substr(subject, 1, len(kind) + 1) == f"{kind}:"

    def code(table: sa.Table, column: Any, value: Any) -> Any:
        return sa.select(table.c.procuratorate_code).where(column == value).scalar_subquery()

    number = {k: sa.cast(key(k), sa.Integer) for k in ("clue", "case")}
    procuratorate = key("procuratorate")
    found = sa.case(
        (
            sa.and_(of("clue"), _key_is_id(key("clue"), dialect)),
            code(clues, clues.c.id, number["clue"]),
        ),
        (
            sa.and_(of("case"), _key_is_id(key("case"), dialect)),
            code(cases, cases.c.id, number["case"]),
        ),
        (of("user"), code(users, users.c.username, key("user"))),
        (
            sa.and_(
                of("procuratorate"),
                sa.func.length(procuratorate) == 6,
                _key_is_id(procuratorate, dialect),
            ),
            procuratorate,
        ),
        else_=sa.null(),
    )
    return sa.func.coalesce(found, code(users, users.c.username, audit_log.c.actor))


def scoped_tail(conn: Connection, prefix: str, unscoped: bool, n: int = 100) -> list[Entry]:
    """The newest ``n`` entries about procuratorates whose code starts with ``prefix`` (and,
    with ``unscoped``, those about none: for an admin at the top of the tree), oldest first —
    one query: the log read backwards on its primary key, each entry's region found by key
    (:func:`region_of`), the database stopping at the ``n``-th."""
    region = region_of(conn.dialect.name)
    inside = sa.func.substr(region, 1, len(prefix)) == prefix
    where = sa.or_(region.is_(None), inside) if unscoped else inside
    rows = conn.execute(
        sa.select(audit_log).where(where).order_by(audit_log.c.seq.desc()).limit(n)
    ).all()
    return [Entry(**row._mapping) for row in reversed(rows)]
