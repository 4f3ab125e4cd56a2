"""Durable jobs: rows in the database, written in the caller's transaction, run by workers.

Enqueue inside the transaction that caused the work::

    from lowtato.jobs import queue
    await queue.enqueue(session, kind="publish", key=f"publish:{post.id}",
                        payload={"post_id": post.id}, run_at=post.scheduled_at,
                        serial_key=f"account:{post.account_id}")

Handle it: the domain's ``tasks.install(registry, services)``, called by the composition
(``runtime.build_registry``), registers the handler on the registry the workers run::

    def install(registry: Registry, services: PostServices) -> None:
        async def publish(ctx: JobContext) -> None:
            async with ctx.fenced() as session:  # LeaseLost if a newer attempt took over
                ...

        registry.register("publish", max_attempts=3, timeout=120)(publish)

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
    install_housekeeping,
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
    "install_housekeeping",
]
