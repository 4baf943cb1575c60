"""Statistics: per model/domain/region/month, the same period last year, scoped to the user."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lexradar.clues import tally
from lexradar.clues import workflow as wf
from lexradar.clues.access import User
from lexradar.clues.cases import close_case, open_case
from lexradar.clues.db import Casebook
from lexradar.clues.errors import PermissionDenied
from lexradar.clues.queries import list_clues
from lexradar.clues.store import load_clues
from lexradar.reports.stats import dismissal_reasons, statistics
from tests.clues.conftest import DOMAINS, make_clues


def _fill(casebook: Casebook, people: dict[str, User]) -> None:
    # March 2025: 6 clues; March 2026: 9 clues of test.model and 3 of test.other
    load_clues(casebook, make_clues(6), domains=DOMAINS, now=dt.datetime(2025, 3, 5))
    load_clues(casebook, make_clues(9, start=100), domains=DOMAINS, now=dt.datetime(2026, 3, 9))
    load_clues(
        casebook, make_clues(3, model="test.other"), domains=DOMAINS, now=dt.datetime(2026, 4, 1)
    )
    handler = people["songshan"]
    march = list_clues(casebook, handler, model_id="test.model")[:2]  # newest: March 2026
    first, second = march[0].id, march[1].id
    wf.assign(casebook, handler, first, None, "songshan")
    wf.confirm(casebook, handler, first, None)
    case = open_case(
        casebook, handler, "execution_supervision", {first: None}, opened_on=dt.date(2026, 3, 20)
    )
    close_case(casebook, handler, case, None, "funds_recovered", funds_recovered="5000")
    wf.dismiss(casebook, handler, second, None, "false_positive")


def test_figures_per_model_with_last_year(casebook: Casebook, people: dict[str, User]) -> None:
    _fill(casebook, people)
    stats = statistics(
        casebook,
        people["admin"],
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
        models=[("a", "production"), ("b", "draft")],
    )
    by_model = {r.key["model"]: r for r in stats.rows}
    model = by_model["test.model"]
    assert (model.now.clues, model.last_year.clues, model.clues_change) == (9, 6, 50.0)
    assert (model.now.cases, model.now.funds, model.now.converted) == (1, Decimal(5000), 1)
    assert model.now.precision == 0.5 and round(model.now.conversion or 0, 3) == 0.111
    assert by_model["test.other"].now.clues == 3 and by_model["test.other"].clues_change is None
    assert stats.total.now.clues == 12 and stats.total.last_year.clues == 6
    assert stats.models == {"production": 1, "under_construction": 1}


def test_region_roll_up_and_months_pair_with_last_year(
    casebook: Casebook, people: dict[str, User]
) -> None:
    _fill(casebook, people)
    admin = people["admin"]
    year = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 12, 31)}
    cities = statistics(casebook, admin, by=("region",), level="city", **year)
    assert {r.key["region"]: r.now.clues for r in cities.rows} == {"150400": 8, "150100": 4}
    counties = statistics(casebook, admin, by=("region", "domain"), level="county", **year)
    keys = {(r.key["region"], r.key["domain"]) for r in counties.rows}
    assert ("150404", "civil") in keys and ("150102", "criminal") in keys
    months = statistics(casebook, admin, by=("month",), **year)
    march = next(r for r in months.rows if r.key["month"] == "2026-03")
    assert (march.now.clues, march.last_year.clues) == (9, 6)


def test_a_county_sees_only_its_own_figures(casebook: Casebook, people: dict[str, User]) -> None:
    _fill(casebook, people)
    year = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 12, 31)}
    mine = statistics(casebook, people["songshan"], by=("region",), level="county", **year)
    assert [r.key["region"] for r in mine.rows] == ["150404"]
    assert mine.total.now.clues == 4 and mine.total.now.funds == Decimal(5000)
    theirs = statistics(casebook, people["hongshan"], **year)
    assert theirs.total.now.cases == 0 and theirs.total.now.clues == 4
    assert dismissal_reasons(casebook, people["songshan"]) == {"test.model": {"false_positive": 1}}
    assert dismissal_reasons(casebook, people["hongshan"]) == {}


def test_the_running_counts_agree_with_a_group_by(
    casebook: Casebook, people: dict[str, User]
) -> None:
    _fill(casebook, people)
    load_clues(casebook, make_clues(6, evidence_tag="b"), domains=DOMAINS)  # reopens nothing
    with casebook.read() as conn:
        assert tally.stored(conn) == tally.recount(conn)
        assert sum(sum(r[4:]) for r in tally.stored(conn)) == 18


def test_a_refused_step_leaves_the_counts_alone(
    casebook: Casebook, people: dict[str, User]
) -> None:
    load_clues(casebook, make_clues(3), domains=DOMAINS)
    (mine,) = list_clues(casebook, people["songshan"])
    (theirs,) = list_clues(casebook, people["hongshan"])
    leader = people["chifeng_leader"]
    with pytest.raises(PermissionDenied):  # the first clue is counted, then all is refused
        wf.bulk_assign(casebook, leader, {mine.id: None, theirs.id: None}, "songshan")
    wf.add_note(casebook, leader, mine.id, "再核查")
    wf.assign(casebook, leader, theirs.id, None, "hongshan")
    with casebook.read() as conn:
        assert tally.stored(conn) == tally.recount(conn)
