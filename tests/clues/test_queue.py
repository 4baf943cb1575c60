"""The clue queue (:func:`lexradar.clues.queries.queue`): filters, sorts, paging and counts,
checked against a plain Python reference over the same rows, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest
import sqlalchemy as sa

from lexradar.clues.access import SYSTEM, User
from lexradar.clues.db import Casebook
from lexradar.clues.errors import CasebookError
from lexradar.clues.queries import SORTS, Filters, model_ids, queue
from lexradar.clues.store import load_clues
from lexradar.clues.tables import clues
from lexradar.clues.workflow import assign
from tests.clues.conftest import DOMAINS, make_clues

RANK = {"high": 0, "medium": 1, "low": 2}
REGIONS = ("150404", "150402", "150102", "150121")


def _with_severity(table: pa.Table, severities: tuple[str, ...]) -> pa.Table:
    column = pa.array([severities[i % len(severities)] for i in range(table.num_rows)])
    return table.set_column(table.schema.get_field_index("severity"), "severity", column)


@pytest.fixture
def loaded(casebook: Casebook, people: dict[str, User]) -> list[Any]:
    """60 clues of two models over four counties of two cities, three severities, half of
    松山区's assigned to its handler (so the queue has more than one status)."""
    one = _with_severity(make_clues(36, regions=REGIONS), ("high", "medium", "low", "low"))
    other = _with_severity(
        make_clues(24, model="test.other", regions=REGIONS, start=1000), ("medium", "high")
    )
    load_clues(casebook, one, domains=DOMAINS)
    load_clues(casebook, other, domains=DOMAINS)
    with casebook.read() as conn:
        ids = list(
            conn.execute(
                sa.select(clues.c.id)
                .where(clues.c.procuratorate_code == "150404")
                .order_by(clues.c.id)
            ).scalars()
        )
    for clue_id in ids[::2]:
        assign(casebook, people["admin"], clue_id, 1, "songshan")
    with casebook.read() as conn:
        return list(conn.execute(sa.select(clues)))


def _reference(rows: list[Any], actor: User, filters: Filters, sort: str) -> list[int]:
    keep = [
        r
        for r in rows
        if r.procuratorate_code.startswith(actor.prefix)
        and (not filters.status or r.status == filters.status)
        and (not filters.model or r.model_id == filters.model)
        and (not filters.severity or r.severity == filters.severity)
        and (
            not filters.procuratorate
            or r.procuratorate_code.startswith(_prefix(filters.procuratorate))
        )
    ]
    keys = {
        "newest": lambda r: (-r.id,),
        "oldest": lambda r: (r.id,),
        "severity": lambda r: (RANK[r.severity], -r.id),
        "model": lambda r: (r.model_id, -r.id),
        "procuratorate": lambda r: (r.procuratorate_code, -r.id),
    }
    return [r.id for r in sorted(keep, key=keys[sort])]


def _prefix(code: str) -> str:
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


CASES = [
    ("admin", Filters(), "newest"),
    ("admin", Filters(status="new", model="test.model"), "severity"),
    ("admin", Filters(status="new", model="test.other"), "severity"),
    ("admin", Filters(model="test.model"), "severity"),
    ("admin", Filters(status="assigned"), "oldest"),
    ("admin", Filters(severity="low"), "newest"),
    ("admin", Filters(procuratorate="150400"), "procuratorate"),
    ("chifeng_leader", Filters(status="new"), "severity"),
    ("chifeng_leader", Filters(model="test.other", severity="high"), "model"),
    ("songshan", Filters(), "severity"),
    ("songshan", Filters(status="new", model="test.model"), "newest"),
]


@pytest.mark.parametrize(("who", "filters", "sort"), CASES)
def test_the_queue_shows_what_the_reference_shows_page_by_page(
    casebook: Casebook,
    people: dict[str, User],
    loaded: list[Any],
    who: str,
    filters: Filters,
    sort: str,
) -> None:
    actor = people[who]
    expected = _reference(loaded, actor, filters, sort)
    assert expected  # every case has clues to show
    seen: list[int] = []
    page = 1
    while True:
        result = queue(casebook, actor, filters, sort=sort, page=page, size=7)
        seen += [c.id for c in result.clues]
        if page >= result.pages:
            break
        page += 1
    assert seen == expected
    assert result.total == len(expected)
    unfiltered = Filters(**{**filters.__dict__, "status": None})
    statuses = [r.status for r in loaded if r.id in _reference(loaded, actor, unfiltered, sort)]
    assert result.counts == {s: statuses.count(s) for s in result.counts}
    assert all("*" in c.person_ids for c in result.clues)  # masked


def test_a_county_handler_never_sees_another_county(
    casebook: Casebook, people: dict[str, User], loaded: list[Any]
) -> None:
    result = queue(casebook, people["hongshan"], Filters(procuratorate="150000"), size=100)
    assert result.total == sum(r.procuratorate_code == "150402" for r in loaded)
    assert {c.procuratorate_code for c in result.clues} == {"150402"}


def test_assignee_and_dates_filter_by_counting_the_clues(
    casebook: Casebook, people: dict[str, User], loaded: list[Any]
) -> None:
    mine = queue(casebook, people["admin"], Filters(assignee_id=people["songshan"].id), size=100)
    assert {c.id for c in mine.clues} == {r.id for r in loaded if r.status == "assigned"}
    today = dt.date.today()
    none = queue(casebook, people["admin"], Filters(seen_to=today - dt.timedelta(days=400)))
    assert none.total == 0 and none.clues == []


@pytest.mark.parametrize(
    ("filters", "sort", "field"),
    [
        (Filters(status="open"), "newest", "status"),
        (Filters(severity="urgent"), "newest", "severity"),
        (Filters(procuratorate="1504"), "newest", "procuratorate"),
        (Filters(), "fastest", "sort"),
    ],
)
def test_bad_queue_input_is_refused_naming_the_field(
    casebook: Casebook, filters: Filters, sort: str, field: str
) -> None:
    with pytest.raises(CasebookError) as err:
        queue(casebook, SYSTEM, filters, sort=sort)
    assert err.value.location.field == field


def test_model_ids_lists_the_models_of_the_subtree(
    casebook: Casebook, people: dict[str, User], loaded: list[Any]
) -> None:
    assert model_ids(casebook, people["songshan"]) == ["test.model", "test.other"]
    assert set(SORTS) >= {"newest", "severity"}


def test_the_queue_pages_are_answered_from_indexes_or_in_id_order(casebook: Casebook) -> None:
    """EXPLAIN QUERY PLAN (SQLite) of the queue's page query: a model and/or status filter
    sorted by severity reads a covering index; a county's newest clues read the scope index;
    the whole region's newest clues walk the table by id and stop at the page (no sort)."""
    if casebook.dialect != "sqlite":
        pytest.skip("query plan checked on SQLite")
    from lexradar.clues.queries import page_query

    region = User(None, "r", "leader", "150000")
    county = User(None, "c", "handler", "150404")
    with casebook.read() as conn:

        def plan(actor: User, filters: Filters, sort: str) -> str:
            query = page_query(actor, filters, sort, 2, 50)
            sql = query.compile(conn, compile_kwargs={"literal_binds": True})
            return " | ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))

        filtered = plan(region, Filters(status="new", model="m"), "severity")
        status = plan(region, Filters(status="new"), "severity")
        mine = plan(county, Filters(), "newest")
        everything = plan(region, Filters(), "newest")
    assert "USING COVERING INDEX ix_clues_model_status_severity" in filtered, filtered
    assert "USING COVERING INDEX ix_clues_status_severity" in status, status
    assert "USING COVERING INDEX ix_clues_scope_status" in mine, mine
    assert everything == "SCAN clues", everything
