"""Running counts of clues per month first seen, model, domain and procuratorate, by state.

Statistics read these counts instead of scanning every clue (a million clues fold into a few
ten thousand rows). Every change of a clue's state adds its deltas with :func:`count`;
:meth:`Casebook.write` applies them with :func:`flush` at the end of the same transaction,
after every clue row it touched, and in key order — so the counts commit or roll back with the
change, and two transactions never wait on each other's counts in opposite orders.
``tests/clues`` checks them against a ``GROUP BY`` over the clues.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lexradar.clues.sql import executemany, upsert
from lexradar.clues.tables import STATES, clue_tallies, clues

Key = tuple[str, str, str, str]
_PENDING = "lexradar_tallies"


def key_of(clue: Any) -> Key:
    """The tally key of a clue row (or of a new clue's values)."""
    get: Callable[[str], Any] = clue.get if isinstance(clue, dict) else clue._mapping.get
    return (get("first_month"), get("model_id"), get("domain"), get("procuratorate_code"))


def count(conn: Connection, clue: Any, status: str, delta: int) -> None:
    """Add ``delta`` clues in ``status`` to the clue's key when the transaction ends."""
    pending: Counter[tuple[Key, str]] = conn.info.setdefault(_PENDING, Counter())
    pending[key_of(clue), status] += delta


def reset(conn: Connection) -> None:
    """Forget pending deltas (a write starts clean, whatever a failed one left)."""
    conn.info.pop(_PENDING, None)


def flush(conn: Connection) -> None:
    """Apply the pending deltas (called by :meth:`Casebook.write` before it commits)."""
    pending: Counter[tuple[Key, str]] = conn.info.pop(_PENDING, Counter())
    rows: dict[Key, dict[str, Any]] = {}
    for (key, status), n in sorted(pending.items()):
        if n:
            row = rows.setdefault(
                key,
                {
                    "first_month": key[0],
                    "model_id": key[1],
                    "domain": key[2],
                    "procuratorate_code": key[3],
                    **dict.fromkeys(STATES, 0),
                },
            )
            row[status] += n
    if not rows:
        return
    stmt = upsert(conn, clue_tallies)
    executemany(
        conn,
        stmt.on_conflict_do_update(
            index_elements=["first_month", "model_id", "domain", "procuratorate_code"],
            set_={s: clue_tallies.c[s] + stmt.excluded[s] for s in STATES},
        ),
        [rows[k] for k in sorted(rows)],
    )


def recount(conn: Connection) -> list[tuple[Any, ...]]:
    """The counts as a ``GROUP BY`` over the clues says they are (the reference)."""
    keys = [clues.c.first_month, clues.c.model_id, clues.c.domain, clues.c.procuratorate_code]
    per_state = [sa.func.sum(sa.case((clues.c.status == s, 1), else_=0)) for s in STATES]
    query = sa.select(*keys, *per_state).group_by(*keys)
    return sorted(tuple(r) for r in conn.execute(query))


def stored(conn: Connection) -> list[tuple[Any, ...]]:
    """The running counts, leaving out keys whose every count came back to zero."""
    cols = [
        clue_tallies.c[c]
        for c in ("first_month", "model_id", "domain", "procuratorate_code", *STATES)
    ]
    nonzero = sa.or_(*(clue_tallies.c[s] != 0 for s in STATES))
    return sorted(tuple(r) for r in conn.execute(sa.select(*cols).where(nonzero)))
