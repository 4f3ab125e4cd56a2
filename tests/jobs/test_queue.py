"""Enqueue, upsert, reschedule and cancel, inside the caller's own transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.jobs.helpers import T0, all_jobs, enqueue, load

from lowtato.jobs import JobStatus, Registry, Worker
from lowtato.jobs import queue as job_queue
from lowtato.jobs.leases import JobContext
from lowtato.kit.clock import FrozenClock
from lowtato.kit.db import Database


class Boom(Exception):
    pass


async def test_enqueue_in_a_rolled_back_transaction_leaves_no_job(db: Database) -> None:
    async def create_post_then_fail() -> None:
        async with db.transaction() as session:
            await job_queue.enqueue(session, kind="publish", key="publish:post_1")
            raise Boom

    with pytest.raises(Boom):
        await create_post_then_fail()
    assert await all_jobs(db) == []


async def test_enqueue_creates_a_pending_job(db: Database, frozen: FrozenClock) -> None:
    job = await enqueue(
        db, "publish", "publish:post_1", payload={"post_id": "post_1"},
        serial_key="acc_1", owner_id="usr_1", livemode=False,
    )  # fmt: skip
    assert job.id.startswith("job_")
    row = await load(db, "publish:post_1")
    assert (row.status, row.attempts, row.run_at, row.payload) == (
        JobStatus.pending,
        0,
        T0,
        {"post_id": "post_1"},
    )
    assert (row.serial_key, row.owner_id, row.livemode, row.lease_token) == (
        "acc_1",
        "usr_1",
        False,
        0,
    )


async def test_enqueue_again_updates_the_same_row(db: Database, frozen: FrozenClock) -> None:
    first = await enqueue(db, "publish", "publish:post_1", payload={"v": 1})
    later = T0 + timedelta(hours=2)
    second = await enqueue(db, "publish", "publish:post_1", payload={"v": 2}, run_at=later)
    assert second.id == first.id
    rows = await all_jobs(db)
    assert len(rows) == 1
    assert (rows[0].payload, rows[0].run_at, rows[0].status) == ({"v": 2}, later, "pending")


@pytest.mark.parametrize("final", ["done", "failed", "cancelled"])
async def test_enqueue_resets_a_finished_job(
    db: Database, registry: Registry, frozen: FrozenClock, final: str
) -> None:
    @registry.register("work", max_attempts=1)
    async def work(ctx: JobContext) -> None:
        if final == "failed":
            raise ValueError("nope")

    await enqueue(db, "work", "work:1", payload={"v": 1})
    if final == "cancelled":
        async with db.transaction() as session:
            assert await job_queue.cancel(session, "work:1")
    else:
        assert await Worker(db, registry).run_once() == 1
    before = await load(db, "work:1")
    assert before.status == final

    await enqueue(db, "work", "work:1", payload={"v": 2})
    after = await load(db, "work:1")
    assert after.id == before.id
    assert (after.status, after.attempts, after.payload) == ("pending", 0, {"v": 2})
    assert (after.last_error, after.finished_at, after.rescued_at) == (None, None, None)
    # The fencing token never goes backwards, even across a reset.
    assert after.lease_token == before.lease_token


async def test_enqueue_leaves_a_running_job_running(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    registry.register("work")(_noop)
    await enqueue(db, "work", "work:1", payload={"v": 1})
    [ctx] = await Worker(db, registry).claim(1)

    returned = await enqueue(db, "work", "work:1", payload={"v": 2}, run_at=T0 + timedelta(1))
    assert returned.status == "running"
    row = await load(db, "work:1")
    assert (row.status, row.payload, row.run_at, row.lease_token) == (
        "running",
        {"v": 1},
        T0,
        ctx.lease_token,
    )


async def test_reschedule_moves_only_pending_jobs(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    registry.register("work")(_noop)
    await enqueue(db, "work", "work:1")
    later = T0 + timedelta(minutes=30)
    async with db.transaction() as session:
        assert await job_queue.reschedule(session, "work:1", later)
        assert not await job_queue.reschedule(session, "work:missing", later)
    assert (await load(db, "work:1")).run_at == later

    assert await Worker(db, registry).run_once() == 0  # not due any more
    frozen.set(later)
    await Worker(db, registry).claim(1)
    async with db.transaction() as session:
        assert not await job_queue.reschedule(session, "work:1", T0)
    assert (await load(db, "work:1")).run_at == later


async def test_cancel_only_pending_jobs(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    registry.register("work")(_noop)
    await enqueue(db, "work", "work:1")
    await enqueue(db, "work", "work:2", run_at=T0 + timedelta(seconds=1))
    await Worker(db, registry).claim(1)  # work:1 is now running

    async with db.transaction() as session:
        assert not await job_queue.cancel(session, "work:1")  # running: not interrupted
        assert await job_queue.cancel(session, "work:2")
        assert not await job_queue.cancel(session, "work:missing")
    assert (await load(db, "work:1")).status == "running"
    cancelled = await load(db, "work:2")
    assert (cancelled.status, cancelled.finished_at) == ("cancelled", T0)

    frozen.advance(60)
    assert await Worker(db, registry).run_once() == 0  # a cancelled job never runs


async def test_get_returns_the_job_or_none(db: Database) -> None:
    await enqueue(db, "work", "work:1", payload={"a": [1, 2]})
    async with db.transaction() as session:
        job = await job_queue.get(session, "work:1")
        assert job is not None
        assert job.payload == {"a": [1, 2]}
        assert await job_queue.get(session, "work:2") is None


async def _noop(ctx: JobContext) -> None:
    return None
