"""Loading clue candidates (``CLUE_SCHEMA``) into the casebook by fingerprint.

One transaction per batch, so a crash leaves the casebook as it was before a batch or after
it, and loading the same file again completes the work without duplicates:

- a new fingerprint is inserted (``INSERT … ON CONFLICT (fingerprint)`` on both dialects, so
  two loaders racing on one clue refresh it instead of failing);
- a clue seen again has ``last_seen`` refreshed, and ``times_seen`` counts each *run* that saw
  it (reloading the same run does not count twice);
- a clue whose evidence changed gets the new evidence; a dismissed or closed one reopens as
  ``new`` with a note saying what changed; an open one keeps its state and gets that note.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lexradar.clues import tally, terms
from lexradar.clues.access import SYSTEM, User, require
from lexradar.clues.db import Casebook, utcnow
from lexradar.clues.errors import ConflictError
from lexradar.clues.events import Auditable, CluesLoaded, RunLoaded
from lexradar.clues.sql import executemany, upsert
from lexradar.clues.tables import clue_events, clues, model_runs, procuratorates
from lexradar.clues.workflow import CLOSED_STATES
from lexradar.errors import Location, NormalizeError
from lexradar.normalize.masking import known_values, mask_record, mask_text

BATCH = 5_000
_LOAD_LOCK = 0x1E8_10AD  # PostgreSQL advisory lock that makes loaders take turns
_COLS = [
    clues.c.id,
    clues.c.fingerprint,
    clues.c.status,
    clues.c.evidence_hash,
    clues.c.evidence,
    clues.c.person_ids,
    clues.c.record_refs,
    clues.c.version,
    clues.c.first_month,
    clues.c.model_id,
    clues.c.domain,
    clues.c.procuratorate_code,
]


@dataclass
class LoadReport:
    """What a load did."""

    read: int = 0
    new: int = 0
    refreshed: int = 0
    changed: int = 0
    reopened: list[str] = field(default_factory=list)
    batches: int = 0


def evidence_hash(person_ids: str, record_refs: str, evidence: str) -> str:
    """The hash that decides whether a clue's evidence changed.

    It covers the text as the run wrote it (``lexradar run`` writes evidence JSON with its
    columns in the model's order), so hashing needs no parsing.
    """
    body = "\x1f".join((person_ids, record_refs, evidence))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def what_changed(old: dict[str, Any], new: dict[str, Any]) -> str:
    """A short note naming what differs between two clues' evidence, its values masked.

    Every role that may read the clue reads its notes, and a note outlives any reveal, so the
    values in it are masked by their value types (:mod:`lexradar.normalize.masking`) and its
    texts knowing the personal values of both versions of the evidence.
    """
    before, after = json.loads(old["evidence"] or "{}"), json.loads(new["evidence"] or "{}")
    known = [*known_values(before), *known_values(after)]
    shown_before, shown_after = mask_record(before, known=known), mask_record(after, known=known)
    parts = []
    for key in ("person_ids", "record_refs"):
        if old[key] != new[key]:
            parts.append(f"{key}: {old[key]} → {new[key]}")
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            parts.append(f"{key}: {shown_before.get(key)} → {shown_after.get(key)}")
    note = "evidence changed: " + "; ".join(parts) if parts else "evidence changed"
    return mask_text(note, known)


NEEDED = (
    "fingerprint", "model_id", "model_version", "run_id", "as_of", "person_ids",
    "record_refs", "region_code", "severity", "explanation", "explanation_en", "evidence",
)  # fmt: skip
"""The columns of a clue file the casebook reads; others (added later) are ignored."""


def read_clue_file(path: Path) -> pa.Table:
    """A clue file written by ``lexradar run`` (.parquet or .csv), every ID read as text."""
    from lexradar.models.run import CLUE_SCHEMA

    path = Path(path)
    types = {f.name: f.type for f in CLUE_SCHEMA}
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
    elif path.suffix == ".csv":
        import pyarrow.csv as pacsv

        from lexradar.models.csvfile import unguarded_table  # cells written formula-safe

        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
        table = unguarded_table(table)
    else:
        from lexradar.clues.errors import CasebookError

        raise CasebookError("clue file must end in .csv or .parquet", Location(file=str(path)))
    missing = [c for c in NEEDED if c not in table.column_names]
    if missing:
        from lexradar.clues.errors import CasebookError

        raise CasebookError(f"not a clue file: no column(s) {missing}", Location(file=str(path)))
    return table.select(list(NEEDED)).cast(pa.schema([(c, types[c]) for c in NEEDED]))


def model_domains() -> dict[str, str]:
    """Domain of every model the registry knows."""
    from lexradar.models import Registry

    return {m.spec.id: m.spec.domain for m in Registry().models.values()}


class Router:
    """Routes a region code to its procuratorate: the nearest one up the tree."""

    def __init__(self, conn: Connection) -> None:
        rows = conn.execute(sa.select(procuratorates.c.code, procuratorates.c.parent_code)).all()
        self.known = {r.code for r in rows}
        roots = sorted(r.code for r in rows if r.parent_code is None)
        self.root = roots[0] if roots else "150000"
        self._cache: dict[str, str] = {}

    def __call__(self, region: str | None) -> str:
        key = region or ""
        if key not in self._cache:
            self._cache[key] = self._route(key)
        return self._cache[key]

    def _route(self, region: str) -> str:
        from lexradar.normalize import region_code as rc

        try:
            chain = rc.ancestors(rc.current(region))
        except NormalizeError:
            return self.root
        return next((code for code in chain if code in self.known), self.root)


def _record_runs(
    conn: Connection,
    table: pa.Table,
    runs: Sequence[Any],
    now: dt.datetime,
    events: list[Auditable],
    actor: User,
) -> None:
    given = {r.run_id: r for r in runs}
    counts: dict[tuple[str, str, int, dt.date], int] = {}
    keys = ("run_id", "model_id", "model_version", "as_of")
    for row in table.select(list(keys)).to_pylist():
        key = (row["run_id"], row["model_id"], row["model_version"], row["as_of"])
        counts[key] = counts.get(key, 0) + 1
    for record in runs:  # runs that found nothing are worth recording too
        counts.setdefault((record.run_id, record.model_id, record.model_version, record.as_of), 0)
    rows = []
    for (run_id, model_id, version, as_of), n in counts.items():
        record = given.get(run_id)
        rows.append(
            {
                "run_id": run_id,
                "model_id": model_id,
                "model_version": version,
                "as_of": as_of,
                "clues": n,
                "loaded_at": now,
                "parameters": json.dumps(record.parameters if record else {}, default=str),
                "engine": record.engine if record else "",
                "seconds": record.seconds if record else None,
            }
        )
    if not rows:
        return
    fresh = conn.execute(
        upsert(conn, model_runs)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["run_id"])
        .returning(model_runs.c.run_id, model_runs.c.model_id, model_runs.c.clues)
    ).all()
    for r in fresh:
        events.append(RunLoaded(actor.username, r.run_id, r.model_id, r.clues))


def _load_batch(
    conn: Connection,
    batch: list[dict[str, Any]],
    route: Router,
    domains: dict[str, str],
    now: dt.datetime,
    actor: User,
    report: LoadReport,
    key: bytes | None = None,
) -> None:
    if conn.dialect.name == "postgresql":  # loaders take turns per batch, as on SQLite
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOAD_LOCK)))
    by_fp = {row["fingerprint"]: row for row in batch}  # a file repeating a clue: last wins
    existing = {
        r.fingerprint: r
        for r in conn.execute(sa.select(*_COLS).where(clues.c.fingerprint.in_(list(by_fp))))
    }
    inserts, refreshes, reindex = [], [], []
    for fp, row in by_fp.items():
        digest = evidence_hash(
            row["person_ids"] or "", row["record_refs"] or "", row["evidence"] or "{}"
        )
        old = existing.get(fp)
        if old is None:
            inserts.append(_new_row(row, digest, route, domains, now))
        elif old.evidence_hash == digest:
            refreshes.append({"cid": old.id, "run": row["run_id"], "now": now})
        else:
            _apply_change(conn, old, row, digest, now, actor, report)
            reindex.append(fp)
    if inserts:
        stmt = upsert(conn, clues)
        executemany(
            conn,
            stmt.on_conflict_do_update(
                index_elements=["fingerprint"],
                set_={
                    "last_seen": stmt.excluded.last_seen,
                    "times_seen": clues.c.times_seen + 1,
                    "run_id": stmt.excluded.run_id,
                },
            ),
            inserts,
        )
        for row in inserts:
            tally.count(conn, row, "new", 1)
    if refreshes:
        executemany(
            conn,
            clues.update()
            .where(clues.c.id == sa.bindparam("cid"))
            .values(
                last_seen=sa.bindparam("now"),
                times_seen=clues.c.times_seen
                + sa.case((clues.c.run_id == sa.bindparam("run"), 0), else_=1),
                run_id=sa.bindparam("run"),
            ),
            refreshes,
        )
    if key is not None:  # the search index: terms of new clues and of changed evidence
        terms.index_fingerprints(conn, key, [*(r["fingerprint"] for r in inserts), *reindex])
    report.read += len(batch)
    report.new += len(inserts)
    report.refreshed += len(refreshes)


def _new_row(
    row: dict[str, Any], digest: str, route: Router, domains: dict[str, str], now: dt.datetime
) -> dict[str, Any]:
    return {
        "fingerprint": row["fingerprint"],
        "model_id": row["model_id"],
        "model_version": row["model_version"] or 1,
        "domain": domains.get(row["model_id"], "unknown"),
        "region_code": row["region_code"] or "",
        "procuratorate_code": route(row["region_code"]),
        "severity": row["severity"] or "medium",
        "person_ids": row["person_ids"] or "",
        "record_refs": row["record_refs"] or "",
        "explanation": row["explanation"] or "",
        "explanation_en": row["explanation_en"] or "",
        "evidence": row["evidence"] or "{}",
        "evidence_hash": digest,
        "status": "new",
        "first_seen": now,
        "first_month": now.strftime("%Y-%m"),
        "last_seen": now,
        "times_seen": 1,
        "run_id": row["run_id"],
        "version": 1,
        "updated_at": now,
    }


def _apply_change(
    conn: Connection,
    old: Any,
    row: dict[str, Any],
    digest: str,
    now: dt.datetime,
    actor: User,
    report: LoadReport,
) -> None:
    """New evidence for a known clue; reopen it when it was dismissed or closed."""
    for _attempt in range(5):
        reopen = old.status in CLOSED_STATES
        values: dict[str, Any] = {
            "person_ids": row["person_ids"] or "",
            "record_refs": row["record_refs"] or "",
            "evidence": row["evidence"] or "{}",
            "evidence_hash": digest,
            "explanation": row["explanation"] or "",
            "explanation_en": row["explanation_en"] or "",
            "severity": row["severity"] or "medium",
            "model_version": row["model_version"] or 1,
            "last_seen": now,
            "run_id": row["run_id"],
            "version": old.version + 1,
            "updated_at": now,
            "times_seen": clues.c.times_seen + 1,
        }
        if reopen:
            values.update(status="new", dismiss_reason=None, assignee_id=None)
        done = conn.execute(
            clues.update()
            .where(clues.c.id == old.id, clues.c.version == old.version)
            .values(**values)
        ).rowcount
        if done:
            if reopen:
                tally.count(conn, old, old.status, -1)
                tally.count(conn, old, "new", 1)
            note = what_changed(old._mapping, row)
            conn.execute(
                clue_events.insert().values(
                    clue_id=old.id,
                    from_status=old.status,
                    at=now,
                    actor=actor.username,
                    to_status="new" if reopen else None,
                    reason="evidence_changed",
                    note=note,
                )
            )
            report.changed += 1
            if reopen:
                report.reopened.append(row["fingerprint"])
            return
        old = conn.execute(sa.select(*_COLS).where(clues.c.id == old.id)).one()
    raise ConflictError(f"clue {row['fingerprint']}", old.version, None)


def load_clues(
    casebook: Casebook,
    table: pa.Table,
    actor: User = SYSTEM,
    runs: Iterable[Any] = (),
    batch_size: int = BATCH,
    domains: dict[str, str] | None = None,
    now: dt.datetime | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> LoadReport:
    """Load clue candidates; ``runs`` are the :class:`RunRecord`s that produced them, if known."""
    require(actor, "admin", "model_builder")
    now = now or utcnow()
    domains = model_domains() if domains is None else domains
    report = LoadReport()
    key = terms.casebook_key(casebook)
    with casebook.write() as (conn, events):
        _record_runs(conn, table, list(runs), now, events, actor)
        route = Router(conn)
    for start in range(0, table.num_rows, batch_size):
        batch = table.slice(start, batch_size).select(list(NEEDED)).to_pylist()
        with casebook.write() as (conn, events):
            before = (report.new, report.refreshed, report.changed, len(report.reopened))
            _load_batch(conn, batch, route, domains, now, actor, report, key)
            events.append(
                CluesLoaded(
                    actor.username,
                    start,
                    read=len(batch),
                    new=report.new - before[0],
                    refreshed=report.refreshed - before[1],
                    changed=report.changed - before[2],
                    reopened=tuple(report.reopened[before[3] :]),
                )
            )
        report.batches += 1
        if on_batch:
            on_batch(start + len(batch))
    return report
