"""Enqueue, reschedule and cancel jobs inside the caller's own transaction.

None of these functions commits: the job row is written in the same transaction as the change
that caused it, so either both exist or neither does (no job for a rolled-back post, no post
without its job). Workers are woken once that transaction commits (``lowtato.jobs.notify``).

A job is identified by its ``key`` (one logical job, e.g. ``publish:post_123``); enqueueing the
same key again updates that one row instead of adding a second.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.jobs import notify
from lowtato.jobs.models import Job, JobStatus
from lowtato.kit import clock
from lowtato.kit.ids import new_id


def _insert(session: AsyncSession) -> Any:
    # Both dialects spell upserts the same way (ON CONFLICT … DO UPDATE/NOTHING, RETURNING).
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(Job)
    return sqlite.insert(Job)


async def _wake(session: AsyncSession) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Queued by PostgreSQL and delivered only if and when this transaction commits.
        await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": notify.CHANNEL})
    else:
        notify.wake_after_commit(session)


async def wake(session: AsyncSession) -> None:
    """Wake the workers once this transaction commits (a job made due by hand)."""
    await _wake(session)


def _row(
    *,
    kind: str,
    key: str,
    payload: dict[str, Any],
    run_at: datetime,
    serial_key: str | None,
    max_attempts: int | None,
    owner_id: str | None,
    livemode: bool | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "id": new_id("job"),
        "kind": kind,
        "key": key,
        "payload": payload,
        "run_at": run_at,
        "status": JobStatus.pending.value,
        "attempts": 0,
        "max_attempts": max_attempts,
        "lease_token": 0,
        "serial_key": serial_key,
        "owner_id": owner_id,
        "livemode": livemode,
        "created_at": now,
        "updated_at": now,
    }


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    key: str,
    payload: dict[str, Any] | None = None,
    run_at: datetime | None = None,
    serial_key: str | None = None,
    max_attempts: int | None = None,
    owner_id: str | None = None,
    livemode: bool | None = None,
) -> Job:
    """Create or reset the job ``key`` to run ``kind`` at ``run_at`` (default: now).

    - No job with this key: a new ``pending`` job.
    - An existing ``pending``/``done``/``failed``/``cancelled`` job: reset in place to
      ``pending`` with the new kind, payload, run_at, serial key and max_attempts, attempts 0
      and its error and rescue marks cleared. Its ``lease_token`` keeps growing, so a worker
      still holding an older lease can never write over the new run.
    - An existing ``running`` job: left untouched (the running attempt is not interrupted and
      its payload is not swapped under it) and returned as it is; a caller that needs another
      run after it finishes checks ``job.status`` and enqueues again later or uses another key.

    ``max_attempts=None`` means the kind's registered value. The unique key is the arbiter
    under concurrency: the upsert is one ``INSERT … ON CONFLICT (key) DO UPDATE``.
    """
    now = clock.now()
    when = run_at or now
    payload = payload or {}
    values = _row(
        kind=kind,
        key=key,
        payload=payload,
        run_at=when,
        serial_key=serial_key,
        max_attempts=max_attempts,
        owner_id=owner_id,
        livemode=livemode,
        now=now,
    )
    stmt = _insert(session).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Job.key],
        set_={
            "kind": kind,
            "payload": payload,
            "run_at": when,
            "status": JobStatus.pending.value,
            "attempts": 0,
            "max_attempts": max_attempts,
            "serial_key": serial_key,
            "owner_id": owner_id,
            "livemode": livemode,
            "last_error": None,
            "rescued_at": None,
            "finished_at": None,
            "lease_owner": None,
            "lease_expires_at": None,
            "updated_at": now,
        },
        where=Job.status != JobStatus.running.value,
    ).returning(Job)
    job: Job | None = (
        await session.scalars(stmt, execution_options={"populate_existing": True})
    ).one_or_none()
    if job is None:  # the conflict target is running: leave it alone
        running = await get(session, key)
        if running is None:  # pragma: no cover - a unique key cannot vanish inside the upsert
            msg = f"job {key!r} disappeared during enqueue"
            raise RuntimeError(msg)
        return running
    await _wake(session)
    return job


async def enqueue_if_absent(
    session: AsyncSession,
    *,
    kind: str,
    key: str,
    payload: dict[str, Any] | None = None,
    run_at: datetime | None = None,
    serial_key: str | None = None,
    max_attempts: int | None = None,
) -> bool:
    """Create the job ``key`` unless a job with that key exists in any state; True if created.

    Used for periodic ticks, where N workers race to enqueue the same tick: exactly one insert
    wins (``ON CONFLICT DO NOTHING``) and a finished tick is never reset.
    """
    now = clock.now()
    values = _row(
        kind=kind,
        key=key,
        payload=payload or {},
        run_at=run_at or now,
        serial_key=serial_key,
        max_attempts=max_attempts,
        owner_id=None,
        livemode=None,
        now=now,
    )
    stmt = (
        _insert(session)
        .values(values)
        .on_conflict_do_nothing(index_elements=[Job.key])
        .returning(Job.id)
    )
    created = (await session.execute(stmt)).scalar_one_or_none() is not None
    if created:
        await _wake(session)
    return created


async def get(session: AsyncSession, key: str) -> Job | None:
    """The job with this key, freshly read, or None."""
    stmt = select(Job).where(Job.key == key).execution_options(populate_existing=True)
    return (await session.scalars(stmt)).one_or_none()


async def reschedule(session: AsyncSession, key: str, run_at: datetime) -> bool:
    """Move a ``pending`` job to ``run_at``; False if there is none (running, finished, absent).

    A running job is not moved: it has already started. Rescheduling is an UPDATE of the
    same row, never a second job.
    """
    now = clock.now()
    result = await session.execute(
        update(Job)
        .where(Job.key == key, Job.status == JobStatus.pending.value)
        .values(run_at=run_at, updated_at=now)
        .returning(Job.id)
    )
    moved = result.scalar_one_or_none() is not None
    if moved:
        await _wake(session)
    return moved


async def cancel(session: AsyncSession, key: str) -> bool:
    """Cancel a ``pending`` job; False otherwise.

    A running job is not interrupted (its handler may be mid-way through a platform call):
    the caller sees False and decides, e.g. by checking the result once it finishes.
    """
    now = clock.now()
    result = await session.execute(
        update(Job)
        .where(Job.key == key, Job.status == JobStatus.pending.value)
        .values(status=JobStatus.cancelled.value, finished_at=now, updated_at=now)
        .returning(Job.id)
    )
    return result.scalar_one_or_none() is not None


async def prune(session: AsyncSession, *, older_than: timedelta, limit: int | None = None) -> int:
    """Delete ``done`` and ``cancelled`` jobs finished more than ``older_than`` ago; at most
    ``limit`` of them (the oldest first), so a caller can keep each transaction short.

    Failed jobs are kept: they are what an operator looks at.
    """
    cutoff = clock.now() - older_than
    finished = select(Job.id).where(
        Job.status.in_([JobStatus.done.value, JobStatus.cancelled.value]),
        Job.finished_at < cutoff,
    )
    if limit is not None:
        finished = finished.order_by(Job.finished_at).limit(limit)
    result: CursorResult[Any] = await session.execute(  # type: ignore[assignment]
        delete(Job)
        .where(Job.id.in_(finished.scalar_subquery()))
        # Bulk delete: no need to match the session's objects, which may be many.
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)
