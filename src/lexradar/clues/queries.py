"""Reading clues: lists and details, scoped to the acting user, personal data masked.

Resident IDs and names are masked (``150404********123X``, ``张*``) unless revealed with
:func:`reveal`, which needs a reason and writes an audit entry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from lexradar.clues.access import User, require, scope
from lexradar.clues.db import Casebook, Event
from lexradar.clues.errors import CasebookError
from lexradar.clues.tables import clue_events, clues
from lexradar.clues.workflow import WORKERS, scoped_clue
from lexradar.errors import Location

_ID = re.compile(r"(?<![0-9])([0-9]{6})([0-9]{5,8})([0-9]{3}[0-9Xx]|[0-9]{4})(?![0-9])")


def mask_id(text: str) -> str:
    """``150404199001011234`` → ``150404********1234``: region and last four stay."""
    return _ID.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def mask_name(name: str) -> str:
    """``张三丰`` → ``张**``."""
    return name[:1] + "*" * (len(name) - 1) if name else name


@dataclass
class ClueView:
    """A clue as users see it (masked unless revealed)."""

    id: int
    fingerprint: str
    model_id: str
    domain: str
    region_code: str
    procuratorate_code: str
    severity: str
    status: str
    dismiss_reason: str | None
    assignee_id: int | None
    person_ids: str
    record_refs: str
    explanation: str
    explanation_en: str
    evidence: dict[str, Any]
    first_seen: Any
    last_seen: Any
    times_seen: int
    version: int
    history: list[dict[str, Any]] = field(default_factory=list)


def clue_view(row: Any, masked: bool) -> ClueView:
    evidence = json.loads(row.evidence or "{}")
    texts = [row.person_ids, row.explanation, row.explanation_en]
    if masked:
        names = [v for k, v in evidence.items() if k.endswith("name") and isinstance(v, str)]
        for name in sorted(names, key=len, reverse=True):
            texts = [t.replace(name, mask_name(name)) for t in texts]
        texts = [mask_id(t) for t in texts]
        evidence = {
            k: mask_name(v)
            if k.endswith("name") and isinstance(v, str)
            else mask_id(v)
            if isinstance(v, str)
            else v
            for k, v in evidence.items()
        }
    return ClueView(
        row.id,
        row.fingerprint,
        row.model_id,
        row.domain,
        row.region_code,
        row.procuratorate_code,
        row.severity,
        row.status,
        row.dismiss_reason,
        row.assignee_id,
        texts[0],
        row.record_refs,
        texts[1],
        texts[2],
        evidence,
        row.first_seen,
        row.last_seen,
        row.times_seen,
        row.version,
    )


def list_clues(
    casebook: Casebook,
    actor: User,
    *,
    status: str | None = None,
    model_id: str | None = None,
    assignee_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[ClueView]:
    """Clues of the actor's subtree, newest first, masked."""
    query = sa.select(clues).where(scope(clues.c.procuratorate_code, actor))
    if status:
        query = query.where(clues.c.status == status)
    if model_id:
        query = query.where(clues.c.model_id == model_id)
    if assignee_id is not None:
        query = query.where(clues.c.assignee_id == assignee_id)
    query = query.order_by(clues.c.id.desc()).limit(limit).offset(offset)
    with casebook.read() as conn:
        return [clue_view(r, masked=True) for r in conn.execute(query)]


def count_clues(casebook: Casebook, actor: User) -> int:
    with casebook.read() as conn:
        return conn.execute(
            sa.select(sa.func.count()).where(scope(clues.c.procuratorate_code, actor))
        ).scalar_one()


def _history(conn: Any, clue_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(clue_events).where(clue_events.c.clue_id == clue_id).order_by(clue_events.c.id)
    )
    return [dict(r._mapping) for r in rows]


def get_clue(casebook: Casebook, actor: User, clue_id: int) -> ClueView:
    """One clue with its history, masked."""
    with casebook.read() as conn:
        view = clue_view(scoped_clue(conn, actor, clue_id), masked=True)
        view.history = _history(conn, clue_id)
    return view


def reveal(casebook: Casebook, actor: User, clue_id: int, reason: str) -> ClueView:
    """One clue unmasked: an explicit action, with a reason, written to the audit chain.

    Only the roles that work clues (admin, leader, handler) may reveal personal data.
    """
    require(actor, *WORKERS)
    if not reason.strip():
        raise CasebookError("revealing personal data needs a reason", Location(field="reason"))
    with casebook.write() as (conn, events):
        view = clue_view(scoped_clue(conn, actor, clue_id), masked=False)
        view.history = _history(conn, clue_id)
        events.append(Event(actor.username, "clue.reveal", f"clue:{clue_id}", {"reason": reason}))
    return view


_view = clue_view  # the name used before it was public
