"""The worker loop: periodic ticks, housekeeping, wake-ups, and serial keys under racing
workers (each with its own engine, as separate processes would have)."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from tests.jobs.helpers import T0, all_jobs, clear, enqueue

from lowtato.jobs import Job, JobContext, Registry, Worker, install_housekeeping
from lowtato.kit import clock
from lowtato.kit.clock import FrozenClock
from lowtato.kit.db import Database


@pytest.fixture
async def db2(database_url: str) -> AsyncIterator[Database]:
    """A second engine on the same database: a second worker process's view."""
    database = Database(database_url)
    yield database
    await database.dispose()


async def wait_until_settled(db: Database, within: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        async with db.sessionmaker() as session:
            left = (
                await session.execute(
                    select(func.count()).where(Job.status.in_(["pending", "running"]))
                )
            ).scalar_one()
        if left == 0:
            return
        assert asyncio.get_running_loop().time() < deadline, f"{left} jobs still not finished"
        await asyncio.sleep(0.05)


async def test_periodic_job_is_enqueued_once_per_tick_by_many_workers(
    db: Database, db2: Database, registry: Registry, frozen: FrozenClock
) -> None:
    ran: list[str] = []

    @registry.register("metrics.sync")
    async def sync(ctx: JobContext) -> None:
        ran.append(ctx.key)

    registry.periodic("metrics.sync", every=timedelta(minutes=1))
    workers = [Worker(db, registry, worker_id="w1"), Worker(db2, registry, worker_id="w2")]
    frozen.set(T0 + timedelta(seconds=30))

    async def all_run_once() -> int:
        return sum(await asyncio.gather(*(w.run_once() for w in workers)))

    assert await all_run_once() == 1
    frozen.advance(20)  # same tick
    assert await all_run_once() == 0
    frozen.advance(20)  # 10:01:10, next tick
    assert await all_run_once() == 1
    assert ran == ["metrics.sync@2026-05-04T10:00:00Z", "metrics.sync@2026-05-04T10:01:00Z"]
    assert [j.status for j in await all_jobs(db)] == ["done", "done"]


async def test_prune_deletes_old_finished_jobs_only(db: Database, frozen: FrozenClock) -> None:
    for key in ("old-done", "old-cancelled", "old-failed", "new-done", "pending"):
        await enqueue(db, "work", key)
    final = {"old-done": "done", "old-cancelled": "cancelled", "old-failed": "failed",
             "new-done": "done"}  # fmt: skip
    async with db.transaction() as session:
        for key, status in final.items():
            age = timedelta(days=6) if key == "new-done" else timedelta(days=8)
            await session.execute(
                update(Job).where(Job.key == key).values(status=status, finished_at=T0 - age)
            )
    registry = Registry()
    install_housekeeping(registry)
    assert await Worker(db, registry).run_once() == 1
    keys = sorted(j.key for j in await all_jobs(db))
    assert keys == ["jobs.prune@2026-05-04T10:00:00Z", "new-done", "old-failed", "pending"]


async def test_commit_wakes_an_idle_worker_long_before_its_poll(
    db: Database, db2: Database, registry: Registry
) -> None:
    ran = asyncio.Event()

    @registry.register("ping")
    async def ping(ctx: JobContext) -> None:
        ran.set()

    poll = 30.0
    worker = Worker(db, registry, poll_interval=poll)
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.wait_for(worker.ready.wait(), 10)
        await asyncio.sleep(0.2)  # idle now, asleep on its 30 s poll
        loop = asyncio.get_running_loop()
        committed = loop.time()
        await enqueue(db2, "ping", "ping:1")  # another engine: an API request's commit
        await asyncio.wait_for(ran.wait(), poll / 2)
        assert loop.time() - committed < poll / 2
    finally:
        await worker.stop(grace=1)
        await task


async def test_future_job_starts_at_its_time_not_at_the_next_poll(
    db: Database, registry: Registry
) -> None:
    ran = asyncio.Event()

    @registry.register("ping")
    async def ping(ctx: JobContext) -> None:
        ran.set()

    worker = Worker(db, registry, poll_interval=30)
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.wait_for(worker.ready.wait(), 10)
        await enqueue(db, "ping", "ping:1", run_at=clock.now() + timedelta(seconds=0.5))
        await asyncio.wait_for(ran.wait(), 15)
    finally:
        await worker.stop(grace=1)
        await task


async def test_concurrent_claims_take_one_job_per_serial_key(
    db: Database, db2: Database, registry: Registry, frozen: FrozenClock
) -> None:
    registry.register("publish")(_noop)
    keys = [f"acc_{i}" for i in range(5)]
    for round_ in range(3):
        jobs = [(k, n) for k in keys for n in range(4)]
        random.Random(round_).shuffle(jobs)  # insertion order must not matter, run_at must
        for k, n in jobs:
            await enqueue(
                db, "publish", f"publish:{round_}:{k}:{n}", payload={"n": n}, serial_key=k,
                run_at=T0 - timedelta(seconds=100 - n),
            )  # fmt: skip
        for n in range(5):
            await enqueue(db, "publish", f"publish:{round_}:free:{n}")
        w1, w2 = Worker(db, registry, worker_id="w1"), Worker(db2, registry, worker_id="w2")
        batches = await asyncio.gather(*(w.claim(3) for w in (w1, w2) for _ in range(6)))
        claimed = [ctx for batch in batches for ctx in batch]
        per_key = defaultdict(list)
        for ctx in claimed:
            per_key[ctx.serial_key].append(ctx.payload.get("n"))
        assert {k: per_key[k] for k in keys} == {k: [0] for k in keys}
        assert len(per_key[None]) == 5
        assert {ctx.worker_id for ctx in claimed} <= {"w1", "w2"}
        await clear(db)


async def test_serial_key_never_runs_twice_at_once_across_racing_workers(
    db: Database, db2: Database, registry: Registry
) -> None:
    active: dict[str, int] = defaultdict(int)
    order: dict[str, list[int]] = defaultdict(list)
    by_worker: dict[str, int] = defaultdict(int)
    stats = {"overlaps": 0, "running": 0, "peak": 0}

    @registry.register("publish")
    async def publish(ctx: JobContext) -> None:
        account = ctx.serial_key or ""
        active[account] += 1
        stats["running"] += 1
        stats["peak"] = max(stats["peak"], stats["running"])
        if active[account] > 1:
            stats["overlaps"] += 1
        await asyncio.sleep(0.02)
        order[account].append(ctx.payload["n"])
        by_worker[ctx.worker_id] += 1
        active[account] -= 1
        stats["running"] -= 1

    accounts = [f"acc_{i}" for i in range(4)]
    now = clock.now()
    jobs = [(a, n) for a in accounts for n in range(6)]
    random.Random(1).shuffle(jobs)
    for account, n in jobs:
        await enqueue(
            db, "publish", f"publish:{account}:{n}", payload={"n": n}, serial_key=account,
            run_at=now - timedelta(seconds=60 - n),
        )  # fmt: skip
    workers = [
        Worker(d, registry, worker_id=name, concurrency=2, poll_interval=0.05)
        for d, name in ((db, "w1"), (db2, "w2"))
    ]
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        await wait_until_settled(db)
    finally:
        await asyncio.gather(*(w.stop(grace=5) for w in workers))
        await asyncio.gather(*tasks)
    assert stats["overlaps"] == 0
    assert {a: order[a] for a in accounts} == {a: list(range(6)) for a in accounts}
    assert stats["peak"] >= 2  # different accounts did run in parallel
    assert set(by_worker) == {"w1", "w2"}
    assert sum(by_worker.values()) == 24


async def _noop(ctx: JobContext) -> None:
    return None
