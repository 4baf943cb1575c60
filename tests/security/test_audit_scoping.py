"""The audit log is region-scoped in the casebook's own SQL (issue 16), on SQLite and on
PostgreSQL: :func:`lexradar.clues.audit.scoped_tail` picks, in one query, the same entries as
the rule written out in Python (:func:`lexradar.clues.access.entry_regions`: an entry belongs
to the procuratorate of the clue, case, user or procuratorate it concerns, else to its actor's,
else to none), for admins at the top, a city and two counties; it stops at ``n``; and the
database reads the log backwards on its primary key and finds each region by key (no sort of
the whole log, no scan of the clues).
"""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from lexradar.clues import audit
from lexradar.clues import workflow as wf
from lexradar.clues.access import SYSTEM, add_user, audit_tail, entry_regions, user
from lexradar.clues.audit import Entry
from lexradar.clues.db import Casebook
from lexradar.clues.queries import list_clues, reveal
from lexradar.clues.store import load_clues
from lexradar.clues.tables import audit_log
from tests.clues.conftest import DOMAINS, fresh_url, make_clues  # noqa: F401 (a fixture)

ADMINS = {"top": "150000", "city": "150400", "county": "150404", "other": "150102"}


def _odd_entries(conn: sa.Connection, clue: int, case: int | None) -> None:
    """Entries whose subject is not what a write path makes: unknown objects, keys that are
    not numbers, a subject in capitals, an actor nobody knows (appended by hand: the chain is
    not what this test is about)."""
    seq = conn.execute(sa.select(sa.func.max(audit_log.c.seq))).scalar_one()
    subjects = [
        (f"clue:{clue}", "nobody"), ("clue:99999999", "songshan"), ("clue:abc", "songshan"),
        ("clue:12345678901", "hongshan"), ("clue:", "hongshan"), (f"CLUE:{clue}", "hongshan"),
        ("user:hongshan", "admin_other"), ("user:nobody", "admin_other"), ("user:", "nobody"),
        ("procuratorate:150402", "nobody"), ("procuratorate:15040x", "songshan"),
        ("procuratorate:1504", "songshan"), ("run:abc", "songshan"), ("run:abc", "nobody"),
        ("", "nobody"), ("clue:1;2", "hongshan"),
    ]  # fmt: skip
    if case is not None:
        subjects += [(f"case:{case}", "nobody"), ("case:424242", "admin_city")]
    for k, (subject, actor) in enumerate(subjects, start=seq + 1):
        conn.execute(
            audit_log.insert().values(
                seq=k, at="2026-12-03T10:00:00+00:00", actor=actor, action="test.odd",
                subject=subject, detail="{}", prev_hash="0" * 64, hash="0" * 64,
            )
        )  # fmt: skip


@pytest.fixture
def casebook(fresh_url: str) -> Casebook:  # noqa: F811
    from lexradar.clues import cases

    cb = Casebook.open(fresh_url)
    for name, code in ADMINS.items():
        add_user(cb, SYSTEM, f"admin_{name}", "admin-secret-1", "admin", code)
    add_user(cb, SYSTEM, "hongshan", "hongshan-secret", "handler", "150402")
    load_clues(cb, make_clues(30), SYSTEM, domains=DOMAINS, batch_size=10)
    admin = user(cb, "admin")
    by_region: dict[str, list[int]] = {}
    for c in list_clues(cb, admin, limit=100):
        by_region.setdefault(c.procuratorate_code, []).append(c.id)
    handler = user(cb, "songshan")
    for clue_id in by_region["150404"][:3]:
        reveal(cb, handler, clue_id, "核对身份")
        wf.assign(cb, admin, clue_id, None, "songshan")
    other = by_region["150102"][0]
    reveal(cb, admin, other, "外地核对")
    wf.assign(cb, admin, other, None, "admin")
    wf.confirm(cb, admin, other, None, "属实")
    case = cases.open_case(cb, admin, "protest", {other: None}, title="抗诉")
    with cb.engine.begin() as conn:  # type: ignore[union-attr]
        _odd_entries(conn, by_region["150402"][0], case)
    yield cb
    cb.dispose()


def _reference(cb: Casebook, prefix: str, root: bool) -> list[Entry]:
    with cb.read() as conn:
        rows = [Entry(**r._mapping) for r in conn.execute(sa.select(audit_log))]
        regions = entry_regions(conn, rows)
    return [
        e
        for e in sorted(rows, key=lambda e: e.seq)
        if (regions[e.seq] is None and root)
        or (regions[e.seq] is not None and regions[e.seq].startswith(prefix))
    ]


def test_the_query_picks_what_the_rule_says(casebook: Casebook) -> None:
    with casebook.read() as conn:
        rows = [Entry(**r._mapping) for r in conn.execute(sa.select(audit_log))]
        python = entry_regions(conn, rows)
        in_sql = dict(
            conn.execute(
                sa.select(audit_log.c.seq, audit.region_of(conn.dialect.name).label("region"))
            ).all()
        )
    assert in_sql == python
    assert {None, "150404", "150402", "150102", "150400", "150000"} <= set(python.values())
    seen = set()
    for name in ADMINS:
        admin = user(casebook, f"admin_{name}")
        want = _reference(casebook, admin.prefix, name == "top")
        got = audit_tail(casebook, admin, 10_000)
        assert [e.seq for e in got] == [e.seq for e in want], name
        assert want, f"{name} reads some entries"
        seen.add(tuple(e.seq for e in got))
        for n in (1, 3, len(want) - 1):  # the newest n, oldest first
            assert [e.seq for e in audit_tail(casebook, admin, n)] == [e.seq for e in want][-n:]
    assert len(seen) == len(ADMINS), "each admin reads a different part of the log"
    county = {e.seq for e in audit_tail(casebook, user(casebook, "admin_county"), 10_000)}
    other = {e.seq for e in audit_tail(casebook, user(casebook, "admin_other"), 10_000)}
    assert not county & other
    reasons = [e.data.get("reason") for e in audit_tail(casebook, user(casebook, "admin_county"))]
    assert "外地核对" not in reasons and "核对身份" in reasons


def test_the_database_reads_by_key(casebook: Casebook) -> None:
    """The plan: the log backwards on its primary key (no sort), each lookup by key."""
    admin = user(casebook, "admin_county")
    with casebook.read() as conn:
        region = audit.region_of(conn.dialect.name)
        query = (
            sa.select(audit_log)
            .where(sa.func.substr(region, 1, len(admin.prefix)) == admin.prefix)
            .order_by(audit_log.c.seq.desc())
            .limit(100)
        )
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table: as if large
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
            assert "Index Scan Backward using audit_log_pkey" in plan, plan
            assert "Sort" not in plan, plan
            for table in ("clues", "cases", "users"):
                assert f"Seq Scan on {table}" not in plan, plan
        else:
            plan = "\n".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            assert "SCAN audit_log" in plan and "TEMP B-TREE" not in plan, plan
            assert "SEARCH clues USING INTEGER PRIMARY KEY" in plan, plan
            assert "SEARCH users USING INDEX" in plan, plan
            assert "SCAN clues" not in plan and "SCAN users" not in plan, plan
    assert list(itertools.islice(audit_tail(casebook, admin, 2), 5))
