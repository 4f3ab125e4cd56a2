"""Helpers shared by the job tests."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select

from lowtato.jobs import Job, JobSerialLock
from lowtato.jobs import queue as job_queue
from lowtato.kit.db import Database

T0 = datetime(2026, 5, 4, 10, 0, 0, tzinfo=UTC)


async def clear(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(delete(JobSerialLock))
        await session.execute(delete(Job))


async def load(database: Database, key: str) -> Job:
    """The job row as committed (a fresh session, so nothing cached)."""
    async with database.sessionmaker() as session:
        job = await job_queue.get(session, key)
    assert job is not None, f"no job {key}"
    return job


async def all_jobs(database: Database) -> list[Job]:
    async with database.sessionmaker() as session:
        return list((await session.scalars(select(Job).order_by(Job.key))).all())


async def enqueue(database: Database, kind: str, key: str, **kwargs: object) -> Job:
    """Enqueue in a transaction of its own (as an API request would) and commit."""
    async with database.transaction() as session:
        return await job_queue.enqueue(session, kind=kind, key=key, **kwargs)  # type: ignore[arg-type]
