"""Job rows: every piece of background work, written in the transaction that caused it.

``jobs`` holds one row per logical job (``key``); ``job_serial_locks`` holds one row per serial
key that currently has a running job, which is how "one account publishes one post at a time"
holds across worker processes (see ``lowtato.jobs.leases``).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base, enum_check


class JobStatus(enum.StrEnum):
    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


_RUNNING = text("status = 'running'")


class Job(Base):
    """One logical job. ``lease_token`` only ever grows: it is the fencing token."""

    __tablename__ = "jobs"
    __table_args__ = (
        enum_check("status", JobStatus),
        # The claim query: pending rows by due time.
        Index("ix_jobs_status_run_at", "status", "run_at", "id"),
        # The rescuer: running rows whose lease has expired.
        Index("ix_jobs_status_lease", "status", "lease_expires_at"),
        # "Is this job the head of its serial queue?" during the claim.
        Index("ix_jobs_serial", "serial_key", "status", "run_at", "id"),
        # The invariant itself, enforced by the database: one running job per serial key.
        # The claim never relies on it (the lock rows arbitrate without errors); it turns a
        # bug into an integrity error instead of a double publish.
        Index(
            "uq_jobs_serial_running",
            "serial_key",
            unique=True,
            postgresql_where=_RUNNING,
            sqlite_where=_RUNNING,
        ),
        Index("ix_jobs_owner", "owner_id", "livemode", "created_at"),
        # The prune: finished rows, oldest first.
        Index("ix_jobs_status_finished", "status", "finished_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    run_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.pending.value)
    # Counted when a worker claims the job; a graceful-shutdown release gives it back.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # NULL: the kind's registered ``max_attempts`` decides.
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]
    lease_token: Mapped[int] = mapped_column(Integer, default=0)
    serial_key: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set when an attempt ended without recording its outcome (lease expired, or a shutdown
    # cancelled the handler): the next attempt must reconcile, not redo, side effects.
    rescued_at: Mapped[datetime | None]
    owner_id: Mapped[str | None] = mapped_column(String(40))
    livemode: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class JobSerialLock(Base):
    """Held by the one running job of a serial key; inserted in the claim transaction."""

    __tablename__ = "job_serial_locks"

    serial_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    job_id: Mapped[str] = mapped_column(String(40))
    acquired_at: Mapped[datetime]
