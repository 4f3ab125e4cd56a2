"""jobs: durable background work and serial-key locks

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lowtato.kit.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_RUNNING = sa.text("status = 'running'")


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("run_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_token", sa.Integer(), nullable=False),
        sa.Column("serial_key", sa.String(length=255), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("rescued_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("owner_id", sa.String(length=40), nullable=True),
        sa.Column("livemode", sa.Boolean(), nullable=True),
        sa.Column("created_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'done', 'failed', 'cancelled')",
            name=op.f("ck_jobs_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("key", name=op.f("uq_jobs_key")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_status_run_at", ["status", "run_at", "id"], unique=False)
        batch_op.create_index("ix_jobs_status_lease", ["status", "lease_expires_at"], unique=False)
        batch_op.create_index(
            "ix_jobs_serial", ["serial_key", "status", "run_at", "id"], unique=False
        )
        batch_op.create_index(
            "uq_jobs_serial_running",
            ["serial_key"],
            unique=True,
            postgresql_where=_RUNNING,
            sqlite_where=_RUNNING,
        )
        batch_op.create_index("ix_jobs_owner", ["owner_id", "livemode", "created_at"], unique=False)

    op.create_table(
        "job_serial_locks",
        sa.Column("serial_key", sa.String(length=255), nullable=False),
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("acquired_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("serial_key", name=op.f("pk_job_serial_locks")),
    )


def downgrade() -> None:
    op.drop_table("job_serial_locks")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_owner")
        batch_op.drop_index("uq_jobs_serial_running")
        batch_op.drop_index("ix_jobs_serial")
        batch_op.drop_index("ix_jobs_status_lease")
        batch_op.drop_index("ix_jobs_status_run_at")
    op.drop_table("jobs")
