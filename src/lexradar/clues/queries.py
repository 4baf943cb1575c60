"""Reading clues: lists, the clue queue and details, scoped to the acting user, masked.

Personal data is masked by :mod:`lexradar.normalize.masking` (``150404********123X``,
``张*``, ``欧阳**``, an address down to its county, a birth date to its year) unless revealed with
:func:`reveal`, which needs a reason and writes an audit entry. The condition that keeps a
user inside their region is :func:`lexradar.clues.access.scope`; :func:`queue` adds the
filters the workbench's queue offers (model, domain, procuratorate, status, severity,
first-seen dates, and a search by resident ID, name, case or certificate number through the
search index of :mod:`lexradar.clues.terms`), sorting, paging and the counts per status. Every
search is audited (``clues.search``, the term masked).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from lexradar.clues.access import User, require, scope, subtree
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError
from lexradar.clues.events import ClueRevealed
from lexradar.clues.queue_events import ClueSearched
from lexradar.clues.tables import STATES, clue_events, clue_tallies, clues
from lexradar.clues.terms import Term, casebook_key, interpret, matching
from lexradar.clues.workflow import WORKERS, scoped_clue
from lexradar.errors import Location
from lexradar.normalize.masking import Known, TextMasker, known_values, mask_record, mask_text


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


def clue_view(row: Any, masked: bool, known: Known = ()) -> ClueView:
    """A row of ``clues`` as users see it: personal data masked when ``masked``.

    The evidence is masked by its columns' value types
    (:func:`lexradar.normalize.masking.mask_record`); its free texts (``identity_zh`` ...), the
    explanations and the persons are masked knowing the evidence's own personal values and
    ``known`` (the names of the clue's records, when the caller has read them).
    """
    evidence = json.loads(row.evidence or "{}")
    texts = [row.person_ids, row.explanation, row.explanation_en]
    if masked:
        personal = [*known_values(evidence), *known]
        masker = TextMasker(personal)
        texts = [masker(t or "") for t in texts]
        evidence = mask_record(evidence, known=personal)
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


def get_clue(casebook: Casebook, actor: User, clue_id: int, known: Known = ()) -> ClueView:
    """One clue with its history, masked (notes too: those written before notes were masked at
    the source have their IDs and the clue's known names masked here)."""
    with casebook.read() as conn:
        row = scoped_clue(conn, actor, clue_id)
        view = clue_view(row, masked=True, known=known)
        personal = [*known_values(json.loads(row.evidence or "{}")), *known]
        view.history = [
            {**h, "note": mask_text(h["note"] or "", personal)} for h in _history(conn, clue_id)
        ]
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
        events.append(ClueRevealed(actor.username, clue_id, reason))
    return view


# The clue queue

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
    search: str | None = None
    """A resident ID, name, case or certificate number (:func:`lexradar.clues.terms.interpret`);
    never saved with the filters (:mod:`lexradar.clues.saved`)."""
    matching: tuple[str, ...] = ()
    """The search's term hashes, set by :meth:`resolve`."""

    @property
    def by_tallies(self) -> bool:
        """Whether the running counts can count these filters (they know no severity or day)."""
        return not (
            self.severity or self.seen_from or self.seen_to or self.assignee_id or self.search
        )

    def resolve(self, casebook: Casebook) -> Term | None:
        """Read the search term and look up its hashes (``None`` without a search)."""
        if not self.search:
            self.matching = ()
            return None
        term = interpret(self.search)
        self.matching = tuple(term.hashes(casebook_key(casebook)))
        return term

    def shown(self) -> dict[str, str]:
        """The filters set, as text (for audit entries and saved filters; no search term)."""
        out = {}
        for name in ("model", "domain", "procuratorate", "status", "severity"):
            if getattr(self, name):
                out[name] = str(getattr(self, name))
        for name in ("seen_from", "seen_to"):
            if getattr(self, name):
                out[name] = getattr(self, name).isoformat()
        if self.assignee_id is not None:
            out["assignee_id"] = str(self.assignee_id)
        return out

    def tally_conditions(self, actor: User) -> list[sa.ColumnElement[bool]]:
        """The same filters over :data:`clue_tallies` (model, domain, procuratorate)."""
        t = clue_tallies
        out = [scope(t.c.procuratorate_code, actor)]
        if self.model:
            out.append(t.c.model_id == self.model)
        if self.domain:
            out.append(t.c.domain == self.domain)
        if self.procuratorate:
            out.append(subtree(t.c.procuratorate_code, _prefix(self.procuratorate)))
        return out

    def conditions(self, actor: User, *, walk: bool = False) -> list[sa.ColumnElement[bool]]:
        """The filters as conditions on :data:`clues`, the actor's region scope first.

        ``walk``: state the scope so that no index can serve it, for a whole-region actor
        whose page is in id order: walking the table backwards from the newest id and
        stopping at the page is then far cheaper than reading the index range (every clue)
        and sorting it. The rows selected are the same.
        """
        code = clues.c.procuratorate_code
        out = [scope(code.concat("") if walk else code, actor)]
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
            out.append(subtree(clues.c.procuratorate_code, _prefix(self.procuratorate)))
        if self.severity:
            out.append(clues.c.severity == self.severity)
        if self.seen_from:
            out.append(clues.c.first_seen >= dt.datetime.combine(self.seen_from, dt.time()))
        if self.seen_to:
            end = dt.datetime.combine(self.seen_to + dt.timedelta(days=1), dt.time())
            out.append(clues.c.first_seen < end)
        if self.assignee_id is not None:
            out.append(clues.c.assignee_id == self.assignee_id)
        if self.search:
            if not self.matching:
                raise CasebookError("the search term was not read", Location(field="search"))
            out.append(matching(self.matching))
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


def page_query(actor: User, filters: Filters, sort: str, page: int, size: int) -> sa.Select[Any]:
    """The ids of one page of the queue, in order: the query :func:`queue` runs first.

    It reads only narrow columns, so the database can answer the filters and the sort from an
    index (``ix_clues_model_status_severity`` for a model, ``ix_clues_status_severity`` for a
    status, ``ix_clues_scope_status`` for a city's or county's subtree) and fetch the wide rows
    of the page alone afterwards. A whole-region actor's newest (or oldest) first page walks the
    table in id order instead (see :meth:`Filters.conditions`).
    """
    if sort not in SORTS:
        raise CasebookError(f"sort must be one of {', '.join(SORTS)}", Location(field="sort"))
    status = [clues.c.status == filters.status] if filters.status else []
    walk = (
        sort in ("newest", "oldest")
        and len(actor.prefix) <= 2
        and not filters.procuratorate
        and not filters.search
    )
    return (
        sa.select(clues.c.id)
        .where(*filters.conditions(actor, walk=walk), *status)
        .order_by(SORTS[sort], clues.c.id.desc())
        .limit(size)
        .offset((max(page, 1) - 1) * size)
    )


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
    click on each status would show. A search is audited once the page is read
    (``clues.search``: the term masked, the filters, how many clues matched).
    """
    if sort not in SORTS:
        raise CasebookError(f"sort must be one of {', '.join(SORTS)}", Location(field="sort"))
    if not 1 <= size <= MAX_PAGE:
        raise CasebookError(f"a page holds 1 to {MAX_PAGE} clues", Location(field="size"))
    page = max(page, 1)
    term = filters.resolve(casebook)
    where = filters.conditions(actor)
    ids = page_query(actor, filters, sort, page, size)
    with casebook.read() as conn:
        order = list(conn.execute(ids).scalars())
        found = {r.id: r for r in conn.execute(sa.select(clues).where(clues.c.id.in_(order)))}
        rows = [clue_view(found[i], masked=True) for i in order if i in found]
        counts = _counts(conn, actor, filters, where)
    total = counts[filters.status] if filters.status else sum(counts.values())
    if term is not None:
        with casebook.write() as (_conn, events):
            events.append(
                ClueSearched(
                    actor.username,
                    actor.procuratorate_code,
                    term.masked,
                    tuple(term.kinds),
                    total,
                    filters.shown(),
                )
            )
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
