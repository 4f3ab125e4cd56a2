"""connection health: consecutive refresh refusals, and a short claim on an account's refresh

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lowtato.kit.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("social_accounts") as batch:
        batch.add_column(
            sa.Column("refresh_failures", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column(
                "refresh_claimed_until", lowtato.kit.db.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("social_accounts") as batch:
        batch.drop_column("refresh_claimed_until")
        batch.drop_column("refresh_failures")
