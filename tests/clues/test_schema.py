"""Schema and migrations: an empty database upgrades to the tables the code declares."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lexradar.clues.db import Casebook, make_engine
from lexradar.clues.tables import metadata, procuratorates


def test_migration_creates_what_the_tables_declare(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_init_twice_is_harmless_and_ships_the_inner_mongolia_tree(fresh_url: str) -> None:
    casebook = Casebook.open(fresh_url)
    casebook.init()
    with casebook.read() as conn:
        levels = dict(
            conn.execute(
                sa.select(procuratorates.c.level, sa.func.count()).group_by(procuratorates.c.level)
            ).all()
        )
        songshan = conn.execute(
            sa.select(procuratorates).where(procuratorates.c.code == "150404")
        ).one()
    casebook.dispose()
    assert levels["province"] == 1 and levels["city"] == 12 and levels["county"] > 90
    assert songshan.parent_code == "150400" and songshan.name == "赤峰市松山区人民检察院"
