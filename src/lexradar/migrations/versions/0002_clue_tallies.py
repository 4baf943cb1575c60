"""Running counts of clues for statistics, filled from the clues already there.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


STATES = ("new", "assigned", "verifying", "confirmed", "supervised", "closed", "dismissed")


def upgrade() -> None:
    op.create_table(
        "clue_tallies",
        sa.Column("first_month", sa.String(7), primary_key=True),
        sa.Column("model_id", sa.String(100), primary_key=True),
        sa.Column("domain", sa.String(20), primary_key=True),
        sa.Column("procuratorate_code", sa.String(6), primary_key=True),
        *(sa.Column(state, sa.Integer, nullable=False, server_default="0") for state in STATES),
        comment="clues per month first seen, model, domain and procuratorate, by state (tally.py)",
    )
    per_state = ", ".join(f"sum(CASE WHEN status = '{s}' THEN 1 ELSE 0 END)" for s in STATES)
    op.execute(
        f"INSERT INTO clue_tallies (first_month, model_id, domain, procuratorate_code, "
        f"{', '.join(STATES)}) SELECT first_month, model_id, domain, procuratorate_code, "
        f"{per_state} FROM clues GROUP BY first_month, model_id, domain, procuratorate_code"
    )


def downgrade() -> None:
    op.drop_table("clue_tallies")
