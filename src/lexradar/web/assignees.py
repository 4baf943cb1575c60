"""Who a clue is assigned to, as the pages show it: the login name, marked when the user has
been deactivated (their clues stay assigned to them, :mod:`lexradar.clues.users`); and the
users an assign select offers: active ones only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa

from lexradar.clues.access import User
from lexradar.clues.db import Casebook
from lexradar.clues.tables import users

U = TypeVar("U", bound=User)


@dataclass(frozen=True)
class Assignee:
    """A clue's assignee: login name and whether the account is active."""

    username: str
    active: bool


def assignees_of(casebook: Casebook, ids: Iterable[int | None]) -> dict[int, Assignee]:
    """The assignees with these user ids (``None``: unassigned, skipped). The assignee of a
    clue the user sees may work above the user's subtree (a city handler on a county's
    clue): the name is shown all the same."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    query = sa.select(users.c.id, users.c.username, users.c.active).where(users.c.id.in_(wanted))
    with casebook.read() as conn:
        return {r.id: Assignee(r.username, bool(r.active)) for r in conn.execute(query)}


def active_only(casebook: Casebook, candidates: Sequence[U]) -> list[U]:
    """``candidates`` without the deactivated users: an assign select does not offer them."""
    ids = [u.id for u in candidates if u.id is not None]
    if not ids:
        return list(candidates)
    query = sa.select(users.c.id).where(users.c.id.in_(ids), users.c.active.is_(False))
    with casebook.read() as conn:
        inactive = set(conn.execute(query).scalars())
    return [u for u in candidates if u.id not in inactive]
