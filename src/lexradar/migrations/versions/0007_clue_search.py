"""The clue search index and saved queue filters.

``clue_terms``: one row per identifier or name a clue cites, as a keyed hash of its normal form
(``lexradar.clues.terms``), so the queue finds clues by resident ID, name, case or certificate
number without a clear copy of them. Clues already in the casebook are indexed by
``lexradar casebook init`` (the key lives outside the database, so a migration cannot).
``saved_filters``: a user's named sets of queue filters.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clue_terms",
        sa.Column(
            "term",
            sa.String(32),
            primary_key=True,
            comment="keyed hash of kind:normal form",
        ),
        sa.Column("clue_id", sa.Integer, sa.ForeignKey("clues.id"), primary_key=True),
        comment="what each clue cites (IDs, names, case and certificate numbers), as keyed hashes",
    )
    op.create_index("ix_clue_terms_clue_id", "clue_terms", ["clue_id"])
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column(
            "filters",
            sa.Text,
            nullable=False,
            comment="JSON of the queue's filters (no search term)",
        ),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),
    )


def downgrade() -> None:
    op.drop_table("saved_filters")
    op.drop_index("ix_clue_terms_clue_id", table_name="clue_terms")
    op.drop_table("clue_terms")
