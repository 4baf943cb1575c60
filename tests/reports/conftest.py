"""Report fixtures: a SQLite casebook with figures this year and last (module-scoped)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from lexradar.clues import workflow as wf
from lexradar.clues.access import SYSTEM, User, add_user, user
from lexradar.clues.cases import close_case, open_case
from lexradar.clues.db import Casebook
from lexradar.clues.queries import list_clues
from lexradar.clues.store import load_clues
from tests.clues.conftest import DOMAINS, make_clues

YEAR = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 12, 31)}
MODELS = [("test.model", "production"), ("test.other", "testing"), ("old", "retired")]
COUNTIES = ("150404", "150402")


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Casebook, User]]:
    """A SQLite casebook: two models, two counties, last year and this year, one closed case."""
    folder = tmp_path_factory.mktemp("period")
    book = Casebook.open(f"sqlite:///{folder / 'casebook.db'}")
    book.init()
    add_user(book, SYSTEM, "admin", "admin-secret", "admin", "150000")
    add_user(book, SYSTEM, "songshan", "songshan-secret", "handler", "150404")
    # March 2025: 4 clues; March 2026: 6 of test.model; April 2026: 2 of test.other
    load_clues(book, make_clues(4, regions=COUNTIES), domains=DOMAINS, now=dt.datetime(2025, 3, 5))
    load_clues(
        book,
        make_clues(6, regions=COUNTIES, start=100),
        domains=DOMAINS,
        now=dt.datetime(2026, 3, 9),
    )
    load_clues(
        book,
        make_clues(2, model="test.other", regions=COUNTIES),
        domains=DOMAINS,
        now=dt.datetime(2026, 4, 1),
    )
    handler = user(book, "songshan")
    first, second = (c.id for c in list_clues(book, handler, model_id="test.model")[:2])
    wf.assign(book, handler, first, None, "songshan")
    wf.confirm(book, handler, first, None)
    case = open_case(
        book, handler, "execution_supervision", {first: None}, opened_on=dt.date(2026, 3, 20)
    )
    close_case(book, handler, case, None, "funds_recovered", funds_recovered="5000.50")
    wf.dismiss(book, handler, second, None, "false_positive")
    yield book, user(book, "admin")
    book.dispose()


# the casebook fixtures of tests/clues (SQLite and PostgreSQL, rolled back after each test)
from tests.clues.conftest import casebook, people, session_db  # noqa: E402, F401
