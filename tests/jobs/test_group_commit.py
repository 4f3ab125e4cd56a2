"""Group commit: jobs finishing together share one closing transaction, and each still gets
exactly the outcome it would have had alone (jobs.group)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from tests.jobs.helpers import enqueue, load

from lowtato.jobs import Job, JobContext, JobSerialLock, LeaseLost, Registry, Worker
from lowtato.jobs import queue as job_queue
from lowtato.kit.clock import FrozenClock
from lowtato.kit.db import Database


@contextmanager
def counting_commits(db: Database) -> Iterator[list[int]]:
    commits = [0]

    def count(_conn: object) -> None:
        commits[0] += 1

    event.listen(db.engine.sync_engine, "commit", count)
    try:
        yield commits
    finally:
        event.remove(db.engine.sync_engine, "commit", count)


def writes_marker(
    ctx: JobContext, *, then_raise: bool = False
) -> Callable[[AsyncSession], Awaitable[str]]:
    """Work that writes through its session (a marker job) and answers with the job's key."""

    async def work(session: AsyncSession) -> str:
        await job_queue.enqueue(session, kind="marker", key=f"marker:{ctx.key}")
        if then_raise:
            msg = f"work of {ctx.key} broke"
            raise ValueError(msg)
        return ctx.key

    return work


async def markers(db: Database) -> set[str]:
    async with db.sessionmaker() as session:
        keys = await session.scalars(select(Job.key).where(Job.kind == "marker"))
        return {key.removeprefix("marker:") for key in keys}


async def serial_locks(db: Database) -> int:
    async with db.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(JobSerialLock)) or 0)


async def claimed(db: Database, registry: Registry, n: int) -> list[JobContext]:
    registry.register("publish")(lambda ctx: asyncio.sleep(0))
    for i in range(n):
        await enqueue(db, "publish", f"publish:{i}", serial_key=f"account:{i}")
    contexts = await Worker(db, registry, worker_id="w1").claim(n)
    assert len(contexts) == n
    return contexts


async def test_jobs_finishing_together_commit_in_one_transaction(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    contexts = await claimed(db, registry, 12)
    with counting_commits(db) as commits:
        results = await asyncio.gather(
            *(ctx.settle(writes_marker(ctx), done=True) for ctx in contexts)
        )
    assert results == [ctx.key for ctx in contexts]  # each its own answer
    assert commits[0] == 1  # 12 outcomes, one transaction
    assert await markers(db) == {ctx.key for ctx in contexts}
    for ctx in contexts:
        assert ctx.completed
        row = await load(db, ctx.key)
        assert (row.status, row.lease_owner, row.finished_at) == ("done", None, frozen.now())
    assert await serial_locks(db) == 0  # every account free for its next post


async def test_a_job_that_lost_its_lease_writes_nothing_and_the_others_commit(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    first, taken, third = await claimed(db, registry, 3)
    async with db.transaction() as session:  # another worker took the job over meanwhile
        await session.execute(
            update(Job).where(Job.id == taken.id).values(lease_token=Job.lease_token + 1)
        )
    outcomes = await asyncio.gather(
        *(ctx.settle(writes_marker(ctx), done=True) for ctx in (first, taken, third)),
        return_exceptions=True,
    )
    assert outcomes[0] == first.key and outcomes[2] == third.key
    assert isinstance(outcomes[1], LeaseLost)
    assert await markers(db) == {first.key, third.key}
    assert (await load(db, taken.key)).status == "running"  # the newer attempt's to settle
    assert not taken.completed
    assert (await load(db, first.key)).status == (await load(db, third.key)).status == "done"


async def test_one_jobs_failing_work_does_not_decide_the_others(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    first, broken, third = await claimed(db, registry, 3)
    outcomes = await asyncio.gather(
        first.settle(writes_marker(first), done=True),
        broken.settle(writes_marker(broken, then_raise=True), done=True),
        third.settle(writes_marker(third), done=True),
        return_exceptions=True,
    )
    assert outcomes[0] == first.key and outcomes[2] == third.key
    assert isinstance(outcomes[1], ValueError)  # the handler sees its own work's error
    # Nothing of the broken work was written, not even what it wrote before raising.
    assert await markers(db) == {first.key, third.key}
    assert (await load(db, broken.key)).status == "running"
    assert not broken.completed and first.completed and third.completed


async def test_a_job_cancelled_while_waiting_is_left_out(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    first, cancelled = await claimed(db, registry, 2)
    waiting = asyncio.ensure_future(cancelled.settle(writes_marker(cancelled), done=True))
    settled = asyncio.ensure_future(first.settle(writes_marker(first), done=True))
    await asyncio.sleep(0)  # both are waiting for the group's transaction
    waiting.cancel()
    assert await settled == first.key
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await markers(db) == {first.key}
    assert (await load(db, cancelled.key)).status == "running"


async def test_without_a_worker_settle_is_a_fenced_transaction_of_its_own(
    db: Database, registry: Registry, frozen: FrozenClock
) -> None:
    [ctx] = await claimed(db, registry, 1)
    ctx.group = None
    assert await ctx.settle(writes_marker(ctx), done=True) == ctx.key
    assert ctx.completed and (await load(db, ctx.key)).status == "done"
