"""encryption key fingerprint; indexes for housekeeping pruning

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lowtato.kit.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = [
    ("events", "ix_events_created_at", ["created_at"]),
    ("webhook_deliveries", "ix_webhook_deliveries_created_at", ["created_at"]),
    ("webhook_deliveries", "ix_webhook_deliveries_event", ["event_id", "status"]),
    ("idempotency_keys", "ix_idempotency_keys_created_at", ["created_at"]),
    ("oauth_states", "ix_oauth_states_expires_at", ["expires_at"]),
    ("sandbox_posts", "ix_sandbox_posts_created_at", ["created_at"]),
    ("jobs", "ix_jobs_status_finished", ["status", "finished_at"]),
]


def upgrade() -> None:
    op.create_table(
        "encryption_canary",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("created_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encryption_canary")),
    )
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("encryption_canary")
