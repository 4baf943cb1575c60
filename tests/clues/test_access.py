"""Region scope as an index range, and clear errors for names and codes already taken."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lexradar.clues.access import (
    SYSTEM,
    DuplicateError,
    User,
    add_procuratorate,
    add_user,
    list_users,
    prefix_after,
    scope,
)
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError, ConflictError
from lexradar.clues.store import load_clues
from lexradar.clues.tables import clues, procuratorates, users
from tests.clues.conftest import DOMAINS, make_clues


@pytest.mark.parametrize(
    ("prefix", "after"),
    [("15", "16"), ("1504", "1505"), ("150404", "150405"), ("1599", "1600"), ("09", "10")],
)
def test_prefix_after_is_the_next_code_of_the_same_length(prefix: str, after: str) -> None:
    assert prefix_after(prefix) == after


def test_an_all_nines_prefix_has_no_upper_bound_and_non_digits_are_refused() -> None:
    assert prefix_after("99") is None
    assert prefix_after("9999") is None
    with pytest.raises(CasebookError, match="digits") as err:
        prefix_after("15%")
    assert err.value.location.field == "procuratorate_code"


def _tree(casebook: Casebook) -> list[str]:
    with casebook.read() as conn:
        return list(conn.execute(sa.select(procuratorates.c.code)).scalars())


def test_scope_selects_what_the_prefix_match_selected_for_every_user_of_the_tree(
    casebook: Casebook,
) -> None:
    """Every procuratorate of the shipped tree as a user (region, cities, counties): the range
    picks exactly the procuratorates and clues that ``LIKE 'prefix%'`` picked."""
    codes = _tree(casebook)
    counties = sorted(c for c in codes if not c.endswith("00"))
    load_clues(casebook, make_clues(2 * len(counties), regions=tuple(counties)), domains=DOMAINS)
    with casebook.read() as conn:
        routed = set(conn.execute(sa.select(clues.c.procuratorate_code).distinct()).scalars())
        assert len(routed) > 90  # clues sit in every county, so every subtree has some
        levels = set()
        for code in codes:
            viewer = User(None, f"u{code}", "leader", code)
            levels.add(len(viewer.prefix))
            pairs = (
                (procuratorates.c.code, procuratorates.c.code),
                (clues.c.procuratorate_code, clues.c.id),
            )
            for column, key in pairs:
                table = column.table
                ranged = set(
                    conn.execute(
                        sa.select(key).select_from(table).where(scope(column, viewer))
                    ).scalars()
                )
                liked = set(
                    conn.execute(
                        sa.select(key).select_from(table).where(column.like(viewer.prefix + "%"))
                    ).scalars()
                )
                assert ranged == liked, (code, table.name)
                assert ranged, (code, table.name)
    assert levels == {2, 4, 6}


def test_scope_is_a_range_that_sqlite_answers_from_an_index(casebook: Casebook) -> None:
    viewer = User(None, "x", "handler", "150404")
    condition = scope(clues.c.procuratorate_code, viewer)
    sql = str(condition.compile(compile_kwargs={"literal_binds": True}))
    assert "LIKE" not in sql.upper()
    assert "'150404'" in sql and "'150405'" in sql
    if casebook.dialect != "sqlite":
        pytest.skip("query plan checked on SQLite")
    query = sa.select(clues.c.id).where(condition)
    with casebook.read() as conn:
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        plan = " ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert "INDEX ix_clues_scope_status (procuratorate_code>? AND procuratorate_code<?)" in plan


def test_list_users_keeps_to_the_subtree(casebook: Casebook, people: dict[str, User]) -> None:
    assert {u.username for u in list_users(casebook, people["chifeng_leader"])} == {
        "chifeng_leader",
        "songshan",
        "songshan2",
        "hongshan",
    }


def test_a_user_name_already_taken_is_a_conflict_naming_it(casebook: Casebook) -> None:
    with pytest.raises(DuplicateError, match="user username 'songshan' already exists") as err:
        add_user(casebook, SYSTEM, "songshan", "another-secret", "handler", "150402")
    assert isinstance(err.value, ConflictError)  # the web answers 409
    assert err.value.location.field == "username" and err.value.value == "songshan"
    # the transaction is still usable and nothing was written
    with casebook.read() as conn:
        rows = conn.execute(sa.select(users).where(users.c.username == "songshan")).all()
    assert [r.procuratorate_code for r in rows] == ["150404"]
    add_user(casebook, SYSTEM, "songshan3", "another-secret", "handler", "150402")


def test_a_procuratorate_code_already_in_the_tree_is_a_conflict_naming_it(
    casebook: Casebook,
) -> None:
    with pytest.raises(DuplicateError, match="procuratorate code '150404' already exists") as err:
        add_procuratorate(casebook, SYSTEM, "150404", "重复的检察院", "150400")
    assert err.value.location.field == "code" and err.value.value == "150404"
    with casebook.read() as conn:
        name = conn.execute(
            sa.select(procuratorates.c.name).where(procuratorates.c.code == "150404")
        ).scalar_one()
    assert name == "赤峰市松山区人民检察院"
    add_procuratorate(casebook, SYSTEM, "150499", "测试检察院", "150400")


def test_a_duplicate_that_slips_past_the_check_is_still_reported_as_one(
    fresh_url: str,
) -> None:
    """Two writers racing for one name: the loser's unique-key error becomes the conflict."""
    first, second = Casebook.open(fresh_url), Casebook.open(fresh_url)
    try:
        assert first.engine is not None
        with first.engine.connect() as conn:
            tx = conn.begin()
            add_user(Casebook.within(conn), SYSTEM, "racer", "secret-1", "handler", "150404")
            # the check of the second writer cannot see the first one's uncommitted row on
            # PostgreSQL; on SQLite it waits for the lock, so commit first there
            if first.dialect == "sqlite":
                tx.commit()
                with pytest.raises(DuplicateError, match="'racer'"):
                    add_user(second, SYSTEM, "racer", "secret-2", "handler", "150402")
                return
            import threading

            outcome: list[BaseException | None] = []

            def other() -> None:
                try:
                    add_user(second, SYSTEM, "racer", "secret-2", "handler", "150402")
                    outcome.append(None)
                except BaseException as exc:  # reported below
                    outcome.append(exc)

            thread = threading.Thread(target=other)
            thread.start()
            thread.join(1.0)  # it blocks on the unique key until the first commits
            tx.commit()
            thread.join()
        assert isinstance(outcome[0], DuplicateError), outcome
    finally:
        first.dispose()
        second.dispose()
