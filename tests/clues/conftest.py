"""Casebook fixtures: every test runs on SQLite and on PostgreSQL (STYLE habit 13).

- ``casebook``: a casebook inside one outer transaction that is rolled back after the test,
  on a database migrated once per session (a SQLite file; a PostgreSQL schema of its own per
  test run, so concurrent CI runs do not collide). Tests never see each other's rows.
- ``fresh_url``: a database of its own (a SQLite file; a PostgreSQL schema dropped after the
  test) for tests that need real commits seen by other processes.

Select a backend by test id (``-k sqlite``, ``-k postgresql``). PostgreSQL: ``LEXRADAR_TEST_PG`` or
``postgresql+psycopg://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
import sqlalchemy as sa

from lexradar.clues.access import SYSTEM, User, add_user
from lexradar.clues.db import Casebook
from lexradar.models.run import CLUE_SCHEMA, fingerprint

PG_URL = os.environ.get("LEXRADAR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]
DOMAINS = {"test.model": "civil", "test.other": "criminal"}
PEOPLE = {
    # username: (role, procuratorate)
    "admin": ("admin", "150000"),
    "chifeng_leader": ("leader", "150400"),
    "songshan": ("handler", "150404"),
    "songshan2": ("handler", "150404"),
    "hongshan": ("handler", "150402"),
    "builder": ("model_builder", "150000"),
}


def schema_url(schema: str) -> str:
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


def _new_pg_schema() -> tuple[str, str]:
    name = f"lxr_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(PG_URL)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    except sa.exc.OperationalError as exc:
        if os.environ.get("CI"):  # CI starts PostgreSQL: a missing server is a failure there
            pytest.fail(f"PostgreSQL not reachable at {PG_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    finally:
        engine.dispose()
    return name, schema_url(name)


def _drop_pg_schema(name: str) -> None:
    import shutil

    from lexradar.clues.anchor import default_paths

    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    engine.dispose()
    key, _checkpoints = default_paths(schema_url(name))  # its audit key and checkpoints
    if key is not None:
        shutil.rmtree(key.parent, ignore_errors=True)


def _url(backend: str, folder: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'casebook.db'}", None
    name, url = _new_pg_schema()
    return url, name


def users_of(casebook: Casebook) -> dict[str, User]:
    from lexradar.clues.access import user

    return {name: user(casebook, name) for name in PEOPLE}


@pytest.fixture(scope="session", params=BACKENDS)
def session_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A migrated database with the test users, shared by the tests of one backend."""
    url, schema = _url(request.param, tmp_path_factory.mktemp(f"cb_{request.param}"))
    casebook = Casebook.open(url)
    casebook.init()
    for name, (role, code) in PEOPLE.items():
        add_user(casebook, SYSTEM, name, f"{name}-secret", role, code)
    yield casebook
    casebook.dispose()
    if schema:
        _drop_pg_schema(schema)


@pytest.fixture
def casebook(session_db: Casebook) -> Iterator[Casebook]:
    """A casebook whose every change is rolled back after the test."""
    assert session_db.engine is not None
    conn = session_db.engine.connect()
    outer = conn.begin()
    try:
        yield Casebook.within(conn)
    finally:
        outer.rollback()
        conn.close()


@pytest.fixture
def people(casebook: Casebook) -> dict[str, User]:
    return users_of(casebook)


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated database of this test's own, with the test users."""
    url, schema = _url(request.param, tmp_path)
    casebook = Casebook.open(url)
    casebook.init()
    for name, (role, code) in PEOPLE.items():
        if name in ("admin", "songshan"):
            add_user(casebook, SYSTEM, name, f"{name}-secret", role, code)
    casebook.dispose()
    yield url
    if schema:
        _drop_pg_schema(schema)


def make_clues(
    n: int,
    *,
    model: str = "test.model",
    regions: tuple[str, ...] = ("150404", "150402", "150102"),
    run_id: str = "run1",
    evidence_tag: str = "a",
    start: int = 0,
) -> pa.Table:
    """``n`` synthetic clue candidates (CLUE_SCHEMA), deterministic by index."""
    rows: dict[str, list[object]] = {f.name: [] for f in CLUE_SCHEMA}
    for i in range(start, start + n):
        region = regions[i % len(regions)]
        person = f"{region}19900101{i % 10000:04d}"
        rows["fingerprint"].append(fingerprint(model, [i]))
        rows["model_id"].append(model)
        rows["model_version"].append(1)
        rows["run_id"].append(run_id)
        rows["as_of"].append(dt.date(2026, 1, 31))
        rows["person_ids"].append(person)
        rows["record_refs"].append(f"pension_payments:P{i:09d}")
        rows["region_code"].append(region)
        rows["severity"].append("high")
        rows["explanation"].append(f"张三丰({person})死亡后仍领取养老金")
        rows["explanation_en"].append(f"张三丰 ({person}) paid after death")
        rows["evidence"].append(
            f'{{"person_name": "张三丰", "months": 3, "tag": "{evidence_tag}"}}'
        )
    for column in rows.values():  # columns lexradar run added that the casebook does not read
        column.extend([None] * (n - len(column)))
    return pa.table(rows, schema=CLUE_SCHEMA)
