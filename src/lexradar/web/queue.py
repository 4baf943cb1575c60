"""The clue queue's query: filters, sort and paging over the clues of the user's subtree.

The condition that keeps a user inside their region is :func:`lexradar.clues.access.scope`
and the masking is :mod:`lexradar.clues.queries`' own (``_view``): this module only adds the
filters the queue offers (model, domain, procuratorate, status, severity, first-seen dates),
sorting, paging and the counts per status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from lexradar.clues.access import User, scope
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError
from lexradar.clues.queries import ClueView, _view
from lexradar.clues.tables import STATES, clue_tallies, clues
from lexradar.errors import Location

SORTS: dict[str, Any] = {
    "newest": clues.c.id.desc(),
    "oldest": clues.c.id.asc(),
    "severity": sa.case({"high": 0, "medium": 1, "low": 2}, value=clues.c.severity),
    "model": clues.c.model_id,
    "procuratorate": clues.c.procuratorate_code,
    "status": clues.c.status,
    "last_seen": clues.c.last_seen.desc(),
}
SEVERITIES = ("high", "medium", "low")
PAGE_SIZES = (20, 50, 100)
"""What the queue page offers; the API takes any size up to :data:`MAX_PAGE`."""
MAX_PAGE = 500


@dataclass
class Filters:
    """What the queue is narrowed to (every field optional)."""

    model: str | None = None
    domain: str | None = None
    procuratorate: str | None = None
    status: str | None = None
    severity: str | None = None
    seen_from: dt.date | None = None
    seen_to: dt.date | None = None
    assignee_id: int | None = None

    @property
    def by_tallies(self) -> bool:
        """Whether the running counts can count these filters (they know no severity or day)."""
        return not (self.severity or self.seen_from or self.seen_to or self.assignee_id)

    def tally_conditions(self, actor: User) -> list[sa.ColumnElement[bool]]:
        """The same filters over :data:`clue_tallies` (model, domain, procuratorate)."""
        t = clue_tallies
        out = [scope(t.c.procuratorate_code, actor)]
        if self.model:
            out.append(t.c.model_id == self.model)
        if self.domain:
            out.append(t.c.domain == self.domain)
        if self.procuratorate:
            out.append(t.c.procuratorate_code.like(_prefix(self.procuratorate) + "%"))
        return out

    def conditions(self, actor: User) -> list[sa.ColumnElement[bool]]:
        out = [scope(clues.c.procuratorate_code, actor)]
        if self.status and self.status not in STATES:
            raise CasebookError(
                f"status must be one of {', '.join(STATES)}", Location(field="status")
            )
        if self.severity and self.severity not in SEVERITIES:
            raise CasebookError(
                f"severity must be one of {', '.join(SEVERITIES)}", Location(field="severity")
            )
        if self.model:
            out.append(clues.c.model_id == self.model)
        if self.domain:
            out.append(clues.c.domain == self.domain)
        if self.procuratorate:
            out.append(clues.c.procuratorate_code.like(_prefix(self.procuratorate) + "%"))
        if self.severity:
            out.append(clues.c.severity == self.severity)
        if self.seen_from:
            out.append(clues.c.first_seen >= dt.datetime.combine(self.seen_from, dt.time()))
        if self.seen_to:
            end = dt.datetime.combine(self.seen_to + dt.timedelta(days=1), dt.time())
            out.append(clues.c.first_seen < end)
        if self.assignee_id is not None:
            out.append(clues.c.assignee_id == self.assignee_id)
        return out


def _prefix(code: str) -> str:
    if not code.isdigit() or len(code) != 6:
        raise CasebookError("a procuratorate is a 6-digit code", Location(field="procuratorate"))
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


@dataclass
class Page:
    clues: list[ClueView]
    total: int
    page: int
    size: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def queue(
    casebook: Casebook,
    actor: User,
    filters: Filters,
    *,
    sort: str = "newest",
    page: int = 1,
    size: int = 50,
) -> Page:
    """One page of the actor's clues (masked), the matching total and the counts per status.

    The counts per status apply every filter but the status, so they say how many clues a
    click on each status would show.
    """
    if sort not in SORTS:
        raise CasebookError(f"sort must be one of {', '.join(SORTS)}", Location(field="sort"))
    if not 1 <= size <= MAX_PAGE:
        raise CasebookError(f"a page holds 1 to {MAX_PAGE} clues", Location(field="size"))
    page = max(page, 1)
    where = filters.conditions(actor)
    status = [clues.c.status == filters.status] if filters.status else []
    # the page's ids first (the sort never carries the wide columns), then those rows
    ids = (
        sa.select(clues.c.id)
        .where(*where, *status)
        .order_by(SORTS[sort], clues.c.id.desc())
        .limit(size)
        .offset((page - 1) * size)
    )
    with casebook.read() as conn:
        order = list(conn.execute(ids).scalars())
        found = {r.id: r for r in conn.execute(sa.select(clues).where(clues.c.id.in_(order)))}
        rows = [_view(found[i], masked=True) for i in order if i in found]
        counts = _counts(conn, actor, filters, where)
    total = counts[filters.status] if filters.status else sum(counts.values())
    return Page(rows, total, page, size, counts)


def _counts(
    conn: Any, actor: User, filters: Filters, where: list[sa.ColumnElement[bool]]
) -> dict[str, int]:
    """Clues per status under the filters: from the running counts when they can tell (a few
    hundred rows), else by counting the clues."""
    counts = dict.fromkeys(STATES, 0)
    if filters.by_tallies:
        t = clue_tallies
        row = conn.execute(
            sa.select(*(sa.func.coalesce(sa.func.sum(t.c[s]), 0) for s in STATES)).where(
                *filters.tally_conditions(actor)
            )
        ).one()
        return {s: int(n) for s, n in zip(STATES, row, strict=True)}
    for state, n in conn.execute(
        sa.select(clues.c.status, sa.func.count()).where(*where).group_by(clues.c.status)
    ):
        counts[state] = n
    return counts


def model_ids(casebook: Casebook, actor: User) -> list[str]:
    """The models that raised clues in the actor's subtree (for the filter list), read from
    the running counts rather than the clues."""
    t = clue_tallies
    with casebook.read() as conn:
        return list(
            conn.execute(
                sa.select(t.c.model_id)
                .where(scope(t.c.procuratorate_code, actor))
                .distinct()
                .order_by(t.c.model_id)
            ).scalars()
        )
