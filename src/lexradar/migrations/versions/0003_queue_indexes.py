"""Indexes for the clue queue: by model, status and severity, and by status and severity.

Both end with the procuratorate code, so the queue's page query (the region scope, a model
and/or a status, sorted by severity or by id) is answered from the index alone.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_clues_model_status_severity",
        "clues",
        ["model_id", "status", "severity", "procuratorate_code"],
    )
    op.create_index(
        "ix_clues_status_severity", "clues", ["status", "severity", "procuratorate_code"]
    )


def downgrade() -> None:
    op.drop_index("ix_clues_status_severity", table_name="clues")
    op.drop_index("ix_clues_model_status_severity", table_name="clues")
