"""Supervised cases: opened from confirmed clues, closed with an outcome.

Opening a case moves its clues ``confirmed → supervised``; closing it moves them to
``closed``. Funds recovered are recorded on the case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from lexradar.clues.access import User, require, scope
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError, ConflictError, NotFoundError
from lexradar.clues.events import CaseClosed, CaseOpened
from lexradar.clues.tables import DOMAINS, case_clues, cases
from lexradar.clues.workflow import WORKERS, _move, scoped_clue
from lexradar.errors import Location

KINDS = (
    "case_filing_supervision",
    "execution_supervision",
    "procuratorial_recommendation",
    "protest",
    "public_interest_notice",
    "other",
)
OUTCOMES = (
    "agency_corrected",
    "licence_revoked",
    "funds_recovered",
    "prosecution_filed",
    "not_adopted",
    "other",
)


@dataclass
class Case:
    id: int
    kind: str
    domain: str
    procuratorate_code: str
    title: str
    opened_on: dt.date
    closed_on: dt.date | None
    outcome: str | None
    funds_recovered: Decimal
    model_id: str | None
    version: int
    clue_ids: list[int]


def _check(value: str, allowed: Sequence[str], name: str) -> None:
    if value not in allowed:
        raise CasebookError(f"{name} must be one of {', '.join(allowed)}", Location(field=name))


def open_case(
    casebook: Casebook,
    actor: User,
    kind: str,
    clue_versions: Mapping[int, int | None],
    *,
    title: str = "",
    opened_on: dt.date | None = None,
    domain: str | None = None,
) -> int:
    """Open a supervised case from confirmed clues (clue id → version read); its id."""
    require(actor, *WORKERS)
    _check(kind, KINDS, "kind")
    if not clue_versions:
        raise CasebookError("a case needs at least one clue", Location(field="clues"))
    opened_on = opened_on or dt.date.today()
    with casebook.write() as (conn, events):
        rows = [scoped_clue(conn, actor, cid, for_update=True) for cid in clue_versions]
        domain = domain or rows[0].domain
        _check(domain, DOMAINS, "domain")
        key = conn.execute(
            cases.insert().values(
                kind=kind,
                domain=domain,
                procuratorate_code=rows[0].procuratorate_code,
                title=title,
                opened_on=opened_on,
                opened_month=opened_on.strftime("%Y-%m"),
                model_id=rows[0].model_id,
                opened_by=actor.username,
                version=1,
            )
        ).inserted_primary_key
        assert key is not None  # the key of the one row inserted
        case_id: int = key[0]
        for row in rows:
            _move(
                conn,
                events,
                actor,
                row,
                clue_versions[row.id],
                "supervised",
                note=f"case {case_id}",
            )
            conn.execute(case_clues.insert().values(case_id=case_id, clue_id=row.id))
        events.append(
            CaseOpened(actor.username, case_id, kind, domain, tuple(sorted(clue_versions)))
        )
    return case_id


def _scoped_case(conn: Any, actor: User, case_id: int) -> Any:
    row = conn.execute(
        sa.select(cases).where(cases.c.id == case_id, scope(cases.c.procuratorate_code, actor))
    ).first()
    if row is None:
        raise NotFoundError(f"no case {case_id} in {actor.username}'s region")
    return row


def close_case(
    casebook: Casebook,
    actor: User,
    case_id: int,
    version: int | None,
    outcome: str,
    *,
    funds_recovered: Decimal | float | str = 0,
    closed_on: dt.date | None = None,
) -> None:
    """Close a case with its outcome; its clues become ``closed``."""
    require(actor, *WORKERS)
    _check(outcome, OUTCOMES, "outcome")
    with casebook.write() as (conn, events):
        case = _scoped_case(conn, actor, case_id)
        expected = case.version if version is None else version
        if case.closed_on is not None:
            raise CasebookError(f"case {case_id} is already closed", Location(field="case"))
        done = conn.execute(
            cases.update()
            .where(cases.c.id == case_id, cases.c.version == expected)
            .values(
                outcome=outcome,
                funds_recovered=Decimal(str(funds_recovered)),
                closed_on=closed_on or dt.date.today(),
                version=expected + 1,
            )
        ).rowcount
        if done != 1:
            raise ConflictError(f"case {case_id}", expected, case.version)
        linked = conn.execute(
            sa.select(case_clues.c.clue_id).where(case_clues.c.case_id == case_id)
        ).scalars()
        for clue_id in list(linked):
            clue = scoped_clue(conn, actor, clue_id, for_update=True)
            if clue.status == "supervised":
                _move(conn, events, actor, clue, None, "closed", note=f"case {case_id}: {outcome}")
        events.append(CaseClosed(actor.username, case_id, outcome, str(funds_recovered)))


def list_cases(casebook: Casebook, actor: User, *, open_only: bool = False) -> list[Case]:
    """Cases of the actor's subtree with their clues."""
    query = sa.select(cases).where(scope(cases.c.procuratorate_code, actor)).order_by(cases.c.id)
    if open_only:
        query = query.where(cases.c.closed_on.is_(None))
    with casebook.read() as conn:
        rows = conn.execute(query).all()
        links: dict[int, list[int]] = {}
        if rows:
            for case_id, clue_id in conn.execute(
                sa.select(case_clues.c.case_id, case_clues.c.clue_id)
                .where(case_clues.c.case_id.in_([r.id for r in rows]))
                .order_by(case_clues.c.clue_id)
            ):
                links.setdefault(case_id, []).append(clue_id)
    return [
        Case(
            r.id,
            r.kind,
            r.domain,
            r.procuratorate_code,
            r.title,
            r.opened_on,
            r.closed_on,
            r.outcome,
            Decimal(r.funds_recovered),
            r.model_id,
            r.version,
            links.get(r.id, []),
        )
        for r in rows
    ]
