"""sources: material extracted in the background for AI generation

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lowtato.kit.db

revision = "0018"
# The brief said "0013"; on this branch 0017 already follows 0013, and two heads would not
# migrate. The merger rechains.
down_revision = "0017"
branch_labels = None
depends_on = None

SOURCE_TYPES = ("article", "youtube", "tiktok", "twitter", "pdf", "text", "audio",
                "perplexity-query")  # fmt: skip
STATUSES = ("queued", "processing", "ready", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.String(length=40), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("source_type", sa.String(length=20), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("custom_instructions", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("extracted_title", sa.Text(), nullable=True),
        sa.Column("extracted_content", sa.Text(), nullable=True),
        sa.Column("raw_content", sa.Text(), nullable=True),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_in("source_type", SOURCE_TYPES), name=op.f("ck_sources_source_type")),
        sa.CheckConstraint(_in("status", STATUSES), name=op.f("ck_sources_status")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_sources_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
    )
    op.create_index(
        "ix_sources_owner", "sources", ["owner_id", "livemode", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_sources_owner", table_name="sources")
    op.drop_table("sources")
