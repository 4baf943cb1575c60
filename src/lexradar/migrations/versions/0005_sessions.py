"""Server-side sessions of the workbench: the cookie carries only a random id.

A row per session: the keyed hash of the id (never the id itself), the user once logged in,
the session's small data (CSRF token, language), when it started, when it was last used and
when it ends at the latest. Logging out deletes the row, so the old cookie no longer works; an
admin revoking a user's sessions deletes theirs (see ``lexradar.clues.sessions``).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column(
            "id_hash",
            sa.String(64),
            primary_key=True,
            comment="keyed hash of the cookie's id",
        ),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column(
            "data",
            sa.Text,
            nullable=False,
            server_default="{}",
            comment="CSRF token, language",
        ),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False, comment="absolute end of the session"),
        comment="workbench sessions: the cookie carries only a random id; logout deletes the row",
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_index("ix_sessions_last_seen", "sessions", ["last_seen"])


def downgrade() -> None:
    op.drop_index("ix_sessions_last_seen", table_name="sessions")
    op.drop_index("ix_sessions_user_id", table_name="sessions")
    op.drop_table("sessions")
