"""metric snapshots (what a platform reported about a published post, one row per sync) and
the sync's per-post bookkeeping

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lowtato.kit.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_snapshots",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.String(length=40), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("post_id", sa.String(length=40), nullable=False),
        sa.Column("social_account_id", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("captured_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=True),
        sa.Column("comments", sa.Integer(), nullable=True),
        sa.Column("shares", sa.Integer(), nullable=True),
        sa.Column("impressions", sa.Integer(), nullable=True),
        sa.Column("views", sa.Integer(), nullable=True),
        sa.Column("engagement", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_metric_snapshots_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_metric_snapshots_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["social_account_id"],
            ["social_accounts.id"],
            name=op.f("fk_metric_snapshots_social_account_id_social_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_snapshots")),
    )
    op.create_index(
        "ix_metric_snapshots_owner_time",
        "metric_snapshots",
        ["owner_id", "livemode", "captured_at"],
    )
    op.create_index("ix_metric_snapshots_post_time", "metric_snapshots", ["post_id", "captured_at"])
    op.create_table(
        "metric_syncs",
        sa.Column("post_id", sa.String(length=40), nullable=False),
        sa.Column("attempted_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_metric_syncs_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_metric_syncs")),
    )


def downgrade() -> None:
    op.drop_table("metric_syncs")
    op.drop_index("ix_metric_snapshots_post_time", table_name="metric_snapshots")
    op.drop_index("ix_metric_snapshots_owner_time", table_name="metric_snapshots")
    op.drop_table("metric_snapshots")
