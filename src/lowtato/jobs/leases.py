"""Who holds a job: claim, fence, heartbeat, record the outcome, rescue, requeue a stopped job.

A claim sets ``status='running'``, a lease (``lease_owner``, ``lease_expires_at``) and bumps
``lease_token``, all in one transaction. Every later write about that attempt (the handler's
own ``ctx.fenced()`` transactions and the outcome) first re-reads the row under a row lock and
checks that the token is still the one it claimed with, raising ``LeaseLost`` otherwise: the
token is a fencing token (Kleppmann, "How to do distributed locking"), so a worker that stalled
past its lease can never write over a newer attempt.

Serial keys: the claim inserts a ``job_serial_locks`` row per serial key it takes (``ON
CONFLICT DO NOTHING``, in sorted key order so two claimers never wait on each other in a
cycle); a key whose row already exists is skipped. Only the head of each serial queue (the
pending job with the smallest ``(run_at, id)``) is a candidate, so one key's jobs run one at a
time in ``run_at`` order. Every transition out of ``running`` deletes the lock row in the same
transaction. On SQLite every transaction is ``BEGIN IMMEDIATE``, so the claim is also simply
the only writer; on PostgreSQL candidates are locked ``FOR UPDATE SKIP LOCKED`` and the lock
row's primary key is the arbiter between concurrent claimers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import and_, delete, exists, func, or_, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from lowtato.jobs.models import Job, JobSerialLock, JobStatus
from lowtato.kit import clock
from lowtato.kit.db import Database, memo, required_memo
from lowtato.kit.sendwindow import FenceRefused

log = logging.getLogger(__name__)

_RUNNING = JobStatus.running.value
_PENDING = JobStatus.pending.value
_NO_SYNC = {"synchronize_session": False}


class LeaseLost(FenceRefused):
    """This worker no longer holds the job's lease; whatever it was about to write is moot.
    (A send window's fence raises it too: ``LeaseFence``.)"""

    def __init__(self, job_id: str, lease_token: int) -> None:
        super().__init__(f"lease on {job_id} (token {lease_token}) is no longer held")
        self.job_id = job_id
        self.lease_token = lease_token


@dataclass(frozen=True)
class Claimed:
    """A job row as the claim left it (``attempts`` already counts this attempt)."""

    id: str
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int | None
    lease_token: int
    serial_key: str | None
    rescued_at: datetime | None
    run_at: datetime


class Grouper(Protocol):
    """Runs a job's closing fenced transaction, possibly together with other jobs' (group
    commit, ``jobs.group``): same outcome as ``JobContext.fenced``, fewer transactions."""

    async def run(
        self,
        ctx: JobContext,
        work: Callable[[AsyncSession], Awaitable[T]],
        *,
        done: bool,
        key: str,
        prepare: Prepare | None,
    ) -> T: ...


# Called once per group with the keys of its jobs, before their work (e.g. lock their posts).
Prepare = Callable[[AsyncSession, list[str]], Awaitable[None]]
T = TypeVar("T")


@dataclass(eq=False)
class JobContext:
    """What a handler gets: the job, its attempt, and fenced access to the database.

    ``rescued`` is True when an earlier attempt ended without recording its outcome (its
    worker died or was shut down mid-run): side effects of that attempt may or may not have
    happened, so the handler reconciles instead of redoing them.
    """

    id: str
    kind: str
    key: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    lease_token: int
    rescued: bool
    serial_key: str | None
    worker_id: str
    db: Database
    lease_seconds: float
    # By this process's monotonic clock, the latest time the lease is known to hold (set at
    # claim and moved by each heartbeat); see ``kit.sendwindow``.
    held_until: float = float("inf")
    # The worker's group commit; None runs every fenced transaction on its own.
    group: Grouper | None = None
    completed: bool = field(default=False, init=False)

    @asynccontextmanager
    async def fenced(self, *, done: bool = False) -> AsyncIterator[AsyncSession]:
        """A transaction that first proves this attempt still holds the lease.

        Raises ``LeaseLost`` (and writes nothing) if another attempt took over. The row stays
        locked until commit, so no rescuer or claimer can take it in between. With
        ``done=True`` the job is also marked ``done`` in this same transaction: the handler's
        writes and the completion commit together or not at all (exactly-once for database
        side effects), and the worker's own outcome write is skipped.

        Keep it short and never wait on a platform call inside it: the row lock (and, on
        SQLite, the database's single write lock) is held until it ends.
        """
        async with self.db.transaction() as session:
            await lock_lease(session, self.id, self.lease_token)
            yield session
            if done:
                await finish(session, self, JobStatus.done, None)
        if done:
            self.completed = True

    async def settle(
        self,
        work: Callable[[AsyncSession], Awaitable[T]],
        *,
        done: bool,
        key: str = "",
        prepare: Prepare | None = None,
    ) -> T:
        """Run ``work`` in a fenced transaction (``fenced(done=done)``), shared with other
        jobs finishing at the same moment when the worker groups commits. ``work`` must only
        write through its session (it may run again, alone, if its group fails) and should
        not raise for an expected outcome (that sends the whole group back one by one)."""
        if self.group is None:
            async with self.fenced(done=done) as session:
                return await work(session)
        return await self.group.run(self, work, done=done, key=key, prepare=prepare)

    async def heartbeat(self) -> datetime:
        """Extend the lease by ``lease_seconds`` from now; returns the new expiry.

        The worker already heartbeats every running job; call this only from a handler that
        wants to know right away whether it still holds the lease. Raises ``LeaseLost``.
        """
        expires = clock.now() + timedelta(seconds=self.lease_seconds)
        started = time.monotonic()
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Job)
                .where(
                    Job.id == self.id, Job.lease_token == self.lease_token, Job.status == _RUNNING
                )
                .values(lease_expires_at=expires)
                .returning(Job.id)
                .execution_options(**_NO_SYNC)
            )
            if result.scalar_one_or_none() is None:
                raise LeaseLost(self.id, self.lease_token)
        self.held_until = started + self.lease_seconds
        return expires


def _dialect_insert(session: AsyncSession, model: type[Any]) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


async def lock_lease(session: AsyncSession, job_id: str, lease_token: int) -> None:
    """Lock the job row and check the lease is still ``lease_token``'s, else ``LeaseLost``.

    ``FOR UPDATE`` on PostgreSQL; SQLite ignores it because its BEGIN IMMEDIATE transaction
    already excludes every other writer.
    """
    if job_id not in await lock_leases(session, {job_id: lease_token}):
        raise LeaseLost(job_id, lease_token)


async def lock_leases(session: AsyncSession, held: Mapping[str, int]) -> set[str]:
    """``lock_lease`` for many jobs in one statement (id order): the ids whose lease is
    still the given token's. The others are left alone (their attempt lost the lease)."""
    rows = await session.execute(
        select(Job.id, Job.status, Job.lease_token)
        .where(Job.id.in_(sorted(held)))
        .order_by(Job.id)
        .with_for_update()
    )
    return {row.id for row in rows if row.status == _RUNNING and row.lease_token == held[row.id]}


_PROVEN = "jobs.leases.proven"  # memo key: {(job id, lease token): still held}


@dataclass(frozen=True)
class LeaseFence:
    """A publish attempt's send-window fence (``kit.sendwindow``): the job still holds the
    lease ``lease_token`` names (``lock_lease``). The fences of creates accepted together are
    proven in one statement (``prove_together``); the row locks they take last until the
    transaction ends, so an answer kept in its memo stays true for the rest of it."""

    job_id: str
    lease_token: int

    async def __call__(self, session: AsyncSession) -> None:
        found = memo(session)
        proven = found.get(_PROVEN, {}) if found is not None else {}
        held = proven.get((self.job_id, self.lease_token))
        if held is None:
            await lock_lease(session, self.job_id, self.lease_token)
        elif not held:
            raise LeaseLost(self.job_id, self.lease_token)

    async def prove_together(self, session: AsyncSession, fences: Sequence[object]) -> None:
        asked = {f.job_id: f.lease_token for f in fences if isinstance(f, LeaseFence)}
        held = await lock_leases(session, asked)
        proven = required_memo(session, "LeaseFence.prove_together").setdefault(_PROVEN, {})
        # Keyed by token too: a stale attempt's fence (another token) is left to its own call.
        proven.update({(job_id, token): job_id in held for job_id, token in asked.items()})


async def _drop_serial_lock(session: AsyncSession, job_id: str, serial_key: str | None) -> None:
    await _drop_serial_locks(session, [(job_id, serial_key)])


async def _drop_serial_locks(session: AsyncSession, held: Sequence[tuple[str, str | None]]) -> None:
    """Delete the serial-key rows these jobs hold (job id, serial key; None: no key)."""
    keyed = [(job_id, key) for job_id, key in held if key is not None]
    if keyed:
        # Each key's row names the one job holding it, so this deletes exactly theirs.
        await session.execute(
            delete(JobSerialLock)
            .where(
                JobSerialLock.serial_key.in_([key for _, key in keyed]),
                JobSerialLock.job_id.in_([job_id for job_id, _ in keyed]),
            )
            .execution_options(**_NO_SYNC)
        )


async def finish(
    session: AsyncSession, ctx: JobContext, status: JobStatus, error: str | None
) -> None:
    """Mark the leased job ``done`` or ``failed`` (caller already holds the fenced row)."""
    await finish_many(session, [ctx], status, error)


async def finish_many(
    session: AsyncSession, contexts: Sequence[JobContext], status: JobStatus, error: str | None
) -> None:
    """``finish`` for many leased jobs in two statements (caller holds their fenced rows)."""
    if not contexts:
        return
    now = clock.now()
    await session.execute(
        update(Job)
        .where(Job.id.in_([c.id for c in contexts]))
        .values(
            status=status.value,
            last_error=error,
            finished_at=now,
            updated_at=now,
            lease_owner=None,
            lease_expires_at=None,
        )
        .execution_options(**_NO_SYNC)
    )
    await _drop_serial_locks(session, [(c.id, c.serial_key) for c in contexts])


async def record_attempt(
    db: Database,
    ctx: JobContext,
    status: JobStatus,
    *,
    error: str | None = None,
    run_at: datetime | None = None,
    uncount: bool = False,
) -> None:
    """Record an attempt's outcome: ``done``/``failed``, or ``pending`` again at ``run_at``
    (``uncount``: and give the attempt back — the run did nothing).

    Fenced: raises ``LeaseLost`` without changing the row if the lease moved on.
    """
    async with db.transaction() as session:
        await lock_lease(session, ctx.id, ctx.lease_token)
        if status is JobStatus.pending:
            now = clock.now()
            await session.execute(
                update(Job)
                .where(Job.id == ctx.id)
                .values(
                    status=_PENDING,
                    run_at=run_at or now,
                    attempts=Job.attempts - 1 if uncount else Job.attempts,
                    last_error=error,
                    updated_at=now,
                    lease_owner=None,
                    lease_expires_at=None,
                )
                .execution_options(**_NO_SYNC)
            )
            await _drop_serial_lock(session, ctx.id, ctx.serial_key)
        else:
            await finish(session, ctx, status, error)


async def requeue_stopped(db: Database, ctx: JobContext, reason: str) -> None:
    """Give a job back after its handler was stopped (graceful shutdown).

    Pending again now, lease cleared, the attempt not counted; marked rescued because the
    stopped handler may have been half-way through a side effect.
    """
    now = clock.now()
    async with db.transaction() as session:
        await lock_lease(session, ctx.id, ctx.lease_token)
        await session.execute(
            update(Job)
            .where(Job.id == ctx.id)
            .values(
                status=_PENDING,
                attempts=Job.attempts - 1,
                rescued_at=now,
                last_error=reason,
                updated_at=now,
                lease_owner=None,
                lease_expires_at=None,
            )
            .execution_options(**_NO_SYNC)
        )
        await _drop_serial_lock(session, ctx.id, ctx.serial_key)


# The claim must walk ``ix_jobs_status_run_at`` in order and stop at its limit: then it reads
# about as many rows as it claims, whatever the backlog. Statistics lag a burst (posts moved
# to now, a backlog that fell due at once), and on them PostgreSQL estimated one due row and
# chose to read every due job, test each for being its key's head and sort them: 650 ms a
# claim over 100,000 due posts (docs/performance.md). So for this transaction only, plans that
# sort, scan a bitmap or read a whole table are last resorts, and the plan is made once per
# connection (a generic plan: the claim's shape never depends on its parameters' values).
_PIN_CLAIM_PLAN = text(
    "SELECT set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true),"
    " set_config('enable_seqscan', 'off', true),"
    " set_config('plan_cache_mode', 'force_generic_plan', true)"
)


async def claim(
    db: Database,
    *,
    worker_id: str,
    kinds: Iterable[str],
    limit: int,
    lease_seconds: float,
) -> list[Claimed]:
    """Claim up to ``limit`` due pending jobs of ``kinds`` for ``worker_id``, oldest first."""
    kinds = list(kinds)
    if limit <= 0 or not kinds:
        return []
    now = clock.now()
    earlier = aliased(Job)
    # A row comparison, not ``run_at < … OR (run_at = … AND id < …)``: the database bounds its
    # index scan (``ix_jobs_serial``) by it, where the OR form read every pending job of the
    # key for each candidate, so a claim cost grew with the backlog of each account.
    is_head = ~exists().where(
        earlier.serial_key == Job.serial_key,
        earlier.status == _PENDING,
        tuple_(earlier.run_at, earlier.id) < tuple_(Job.run_at, Job.id),
    )
    # ``job_id != Job.id`` (always true: a pending job holds no lock) keeps this a probe of
    # the lock's primary key per candidate. Without it PostgreSQL hashed the whole lock table
    # once per claim, and that table is all dead rows during a burst (one insert and delete
    # per job until vacuum): 1,100 pages read per claim after 50,000 jobs.
    is_free = ~exists().where(
        JobSerialLock.serial_key == Job.serial_key, JobSerialLock.job_id != Job.id
    )
    candidates_stmt = (
        select(Job.id, Job.serial_key)
        .where(
            Job.status == _PENDING,
            Job.run_at <= now,
            Job.kind.in_(kinds),
            or_(Job.serial_key.is_(None), and_(is_head, is_free)),
        )
        .order_by(Job.run_at, Job.id)
        .limit(limit)
        .with_for_update(of=Job, skip_locked=True)
    )
    async with db.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(_PIN_CLAIM_PLAN)
        candidates = (await session.execute(candidates_stmt)).all()
        if not candidates:
            return []
        serial: dict[str, str] = {}
        for job_id, serial_key in candidates:
            if serial_key is not None:
                serial.setdefault(serial_key, job_id)
        taken: set[str] = set()
        if serial:
            rows = [
                {"serial_key": key, "job_id": serial[key], "acquired_at": now}
                for key in sorted(serial)
            ]
            # The rows go as parameters, not ``.values(rows)``: a multi-row VALUES statement
            # has no cache key, so SQLAlchemy compiled it again on every claim.
            insert = (
                _dialect_insert(session, JobSerialLock)
                .on_conflict_do_nothing(index_elements=[JobSerialLock.serial_key])
                .returning(JobSerialLock.serial_key)
            )
            taken = set((await session.scalars(insert, rows)).all())
        chosen = [
            job_id
            for job_id, serial_key in candidates
            if serial_key is None or (serial_key in taken and serial[serial_key] == job_id)
        ]
        if not chosen:
            return []
        result = await session.execute(
            update(Job)
            .where(Job.id.in_(chosen))
            .values(
                status=_RUNNING,
                lease_owner=worker_id,
                lease_expires_at=now + timedelta(seconds=lease_seconds),
                lease_token=Job.lease_token + 1,
                attempts=Job.attempts + 1,
                updated_at=now,
            )
            .returning(
                Job.id,
                Job.kind,
                Job.key,
                Job.payload,
                Job.attempts,
                Job.max_attempts,
                Job.lease_token,
                Job.serial_key,
                Job.rescued_at,
                Job.run_at,
            )
            .execution_options(**_NO_SYNC)
        )
        claimed = [Claimed(**row._asdict()) for row in result]
    claimed.sort(key=lambda c: (c.run_at, c.id))
    return claimed


async def extend(
    db: Database, *, worker_id: str, held: Mapping[str, int], lease_seconds: float
) -> set[str]:
    """Heartbeat: extend every lease in ``held`` (job id → token); returns the ids lost."""
    if not held:
        return set()
    expires = clock.now() + timedelta(seconds=lease_seconds)
    async with db.transaction() as session:
        result = await session.execute(
            update(Job)
            .where(
                or_(
                    *(
                        and_(Job.id == job_id, Job.lease_token == token)
                        for job_id, token in held.items()
                    )
                ),
                Job.lease_owner == worker_id,
                Job.status == _RUNNING,
            )
            .values(lease_expires_at=expires)
            .returning(Job.id, Job.lease_token)
            .execution_options(**_NO_SYNC)
        )
        current = {row.id: row.lease_token for row in result}
    return {job_id for job_id, token in held.items() if current.get(job_id) != token}


async def rescue(
    db: Database,
    *,
    kinds: Iterable[str],
    max_attempts_for: Callable[[str, int | None], int],
    limit: int = 200,
) -> list[tuple[str, str]]:
    """Return expired leases of ``kinds``: pending again, or failed if out of attempts.

    The attempt stays counted (it was counted at the claim) and ``rescued_at`` is set, so the
    next handler knows the previous attempt's outcome is unknown. Returns (key, new status).
    """
    kinds = list(kinds)
    if not kinds:
        return []
    now = clock.now()
    async with db.transaction() as session:
        expired = (
            await session.execute(
                select(
                    Job.id,
                    Job.key,
                    Job.kind,
                    Job.attempts,
                    Job.max_attempts,
                    Job.serial_key,
                    Job.lease_owner,
                )
                .where(Job.status == _RUNNING, Job.lease_expires_at < now, Job.kind.in_(kinds))
                .order_by(Job.lease_expires_at)
                .limit(limit)
                .with_for_update(of=Job, skip_locked=True)
            )
        ).all()
        outcome: list[tuple[str, str]] = []
        for row in expired:
            exhausted = row.attempts >= max_attempts_for(row.kind, row.max_attempts)
            status = JobStatus.failed if exhausted else JobStatus.pending
            await session.execute(
                update(Job)
                .where(Job.id == row.id)
                .values(
                    status=status.value,
                    rescued_at=now,
                    last_error=f"lease of worker {row.lease_owner} expired mid-run",
                    finished_at=now if exhausted else None,
                    updated_at=now,
                    lease_owner=None,
                    lease_expires_at=None,
                )
                .execution_options(**_NO_SYNC)
            )
            await _drop_serial_lock(session, row.id, row.serial_key)
            outcome.append((row.key, status.value))
        # Every transition out of "running" drops its lock row in the same transaction, so an
        # orphan only comes from hand edits (say, deleting a running job); without this sweep
        # it would block its serial key forever.
        still_running = exists().where(Job.id == JobSerialLock.job_id, Job.status == _RUNNING)
        await session.execute(
            delete(JobSerialLock).where(~still_running).execution_options(**_NO_SYNC)
        )
    for key, new_status in outcome:
        log.warning("rescued job %s from an expired lease: now %s", key, new_status)
    return outcome


async def next_due(db: Database, *, kinds: Iterable[str]) -> datetime | None:
    """The earliest future ``run_at`` among pending jobs of ``kinds`` (for the idle sleep)."""
    kinds = list(kinds)
    if not kinds:
        return None
    async with db.transaction(readonly=True) as session:
        value: datetime | None = (
            await session.execute(
                select(func.min(Job.run_at)).where(
                    Job.status == _PENDING, Job.kind.in_(kinds), Job.run_at > clock.now()
                )
            )
        ).scalar_one()
    return value
