"""The casebook: procuratorates (with the shipped Inner Mongolia tree), users, model runs, clues,
their events, cases and the audit chain.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _seed_procuratorates() -> list[dict[str, object]]:
    from lexradar.normalize import region_code as rc

    rows: list[dict[str, object]] = []
    for region in sorted(rc.regions().values(), key=lambda r: r.code):
        if not region.is_current or region.level == "county":
            continue
        prefix = "" if region.level == "province" else rc.name(region.parent or "")
        rows.append(
            {
                "code": region.code,
                "name": prefix + region.name + "人民检察院",
                "level": region.level,
                "parent_code": region.parent if region.level == "city" else None,
            }
        )
    for county in rc.current_counties("15"):
        city = county.parent or ""
        rows.append(
            {
                "code": county.code,
                "name": rc.name(city) + county.name + "人民检察院",
                "level": "county",
                "parent_code": city,
            }
        )
    return rows


def upgrade() -> None:
    procuratorates = op.create_table(
        "procuratorates",
        sa.Column("code", sa.String(6), primary_key=True, comment="GB/T 2260 code of its region"),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("parent_code", sa.String(6), sa.ForeignKey("procuratorates.code")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column(
            "procuratorate_code",
            sa.String(6),
            sa.ForeignKey("procuratorates.code"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'model_builder', 'handler', 'leader')", name="ck_users_role"
        ),
    )
    op.create_table(
        "model_runs",
        sa.Column("run_id", sa.String(32), primary_key=True),
        sa.Column("model_id", sa.String(100), nullable=False),
        sa.Column("model_version", sa.Integer, nullable=False),
        sa.Column("parameters", sa.Text, nullable=False, server_default="{}"),
        sa.Column("engine", sa.String(20), nullable=False, server_default=""),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("clues", sa.Integer, nullable=False),
        sa.Column("seconds", sa.Float),
        sa.Column("loaded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "clues",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("model_id", sa.String(100), nullable=False),
        sa.Column("model_version", sa.Integer, nullable=False),
        sa.Column("domain", sa.String(20), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column(
            "procuratorate_code",
            sa.String(6),
            sa.ForeignKey("procuratorates.code"),
            nullable=False,
        ),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("person_ids", sa.Text, nullable=False),
        sa.Column("record_refs", sa.Text, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("explanation_en", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("evidence_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("dismiss_reason", sa.String(30)),
        sa.Column("assignee_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("first_seen", sa.DateTime, nullable=False),
        sa.Column("first_month", sa.String(7), nullable=False, comment="YYYY-MM of first_seen"),
        sa.Column("last_seen", sa.DateTime, nullable=False),
        sa.Column("times_seen", sa.Integer, nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_clues_scope_status", "clues", ["procuratorate_code", "status"])
    op.create_index(
        "ix_clues_month_model", "clues", ["first_month", "model_id", "procuratorate_code"]
    )
    op.create_table(
        "clue_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("clue_id", sa.Integer, sa.ForeignKey("clues.id"), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20), comment="empty for a note"),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("reason", sa.String(30)),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_clue_events_clue_id", "clue_events", ["clue_id"])
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("domain", sa.String(20), nullable=False),
        sa.Column(
            "procuratorate_code",
            sa.String(6),
            sa.ForeignKey("procuratorates.code"),
            nullable=False,
        ),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("opened_month", sa.String(7), nullable=False),
        sa.Column("closed_on", sa.Date),
        sa.Column("outcome", sa.String(40)),
        sa.Column("funds_recovered", sa.Numeric(16, 2), nullable=False, server_default="0"),
        sa.Column("model_id", sa.String(100), comment="model of its first clue"),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_cases_month", "cases", ["opened_month", "procuratorate_code"])
    op.create_table(
        "case_clues",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("clue_id", sa.Integer, sa.ForeignKey("clues.id"), primary_key=True),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False, comment="ISO-8601 UTC, as hashed"),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, comment="canonical JSON, as hashed"),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(procuratorates, _seed_procuratorates())


def downgrade() -> None:
    for name in (
        "audit_log",
        "case_clues",
        "cases",
        "clue_events",
        "clues",
        "model_runs",
        "users",
        "procuratorates",
    ):
        op.drop_table(name)
