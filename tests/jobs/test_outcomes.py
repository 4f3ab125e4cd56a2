"""What a handler's outcome does to its job: done, retry by policy, RetryLater, permanent
failure, max attempts, timeouts, and completing inside the handler's own transaction."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta

import pytest
from tests.jobs.helpers import T0, all_jobs, enqueue, load

from lowtato.jobs import JobContext, PermanentFailure, Registry, RetryLater, RetryPolicy, Worker
from lowtato.jobs import queue as job_queue
from lowtato.kit import clock
from lowtato.kit.clock import FrozenClock
from lowtato.kit.db import Database


async def test_due_job_runs_and_future_job_waits(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    seen: list[JobContext] = []

    @registry.register("work")
    async def work(ctx: JobContext) -> None:
        seen.append(ctx)

    await enqueue(db, "work", "work:now", payload={"n": 1})
    await enqueue(db, "work", "work:later", run_at=T0 + timedelta(hours=1))
    await enqueue(db, "unknown", "unknown:1")  # no handler here: never claimed

    worker = Worker(db, registry)
    assert await worker.run_once() == 1
    [ctx] = seen
    assert (ctx.key, ctx.kind, ctx.payload, ctx.attempt, ctx.rescued) == (
        "work:now",
        "work",
        {"n": 1},
        1,
        False,
    )
    assert ctx.lease_token == 1
    done = await load(db, "work:now")
    assert (done.status, done.attempts, done.finished_at, done.lease_owner) == ("done", 1, T0, None)
    assert (await load(db, "work:later")).status == "pending"

    frozen.advance(timedelta(minutes=59, seconds=59))
    assert await worker.run_once() == 0
    frozen.advance(1)
    assert await worker.run_once() == 1
    assert [c.key for c in seen] == ["work:now", "work:later"]
    assert (await load(db, "unknown:1")).status == "pending"


async def test_failures_retry_on_the_policy_schedule_until_max_attempts(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    attempts: list[tuple[int, datetime]] = []

    @registry.register(
        "flaky", retry=RetryPolicy(base=10, factor=2, max_delay=25, jitter=0), max_attempts=4
    )
    async def flaky(ctx: JobContext) -> None:
        attempts.append((ctx.attempt, clock.now()))
        raise ValueError(f"boom {ctx.attempt}")

    await enqueue(db, "flaky", "flaky:1")
    worker = Worker(db, registry)
    assert await worker.run_once() == 1
    row = await load(db, "flaky:1")
    assert (row.status, row.attempts, row.run_at, row.last_error) == (
        "pending",
        1,
        T0 + timedelta(seconds=10),
        "ValueError: boom 1",
    )

    frozen.advance(9.9)
    assert await worker.run_once() == 0  # not due yet
    for at in (10, 30, 55):  # delays 10, 20, then 40 capped at 25
        frozen.set(T0 + timedelta(seconds=at))
        assert await worker.run_once() == 1

    assert attempts == [
        (n, T0 + timedelta(seconds=s)) for n, s in ((1, 0), (2, 10), (3, 30), (4, 55))
    ]
    row = await load(db, "flaky:1")
    assert (row.status, row.attempts, row.last_error, row.finished_at) == (
        "failed",
        4,
        "ValueError: boom 4",
        T0 + timedelta(seconds=55),
    )
    frozen.advance(timedelta(days=1))
    assert await worker.run_once() == 0  # failed is final


def test_retry_policy_jitter_stays_within_bounds() -> None:
    policy = RetryPolicy(base=10, factor=3, max_delay=100, jitter=0.2)
    rng = random.Random(7)
    delays = [policy.delay(2, rng) for _ in range(500)]
    assert all(24 <= d <= 36 for d in delays)
    assert max(delays) - min(delays) > 5  # actually spread
    assert all(policy.delay(9, rng) <= 100 for _ in range(100))
    with pytest.raises(ValueError, match="invalid retry policy"):
        RetryPolicy(factor=0.5)


async def test_retry_later_honours_the_given_time(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    reset = T0 + timedelta(minutes=15)
    runs: list[datetime] = []

    @registry.register("limited", max_attempts=3)
    async def limited(ctx: JobContext) -> None:
        runs.append(clock.now())
        if ctx.attempt == 1:
            raise RetryLater(reset, "rate limited until the platform's reset")
        if ctx.attempt == 2:
            raise RetryLater(45, "try again in 45 s")

    await enqueue(db, "limited", "limited:1")
    worker = Worker(db, registry)
    assert await worker.run_once() == 1
    row = await load(db, "limited:1")
    assert (row.status, row.run_at, row.last_error) == (
        "pending",
        reset,
        "rate limited until the platform's reset",
    )
    frozen.set(reset - timedelta(seconds=1))
    assert await worker.run_once() == 0
    frozen.set(reset)
    assert await worker.run_once() == 1
    assert (await load(db, "limited:1")).run_at == reset + timedelta(seconds=45)
    frozen.set(reset + timedelta(seconds=45))
    assert await worker.run_once() == 1
    assert runs == [T0, reset, reset + timedelta(seconds=45)]
    row = await load(db, "limited:1")
    assert (row.status, row.attempts) == ("done", 3)


async def test_retry_later_counts_attempts_so_it_cannot_loop_forever(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    @registry.register("stubborn", max_attempts=2)
    async def stubborn(ctx: JobContext) -> None:
        raise RetryLater(0, "still rate limited")

    await enqueue(db, "stubborn", "stubborn:1")
    assert await Worker(db, registry).run_once() == 2  # immediate retry, then out of attempts
    row = await load(db, "stubborn:1")
    assert (row.status, row.attempts) == ("failed", 2)
    assert row.last_error == "out of attempts (2); last: still rate limited"


async def test_permanent_failure_fails_at_once(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    @registry.register("doomed", max_attempts=5)
    async def doomed(ctx: JobContext) -> None:
        raise PermanentFailure("account disconnected")

    await enqueue(db, "doomed", "doomed:1")
    worker = Worker(db, registry)
    assert await worker.run_once() == 1
    row = await load(db, "doomed:1")
    assert (row.status, row.attempts, row.last_error, row.finished_at) == (
        "failed",
        1,
        "account disconnected",
        T0,
    )
    frozen.advance(timedelta(days=1))
    assert await worker.run_once() == 0


async def test_enqueue_max_attempts_overrides_the_kind(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    @registry.register("flaky", retry=RetryPolicy(base=0, jitter=0), max_attempts=5)
    async def flaky(ctx: JobContext) -> None:
        raise RuntimeError("nope")

    await enqueue(db, "flaky", "flaky:1", max_attempts=2)
    assert await Worker(db, registry).run_once() == 2
    assert (await load(db, "flaky:1")).status == "failed"


async def test_a_handler_over_its_timeout_is_retried(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    @registry.register("slow", timeout=0.05, retry=RetryPolicy(base=60, jitter=0))
    async def slow(ctx: JobContext) -> None:
        await asyncio.sleep(10)

    await enqueue(db, "slow", "slow:1")
    assert await Worker(db, registry).run_once() == 1
    row = await load(db, "slow:1")
    assert (row.status, row.last_error, row.run_at) == (
        "pending",
        "TimeoutError",
        T0 + timedelta(seconds=60),
    )


async def test_fenced_done_commits_side_effects_and_completion_together(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    @registry.register("chain", retry=RetryPolicy(base=0, jitter=0), max_attempts=2)
    async def chain(ctx: JobContext) -> None:
        async with ctx.fenced(done=True) as session:
            await job_queue.enqueue(session, kind="next", key=f"next:{ctx.attempt}")
            if ctx.attempt == 1:
                raise ValueError("fails before commit")

    await enqueue(db, "chain", "chain:1")
    assert await Worker(db, registry).run_once() == 2
    assert [(j.key, j.status, j.attempts) for j in await all_jobs(db)] == [
        ("chain:1", "done", 2),
        ("next:2", "pending", 0),  # attempt 1's write rolled back with its failure
    ]
