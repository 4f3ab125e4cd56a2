"""The worker: claim due jobs under a lease, run their handlers, record the outcome.

One loop per ``Worker``: rescue expired leases, enqueue periodic ticks, claim as many due jobs
as there are free slots (``concurrency``), run each in its own task, then sleep until woken
(a commit that enqueued a job, a finished job freeing a slot) or until the next job is due,
at most ``poll_interval``. A heartbeat task extends the leases of running jobs every third of
``lease_seconds`` and cancels any handler whose lease was taken over. Every time comes from
``lowtato.kit.clock`` so tests drive it with a ``FrozenClock`` through ``run_once``.

Shutdown (``stop``) stops claiming, gives running handlers ``grace`` seconds, then cancels the
rest and releases their jobs: pending again, attempt not counted, marked rescued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from lowtato.jobs import leases, notify, queue
from lowtato.jobs.group import GroupCommit
from lowtato.jobs.leases import JobContext, LeaseLost
from lowtato.jobs.models import JobStatus
from lowtato.jobs.registry import PermanentFailure, Registration, Registry, RetryLater
from lowtato.kit import clock, logs
from lowtato.kit.db import Database

log = logging.getLogger(__name__)

_STOP = "stop"
_LEASE_LOST = "lease lost"
_ERROR_LIMIT = 2000


def _default_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:_ERROR_LIMIT]


@dataclass(eq=False)
class _Running:
    ctx: JobContext
    task: asyncio.Task[None]
    cancel_reason: str | None = None


class Worker:
    """Runs jobs of the kinds in ``registry`` from ``db``.

    ``run()`` until ``stop()``; or ``run_once()`` to run everything due now and return (tests,
    one-shot CLI use). Several workers, in one process or many, may share a database.
    """

    def __init__(
        self,
        db: Database,
        registry: Registry,
        *,
        worker_id: str | None = None,
        concurrency: int = 8,
        lease_seconds: float = 60.0,
        poll_interval: float = 1.0,
        batch: int | None = None,
        rescue_interval: float | None = None,
    ) -> None:
        if concurrency < 1 or lease_seconds <= 0 or poll_interval <= 0:
            msg = "concurrency, lease_seconds and poll_interval must be positive"
            raise ValueError(msg)
        self.db = db
        self.registry = registry
        self.worker_id = worker_id or _default_worker_id()
        self.concurrency = concurrency
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval
        self.batch = batch or concurrency
        self.rescue_interval = rescue_interval or max(0.5, lease_seconds / 4)
        # Set once run() listens for wake-ups and finished its first claim.
        self.ready = asyncio.Event()
        self._wake = asyncio.Event()
        self._finished = asyncio.Event()
        self._running: dict[tuple[str, int], _Running] = {}
        self._stopping = False
        self._active = False
        self._grace = 30.0
        self._last_rescue: float | None = None
        self._ticks: dict[str, datetime] = {}
        # Jobs finishing together share their closing transaction (JobContext.settle).
        self.group = GroupCommit(db)

    async def claim(self, limit: int) -> list[JobContext]:
        """Claim up to ``limit`` due jobs for this worker (without running them)."""
        started = time.monotonic()
        rows = await leases.claim(
            self.db,
            worker_id=self.worker_id,
            kinds=self.registry.kinds,
            limit=limit,
            lease_seconds=self.lease_seconds,
        )
        return [
            JobContext(
                id=row.id,
                kind=row.kind,
                key=row.key,
                payload=row.payload,
                attempt=row.attempts,
                max_attempts=self.registry.max_attempts_for(row.kind, row.max_attempts),
                lease_token=row.lease_token,
                rescued=row.rescued_at is not None,
                serial_key=row.serial_key,
                worker_id=self.worker_id,
                db=self.db,
                lease_seconds=self.lease_seconds,
                held_until=started + self.lease_seconds,
                group=self.group,
            )
            for row in rows
        ]

    async def execute(self, ctx: JobContext) -> None:
        """Run the handler of a claimed job and record its outcome (fenced).

        Never raises for a handler's failure; a ``LeaseLost`` anywhere means another attempt
        owns the job now, so nothing is written.
        """
        # Runs in the job's own task: these fields mark every line this job logs.
        logs.bind(job_id=ctx.id, job_kind=ctx.kind)
        registration = self.registry.get(ctx.kind)
        if registration is None:  # claim filters on registered kinds; kept for direct callers
            await self._record(ctx, JobStatus.failed, error=f"no handler for kind {ctx.kind!r}")
            return
        log.debug("job %s (%s) attempt %d starting", ctx.key, ctx.kind, ctx.attempt)
        try:
            async with asyncio.timeout(registration.timeout):
                await registration.handler(ctx)
        except asyncio.CancelledError:
            entry = self._running.get((ctx.id, ctx.lease_token))
            if entry is None or entry.cancel_reason != _LEASE_LOST:
                await self._release(ctx)
            raise
        except LeaseLost:
            log.warning("job %s attempt %d lost its lease; result discarded", ctx.key, ctx.attempt)
        except RetryLater as exc:
            await self._retry_later(ctx, exc)
        except PermanentFailure as exc:
            log.warning("job %s failed permanently: %s", ctx.key, exc.reason)
            await self._record(ctx, JobStatus.failed, error=exc.reason[:_ERROR_LIMIT])
        except Exception as exc:
            await self._retry_by_policy(ctx, registration, exc)
        else:
            if not ctx.completed:
                await self._record(ctx, JobStatus.done)
            log.debug("job %s done", ctx.key)

    async def _retry_later(self, ctx: JobContext, exc: RetryLater) -> None:
        if exc.counts and ctx.attempt >= ctx.max_attempts:
            error = f"out of attempts ({ctx.attempt}); last: {exc.reason}"
            log.warning("job %s failed: %s", ctx.key, error)
            await self._record(ctx, JobStatus.failed, error=error[:_ERROR_LIMIT])
            return
        at = exc.after
        if not isinstance(at, datetime):
            at = clock.now() + timedelta(seconds=max(0.0, at))
        log.info("job %s retries at %s: %s", ctx.key, clock.iso(at), exc.reason)
        await self._record(
            ctx,
            JobStatus.pending,
            error=exc.reason[:_ERROR_LIMIT],
            run_at=at,
            uncount=not exc.counts,
        )

    async def _retry_by_policy(
        self, ctx: JobContext, registration: Registration, exc: Exception
    ) -> None:
        error = _describe(exc)
        if ctx.completed:  # the job committed as done before the handler raised
            log.warning("job %s raised after completing: %s", ctx.key, error)
            return
        if ctx.attempt >= ctx.max_attempts:
            log.warning("job %s failed after %d attempts: %s", ctx.key, ctx.attempt, error)
            await self._record(ctx, JobStatus.failed, error=error)
            return
        delay = registration.retry.delay(ctx.attempt)
        log.warning(
            "job %s attempt %d failed (%s); retry in %.1fs",
            ctx.key,
            ctx.attempt,
            error,
            delay,
            exc_info=exc,
        )
        at = clock.now() + timedelta(seconds=delay)
        await self._record(ctx, JobStatus.pending, error=error, run_at=at)

    async def _record(
        self,
        ctx: JobContext,
        status: JobStatus,
        *,
        error: str | None = None,
        run_at: datetime | None = None,
        uncount: bool = False,
    ) -> None:
        try:
            await leases.record_attempt(
                self.db, ctx, status, error=error, run_at=run_at, uncount=uncount
            )
        except LeaseLost:
            log.warning(
                "job %s attempt %d: lease lost, outcome %s discarded",
                ctx.key,
                ctx.attempt,
                status.value,
            )
        except Exception:
            # The lease will expire and the rescuer will hand the job out again, marked rescued.
            log.exception("job %s: could not record outcome %s", ctx.key, status.value)

    async def _release(self, ctx: JobContext) -> None:
        try:
            await leases.requeue_stopped(self.db, ctx, "worker shut down mid-run")
            log.info("job %s released at shutdown", ctx.key)
        except LeaseLost:
            pass
        except Exception:
            log.exception("job %s: could not release it; its lease will expire", ctx.key)

    async def run_once(self) -> int:
        """Rescue, enqueue periodic ticks, then run every job due now; returns how many ran.

        Claims in rounds of ``min(concurrency, batch)`` until nothing due is left, so jobs
        unblocked by earlier ones (the next job of a serial key) run too. Terminates because
        every run counts an attempt. Not for use while ``run()`` is running.
        """
        if self._active:
            msg = "run_once() while run() is running"
            raise RuntimeError(msg)
        await self._maintain(force=True)
        heartbeat = asyncio.create_task(self._heartbeat_loop(), name="lowtato-jobs-heartbeat")
        total = 0
        try:
            while True:
                contexts = await self.claim(min(self.concurrency, self.batch))
                if not contexts:
                    return total
                for ctx in contexts:
                    self._spawn(ctx)
                await asyncio.gather(*(entry.task for entry in list(self._running.values())))
                total += len(contexts)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def run(self) -> None:
        """Run until ``stop()`` (or cancellation, which releases running jobs at once).

        A worker runs once: after ``stop()`` (even one that came before ``run()`` got going)
        ``run()`` returns at once; make a new ``Worker`` to start again.
        """
        if self._active:
            msg = "this worker is already running"
            raise RuntimeError(msg)
        self._active = True
        self._finished.clear()
        listener: notify.PgListener | None = None
        heartbeat = asyncio.create_task(self._heartbeat_loop(), name="lowtato-jobs-heartbeat")
        try:
            with notify.subscribe(self._wake):
                if self.db.engine.dialect.name == "postgresql":
                    listener = notify.PgListener(self.db.url, self._wake)
                    await listener.start()
                log.info(
                    "worker %s started: kinds=%s concurrency=%d",
                    self.worker_id,
                    ",".join(self.registry.kinds),
                    self.concurrency,
                )
                while not self._stopping:
                    self._wake.clear()
                    timeout = await self._iteration()
                    self.ready.set()
                    if timeout > 0 and not self._stopping:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._wake.wait(), timeout)
            await self._drain(self._grace)
        finally:
            if listener is not None:
                await listener.close()
            if self._running:  # cancelled from outside: give everything back now
                await self._drain(0)
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            self._active = False
            self._finished.set()
            log.info("worker %s stopped", self.worker_id)

    async def stop(self, grace: float = 30.0) -> None:
        """Stop claiming; wait up to ``grace`` seconds for running jobs, release the rest."""
        self._grace = grace
        self._stopping = True
        self._wake.set()
        if self._active:
            await self._finished.wait()
        else:
            await self._drain(grace)

    async def _iteration(self) -> float:
        """One pass of the loop; returns how long to sleep unless woken."""
        try:
            await self._maintain(force=False)
            free = self.concurrency - len(self._running)
            if free <= 0:
                return self.poll_interval  # a finishing job wakes us
            limit = min(free, self.batch)
            contexts = await self.claim(limit)
            for ctx in contexts:
                self._spawn(ctx)
            if len(contexts) == limit:
                return 0  # there may be more due right now
            due = await leases.next_due(self.db, kinds=self.registry.kinds)
        except Exception:
            log.exception("worker %s: loop iteration failed; retrying", self.worker_id)
            return self.poll_interval
        if due is None:
            return self.poll_interval
        until = (due - clock.now()).total_seconds()
        return min(self.poll_interval, max(until, 0.01))

    def _spawn(self, ctx: JobContext) -> None:
        key = (ctx.id, ctx.lease_token)
        task = asyncio.create_task(self.execute(ctx), name=f"job:{ctx.key}")
        self._running[key] = _Running(ctx, task)

        def finished(_task: asyncio.Task[None]) -> None:
            self._running.pop(key, None)
            self._wake.set()  # a free slot, and maybe the next job of a serial key

        task.add_done_callback(finished)

    async def _drain(self, grace: float) -> None:
        entries = list(self._running.values())
        if not entries:
            return
        tasks = [entry.task for entry in entries]
        if grace > 0:
            await asyncio.wait(tasks, timeout=grace)
        for entry in entries:
            if not entry.task.done():
                entry.cancel_reason = _STOP
                entry.task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _heartbeat_loop(self) -> None:
        interval = self.lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            held = {
                entry.ctx.id: entry.ctx.lease_token
                for entry in self._running.values()
                if entry.cancel_reason is None
            }
            started = time.monotonic()
            try:
                lost = await leases.extend(
                    self.db,
                    worker_id=self.worker_id,
                    held=held,
                    lease_seconds=self.lease_seconds,
                )
            except Exception:
                log.exception("worker %s: heartbeat failed", self.worker_id)
                continue
            for running in self._running.values():
                if running.ctx.id in held and running.ctx.id not in lost:
                    running.ctx.held_until = started + self.lease_seconds
            for job_id in lost:
                entry = self._running.get((job_id, held[job_id]))
                if entry is None or entry.task.done() or entry.ctx.completed:
                    continue  # it finished between the snapshot and the update
                log.warning("job %s: lease taken over; cancelling its handler", entry.ctx.key)
                entry.cancel_reason = _LEASE_LOST
                entry.task.cancel()

    async def _maintain(self, *, force: bool) -> None:
        """Rescue expired leases (every ``rescue_interval``) and enqueue periodic ticks."""
        now = asyncio.get_running_loop().time()
        if force or self._last_rescue is None or now - self._last_rescue >= self.rescue_interval:
            self._last_rescue = now
            await leases.rescue(
                self.db,
                kinds=self.registry.kinds,
                max_attempts_for=self.registry.max_attempts_for,
            )
        await self._enqueue_periodic()

    async def _enqueue_periodic(self) -> None:
        now = clock.now()
        for schedule in self.registry.schedules:
            if self.registry.get(schedule.kind) is None:
                continue  # nothing here could run it
            tick = schedule.tick(now)
            if self._ticks.get(schedule.kind) == tick:
                continue
            async with self.db.transaction() as session:
                await queue.enqueue_if_absent(
                    session,
                    kind=schedule.kind,
                    key=f"{schedule.kind}@{clock.iso(tick)}",
                    run_at=tick,
                )
            self._ticks[schedule.kind] = tick
