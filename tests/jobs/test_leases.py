"""Leases: expired ones are rescued, zombies are fenced off, shutdown releases held jobs."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from tests.jobs.helpers import T0, all_jobs, enqueue, load

from lowtato.jobs import JobContext, JobSerialLock, LeaseLost, Registry, RetryLater, Worker
from lowtato.jobs import queue as job_queue
from lowtato.kit.clock import FrozenClock
from lowtato.kit.db import Database


async def _locks(db: Database) -> int:
    async with db.sessionmaker() as session:
        return int(
            (await session.execute(select(func.count()).select_from(JobSerialLock))).scalar_one()
        )


async def test_expired_lease_is_rescued_and_rerun_knowing_it(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    seen: list[tuple[int, bool]] = []

    @registry.register("publish", max_attempts=3)
    async def publish(ctx: JobContext) -> None:
        seen.append((ctx.attempt, ctx.rescued))

    await enqueue(db, "publish", "publish:post_1", serial_key="acc_1")
    dead = Worker(db, registry, worker_id="dead", lease_seconds=60)
    [claimed] = await dead.claim(1)  # ... and the process dies here
    assert (await load(db, "publish:post_1")).lease_owner == "dead"

    survivor = Worker(db, registry, worker_id="survivor")
    frozen.advance(59)
    assert await survivor.run_once() == 0  # lease still valid: nobody else runs it
    frozen.advance(2)
    assert await survivor.run_once() == 1
    assert seen == [(2, True)]
    row = await load(db, "publish:post_1")
    assert (row.status, row.attempts, row.rescued_at) == ("done", 2, T0 + timedelta(seconds=61))
    assert row.lease_token == claimed.lease_token + 1
    assert await _locks(db) == 0


async def test_expired_lease_out_of_attempts_fails(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    registry.register("publish", max_attempts=1)(_noop)
    await enqueue(db, "publish", "publish:post_1", serial_key="acc_1")
    await Worker(db, registry, worker_id="dead").claim(1)
    frozen.advance(61)
    assert await Worker(db, registry).run_once() == 0
    row = await load(db, "publish:post_1")
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "lease of worker dead expired mid-run"
    assert await _locks(db) == 0  # the serial key is free again


@pytest.mark.parametrize("zombie_writes", [True, False], ids=["fenced-write", "outcome-write"])
async def test_zombie_worker_cannot_write_over_a_newer_attempt(
    db: Database, registry: Registry, frozen: FrozenClock, zombie_writes: bool
) -> None:
    """A claims and stalls past its lease; B rescues, claims and records a result; A wakes."""
    a_stalled, a_resume = asyncio.Event(), asyncio.Event()
    a_saw: list[str] = []

    @registry.register("publish", max_attempts=3)
    async def publish(ctx: JobContext) -> None:
        if ctx.worker_id == "A":
            a_stalled.set()
            await a_resume.wait()
            if zombie_writes:
                try:
                    async with ctx.fenced() as session:
                        await job_queue.enqueue(session, kind="effect", key="effect:A")
                except LeaseLost:
                    a_saw.append("LeaseLost")
                    raise
            return  # the worker then tries to record "done"
        async with ctx.fenced() as session:
            await job_queue.enqueue(session, kind="effect", key="effect:B")
        raise RetryLater(3600, "B: platform asked for later")

    await enqueue(db, "publish", "publish:post_1")
    worker_a = Worker(db, registry, worker_id="A", lease_seconds=60)
    worker_b = Worker(db, registry, worker_id="B", lease_seconds=60)
    [ctx_a] = await worker_a.claim(1)
    a_task = asyncio.create_task(worker_a.execute(ctx_a))
    await asyncio.wait_for(a_stalled.wait(), 5)

    frozen.advance(61)
    assert await worker_b.run_once() == 1
    after_b = await load(db, "publish:post_1")
    assert (after_b.status, after_b.lease_token) == ("pending", ctx_a.lease_token + 1)

    a_resume.set()
    await asyncio.wait_for(a_task, 5)
    if zombie_writes:
        assert a_saw == ["LeaseLost"]
    with pytest.raises(LeaseLost):
        async with ctx_a.fenced():
            pass
    with pytest.raises(LeaseLost):
        await ctx_a.heartbeat()
    row = await load(db, "publish:post_1")
    # Exactly B's outcome: A's write was rejected and A's "done" never landed.
    assert (row.status, row.run_at, row.last_error, row.lease_token, row.attempts) == (
        "pending",
        T0 + timedelta(seconds=61 + 3600),
        "B: platform asked for later",
        after_b.lease_token,
        2,
    )
    assert [j.key for j in await all_jobs(db) if j.kind == "effect"] == ["effect:B"]


async def test_heartbeat_extends_the_lease(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    registry.register("long")(_noop)
    await enqueue(db, "long", "long:1")
    [ctx] = await Worker(db, registry, lease_seconds=30).claim(1)
    frozen.advance(25)
    assert await ctx.heartbeat() == T0 + timedelta(seconds=55)
    frozen.advance(25)  # past the first lease, within the extended one
    assert await Worker(db, registry).run_once() == 0
    assert (await load(db, "long:1")).status == "running"


async def test_worker_cancels_a_handler_whose_lease_was_taken_over(
    db: Database, registry: Registry
) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    @registry.register("long")
    async def long(ctx: JobContext) -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    await enqueue(db, "long", "long:1")
    # The heartbeat (every lease/3) finds the lost lease within a second; the job's lease
    # then runs out only after 3 s, so no rescue returns it to pending before the check
    # below (with a 0.3 s lease, a loaded machine saw one).
    worker = Worker(db, registry, lease_seconds=3.0, poll_interval=0.05)
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(started.wait(), 10)
    # Another attempt takes the job over (as after a rescue and a new claim).
    async with db.transaction() as session:
        job = await job_queue.get(session, "long:1")
        assert job is not None
        job.lease_token += 1
    await asyncio.wait_for(cancelled.wait(), 10)
    await worker.stop(grace=1)
    await task
    row = await load(db, "long:1")
    assert (row.status, row.attempts) == ("running", 1)  # the new holder's row is untouched


async def test_graceful_stop_finishes_quick_jobs_and_releases_the_rest(
    db: Database, registry: Registry
) -> None:
    started = {"quick": asyncio.Event(), "stuck": asyncio.Event()}
    second_run: list[tuple[int, bool]] = []

    @registry.register("work")
    async def work(ctx: JobContext) -> None:
        name = ctx.payload["name"]
        if ctx.rescued:
            second_run.append((ctx.attempt, ctx.rescued))
            return
        started[name].set()
        await asyncio.sleep(0.2 if name == "quick" else 3600)

    await enqueue(db, "work", "work:quick", payload={"name": "quick"})
    await enqueue(db, "work", "work:stuck", payload={"name": "stuck"}, serial_key="acc_1")
    worker = Worker(db, registry, poll_interval=0.05)
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in started.values())), 10)

    await worker.stop(grace=1.0)
    await asyncio.wait_for(task, 5)
    assert (await load(db, "work:quick")).status == "done"
    stuck = await load(db, "work:stuck")
    assert (stuck.status, stuck.attempts, stuck.lease_owner, stuck.lease_expires_at) == (
        "pending",
        0,
        None,
        None,
    )
    assert stuck.rescued_at is not None
    assert stuck.last_error == "worker shut down mid-run"
    assert await _locks(db) == 0

    assert await Worker(db, registry).run_once() == 1
    assert second_run == [(1, True)]  # attempt not counted, but flagged for reconciliation


async def _noop(ctx: JobContext) -> None:
    return None


async def test_claiming_compiles_each_statement_once_then_reuses_it(
    db: Database, registry: Registry
) -> None:
    """A claim runs on every free slot; a statement SQLAlchemy cannot cache is compiled again
    each time (the serial-key insert once was: a tenth of a busy worker's CPU)."""
    registry.register("publish")(lambda ctx: asyncio.sleep(0))
    for i in range(6):
        await enqueue(db, "publish", f"publish:post_{i}", serial_key=f"acc_{i % 3}")
    uncached: list[str] = []

    def check(_conn: object, _cursor: object, statement: str, *args: object) -> None:
        context = args[1]
        kind = statement.split(None, 1)[0].upper()  # not BEGIN IMMEDIATE (SQLite's own text)
        if kind in {"SELECT", "INSERT", "UPDATE", "DELETE"} and (
            str(getattr(context, "cache_hit", "")) == "CacheStats.NO_CACHE_KEY"
        ):
            uncached.append(statement.split("(", maxsplit=1)[0])

    event.listen(db.engine.sync_engine, "before_cursor_execute", check)
    try:
        worker = Worker(db, registry, worker_id="w1")
        assert len(await worker.claim(2)) == 2  # two heads of free serial keys
        assert len(await worker.claim(5)) == 1  # the third key's head; the others wait
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", check)
    assert uncached == []
