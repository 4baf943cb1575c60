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


QUEUE_INDEXES = {"ix_clues_model_status_severity", "ix_clues_status_severity"}


def test_the_queue_indexes_migrate_down_and_up_again(fresh_url: str) -> None:
    """Migration 0003 adds the queue's indexes; its downgrade removes them (clues kept)."""
    from alembic import command
    from alembic.config import Config

    engine = make_engine(fresh_url)

    def indexes() -> set[str]:
        with engine.connect() as conn:
            return {ix["name"] for ix in sa.inspect(conn).get_indexes("clues")}

    def migrate(step: str, revision: str) -> None:
        with engine.begin() as conn:
            cfg = Config()
            cfg.set_main_option("script_location", "lexradar:migrations")
            cfg.attributes["connection"] = conn
            getattr(command, step)(cfg, revision)

    try:
        assert indexes() >= QUEUE_INDEXES
        migrate("downgrade", "0002")
        assert not QUEUE_INDEXES & indexes()
        assert "ix_clues_scope_status" in indexes()
        migrate("upgrade", "head")
        assert indexes() >= QUEUE_INDEXES
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        engine.dispose()
