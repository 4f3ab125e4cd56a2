"""post send bookkeeping: when the last send started, how many crash recoveries it took

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lowtato.kit.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(
            sa.Column("send_started_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("recoveries", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("recoveries")
        batch.drop_column("send_started_at")
