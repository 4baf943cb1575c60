"""Saved queue filters: a user keeps the queue's filters under a name, lists and deletes them.

Only the user's own filters are listed and deleted (another user's filter is "not found"). A
filter keeps the queue's narrowing (model, domain, procuratorate, status, severity, first-seen
dates), never a search term: a term is a resident ID or a name, which the casebook does not keep
in clear text. Saving under a name already used replaces that filter. Saving and deleting are
audited (``filter.save``, ``filter.delete``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass

import sqlalchemy as sa

from lexradar.clues.access import User
from lexradar.clues.db import Casebook, utcnow
from lexradar.clues.errors import CasebookError, NotFoundError
from lexradar.clues.queries import Filters
from lexradar.clues.queue_events import FilterDeleted, FilterSaved
from lexradar.clues.tables import saved_filters
from lexradar.errors import Location

MAX_NAME = 60
MAX_PER_USER = 100


@dataclass(frozen=True)
class SavedFilter:
    id: int
    name: str
    filters: dict[str, str]
    created_at: dt.datetime

    def as_filters(self) -> Filters:
        f = self.filters
        return Filters(
            model=f.get("model"),
            domain=f.get("domain"),
            procuratorate=f.get("procuratorate"),
            status=f.get("status"),
            severity=f.get("severity"),
            seen_from=dt.date.fromisoformat(f["seen_from"]) if f.get("seen_from") else None,
            seen_to=dt.date.fromisoformat(f["seen_to"]) if f.get("seen_to") else None,
        )


def _own(actor: User) -> int:
    if actor.id is None:
        raise CasebookError("only a user of the casebook keeps saved filters")
    return actor.id


def save(casebook: Casebook, actor: User, name: str, filters: Filters) -> SavedFilter:
    """Keep ``filters`` (without any search term) under ``name`` for ``actor``."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise CasebookError(
            f"a filter's name has 1 to {MAX_NAME} characters", Location(field="name")
        )
    filters = dataclasses.replace(filters, search=None, matching=())  # never a term
    filters.conditions(actor)  # refuses a bad status or severity before it is kept
    shown = filters.shown()
    user_id = _own(actor)
    now = utcnow()
    t = saved_filters
    with casebook.write() as (conn, events):
        old = conn.execute(
            sa.select(t.c.id).where(t.c.user_id == user_id, t.c.name == name)
        ).first()
        if old is not None:
            conn.execute(
                t.update()
                .where(t.c.id == old.id)
                .values(filters=json.dumps(shown, sort_keys=True), created_at=now)
            )
            new_id = old.id
        else:
            n = conn.execute(sa.select(sa.func.count()).where(t.c.user_id == user_id)).scalar_one()
            if n >= MAX_PER_USER:
                raise CasebookError(
                    f"at most {MAX_PER_USER} saved filters: delete one first",
                    Location(field="name"),
                )
            key = conn.execute(
                t.insert().values(
                    user_id=user_id,
                    name=name,
                    filters=json.dumps(shown, sort_keys=True),
                    created_at=now,
                )
            ).inserted_primary_key
            assert key is not None  # the key of the one row inserted
            new_id = key[0]
        events.append(FilterSaved(actor.username, name, shown))
    return SavedFilter(int(new_id), name, shown, now)


def list_saved(casebook: Casebook, actor: User) -> list[SavedFilter]:
    """The actor's saved filters, by name."""
    if actor.id is None:
        return []
    t = saved_filters
    with casebook.read() as conn:
        rows = conn.execute(sa.select(t).where(t.c.user_id == actor.id).order_by(t.c.name)).all()
    return [SavedFilter(r.id, r.name, json.loads(r.filters), r.created_at) for r in rows]


def get_saved(casebook: Casebook, actor: User, filter_id: int) -> SavedFilter:
    for f in list_saved(casebook, actor):
        if f.id == filter_id:
            return f
    raise NotFoundError(f"no saved filter {filter_id}", Location(field="filter"))


def delete(casebook: Casebook, actor: User, filter_id: int) -> str:
    """Delete one of the actor's own filters; its name."""
    user_id = _own(actor)
    t = saved_filters
    with casebook.write() as (conn, events):
        row = conn.execute(
            sa.select(t.c.name).where(t.c.id == filter_id, t.c.user_id == user_id)
        ).first()
        if row is None:
            raise NotFoundError(f"no saved filter {filter_id}", Location(field="filter"))
        conn.execute(t.delete().where(t.c.id == filter_id))
        events.append(FilterDeleted(actor.username, row.name))
    return str(row.name)


def over_saved(casebook: Casebook, actor: User, name: str | None, given: Filters) -> Filters:
    """``given`` laid over the actor's saved filter ``name`` (a field given wins); ``given``
    alone without a name."""
    if not name:
        return given
    found = [f for f in list_saved(casebook, actor) if f.name == name]
    if not found:
        raise NotFoundError(f"no saved filter named {name!r}", Location(field="saved"))
    base = found[0].as_filters()
    for part in dataclasses.fields(Filters):
        if getattr(given, part.name) in (None, ()):
            setattr(given, part.name, getattr(base, part.name))
    return given
