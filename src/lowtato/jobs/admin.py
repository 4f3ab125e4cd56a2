"""What an operator does to the queue by hand (``lowtato jobs …``) and what ``/metrics`` reads
from it. Like ``queue``, nothing here commits: the caller's transaction does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.errors import Conflict, NotFound
from lowtato.jobs import queue
from lowtato.jobs.models import Job, JobStatus
from lowtato.kit import clock
from lowtato.kit.metrics import QueueStat

_OPEN = (JobStatus.pending.value, JobStatus.running.value)
_RETRYABLE = (JobStatus.failed.value, JobStatus.cancelled.value, JobStatus.pending.value)


async def list_jobs(
    session: AsyncSession,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> Sequence[Job]:
    """Newest first."""
    stmt = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(Job.status == status)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    return (await session.scalars(stmt)).all()


async def get(session: AsyncSession, job_id: str) -> Job:
    job = await session.get(Job, job_id, populate_existing=True)
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job


async def for_key(session: AsyncSession, key: str) -> Job | None:
    return await queue.get(session, key)


async def retry(session: AsyncSession, job_id: str) -> Job:
    """A failed, cancelled or waiting job runs again now, with its attempts counted afresh.
    A running one is refused (its worker holds it); a done one too (it did its work)."""
    job = await get(session, job_id)
    if job.status not in _RETRYABLE:
        raise Conflict(
            f"job {job_id} is {job.status}; only failed, cancelled or pending jobs can be retried"
        )
    now = clock.now()
    await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(_RETRYABLE))
        .values(status=JobStatus.pending.value, run_at=now, attempts=0, finished_at=None,
                updated_at=now)
    )  # fmt: skip
    await queue.wake(session)
    return await get(session, job_id)


async def cancel(session: AsyncSession, job_id: str) -> Job:
    """A pending job never runs. A running one is refused: its handler may be mid-way through
    a platform call, and stopping it there would leave the outcome unknown."""
    job = await get(session, job_id)
    if not await queue.cancel(session, job.key):
        raise Conflict(f"job {job_id} is {job.status}; only pending jobs can be cancelled")
    return await get(session, job_id)


async def queue_stats(session: AsyncSession) -> list[QueueStat]:
    """Pending and running jobs per kind, and the run-at of the oldest due pending one."""
    now = clock.now()
    stmt = (
        select(Job.kind, Job.status, func.count(), func.min(Job.run_at))
        .where(Job.status.in_(_OPEN))
        .group_by(Job.kind, Job.status)
    )
    stats = []
    for kind, status, count, oldest in (await session.execute(stmt)).all():
        stats.append(QueueStat(kind, status, count, _age(now, oldest)))
    return stats


def _age(now: datetime, oldest: datetime | None) -> float:
    if oldest is None:
        return 0.0
    return max(0.0, (now - oldest).total_seconds())
