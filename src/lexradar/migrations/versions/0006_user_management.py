"""User management: a user's temporary password, when it was last changed, and a version.

``must_change_password`` is set by an admin's password reset: the user's next login goes to the
change-password page and nothing else answers until the password is changed.
``password_changed_at`` is when the user's password was last set; ``version`` is the user's
optimistic lock (an admin's change names the version it read; a stale one is refused). The
``active`` column (0001) is what deactivating clears.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password",
                sa.Boolean,
                nullable=False,
                server_default=sa.false(),
                comment="a temporary password: changed at the next login before anything else",
            )
        )
        batch.add_column(sa.Column("password_changed_at", sa.DateTime, nullable=True))
        batch.add_column(
            sa.Column(
                "version",
                sa.Integer,
                nullable=False,
                server_default="0",
                comment="optimistic lock: every change of the user bumps it",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("version")
        batch.drop_column("password_changed_at")
        batch.drop_column("must_change_password")
