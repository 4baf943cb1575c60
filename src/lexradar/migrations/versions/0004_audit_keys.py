"""The audit chain is signed: how each entry is hashed, with which key, after which checkpoint.

``alg`` is ``hmac-sha256`` for entries signed with the casebook's audit key (a file outside
the database) and ``sha256`` for the unkeyed entries written before this revision, which keep
verifying as they are. ``key_id`` names the key; ``anchor`` is the newest checkpoint when the
entry was appended (see ``lexradar.clues.audit``).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(
            sa.Column(
                "alg",
                sa.String(16),
                nullable=False,
                server_default="sha256",
                comment="hmac-sha256 (keyed); sha256 for entries from before 0004",
            )
        )
        batch.add_column(
            sa.Column(
                "key_id", sa.String(16), nullable=True, comment="id of the key that signed it"
            )
        )
        batch.add_column(
            sa.Column(
                "anchor", sa.Integer, nullable=True, comment="newest checkpoint when appended"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("anchor")
        batch.drop_column("key_id")
        batch.drop_column("alg")
