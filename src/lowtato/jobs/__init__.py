"""Durable jobs: rows in the database, written in the caller's transaction, run by workers.

Enqueue inside the transaction that caused the work::

    from lowtato.jobs import queue
    await queue.enqueue(session, kind="publish", key=f"publish:{post.id}",
                        payload={"post_id": post.id}, run_at=post.scheduled_at,
                        serial_key=f"account:{post.account_id}")

Handle it (registered on ``default_registry``, which the workers run)::

    from lowtato.jobs import JobContext, RetryLater, register

    @register("publish", max_attempts=3, timeout=120)
    async def publish(ctx: JobContext) -> None:
        async with ctx.fenced() as session:  # raises LeaseLost if a newer attempt took over
            ...

Module map: ``models`` (rows), ``queue`` (enqueue/reschedule/cancel, never commits),
``registry`` (handlers, retry policies, periodic kinds), ``leases`` (claim, fencing, outcome,
rescue), ``worker`` (the loop), ``notify`` (wake-ups).
"""

from lowtato.jobs.leases import JobContext, LeaseLost
from lowtato.jobs.models import Job, JobSerialLock, JobStatus
from lowtato.jobs.registry import (
    PermanentFailure,
    Registry,
    RetryLater,
    RetryPolicy,
    default_registry,
    install_housekeeping,
    periodic,
    register,
)
from lowtato.jobs.worker import Worker

__all__ = [
    "Job",
    "JobContext",
    "JobSerialLock",
    "JobStatus",
    "LeaseLost",
    "PermanentFailure",
    "Registry",
    "RetryLater",
    "RetryPolicy",
    "Worker",
    "default_registry",
    "install_housekeeping",
    "periodic",
    "register",
]
