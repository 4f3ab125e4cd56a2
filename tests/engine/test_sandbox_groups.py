"""The sandbox accepts creates that arrive together in one transaction (kit.batch), and each
create still gets the answer it would have had alone."""

from __future__ import annotations

import asyncio
import time

from fastapi import FastAPI
from sqlalchemy import event, update
from tests.engine.conftest import sandbox_creates
from tests.jobs.helpers import enqueue

from lowtato.jobs import Job, JobContext, LeaseLost, Registry, Worker
from lowtato.jobs.leases import LeaseFence
from lowtato.kit.sendwindow import send_window
from lowtato.platforms.base import PublishRequest
from lowtato.platforms.sandbox.network import SandboxNetwork


def request(post_id: str, text: str = "hello") -> PublishRequest:
    return PublishRequest(post_id=post_id, text=text, media=[], options={}, attempt=1)


async def create_all(sandbox: SandboxNetwork, *post_ids: str, keyed: bool = False) -> list[str]:
    published = await asyncio.gather(
        *(sandbox.create("bluesky", "did:plc:a", "alice", request(p), keyed=keyed)
          for p in post_ids)
    )  # fmt: skip
    return [p.platform_post_id for p in published]


async def test_creates_arriving_together_are_stored_in_one_transaction(app: FastAPI) -> None:
    sandbox: SandboxNetwork = app.state.services.sandbox
    commits = [0]

    def count(_conn: object) -> None:
        commits[0] += 1

    event.listen(app.state.db.engine.sync_engine, "commit", count)
    try:
        ids = await create_all(sandbox, *(f"post_group_{i}" for i in range(20)))
    finally:
        event.remove(app.state.db.engine.sync_engine, "commit", count)
    assert len(set(ids)) == 20
    assert commits[0] < 20  # one transaction for the first, one for the 19 that waited
    for i, platform_id in enumerate(ids):
        stored = await sandbox.get("bluesky", platform_id)
        assert stored is not None and stored.request_post_id == f"post_group_{i}"


async def test_two_creates_of_one_post_together_are_two_posts_as_if_one_after_the_other(
    app: FastAPI,
) -> None:
    sandbox: SandboxNetwork = app.state.services.sandbox
    first, second = await create_all(sandbox, "post_twice", "post_twice")
    assert first != second  # what a platform without a client key does: a duplicate
    assert await sandbox_creates(app, "post_twice") == 2


async def test_two_keyed_creates_of_one_post_together_are_one_post(app: FastAPI) -> None:
    sandbox: SandboxNetwork = app.state.services.sandbox
    first, second = await create_all(sandbox, "post_keyed", "post_keyed", keyed=True)
    assert first == second
    assert await sandbox_creates(app, "post_keyed") == 1


async def test_creates_together_prove_their_leases_in_one_statement_and_a_lost_one_is_refused(
    app: FastAPI,
) -> None:
    """Each create carries its attempt's fence (the job still holds its lease): a group
    proves all of them in one statement, and a create whose lease moved on is still refused
    while the others are accepted."""
    sandbox: SandboxNetwork = app.state.services.sandbox
    db = app.state.db
    registry = Registry()
    registry.register("publish")(lambda ctx: asyncio.sleep(0))
    for i in range(8):
        await enqueue(db, "publish", f"publish:fence_{i}")
    contexts = await Worker(db, registry, worker_id="w1").claim(8)
    lost = contexts[3]
    async with db.transaction() as session:  # another worker took this one over
        await session.execute(
            update(Job).where(Job.id == lost.id).values(lease_token=lost.lease_token + 1)
        )
    job_locks = [0]

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        job_locks[0] += statement.lstrip().startswith("SELECT") and "FROM jobs" in statement

    async def create(ctx: JobContext) -> str:
        with send_window(time.monotonic() + 60, LeaseFence(ctx.id, ctx.lease_token)):
            made = await sandbox.create("bluesky", "did:plc:a", "alice", request(ctx.key))
        return made.platform_post_id

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        results = await asyncio.gather(*(create(c) for c in contexts), return_exceptions=True)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert isinstance(results[3], LeaseLost)
    assert all(isinstance(r, str) for i, r in enumerate(results) if i != 3)
    assert await sandbox_creates(app, lost.key) == 0
    assert all([await sandbox_creates(app, c.key) for c in contexts if c is not lost])
    # Alone, each create locks its job row (8 statements); a group proves all its fences in
    # one, and the lost one is refused without failing the others' group.
    assert job_locks[0] <= 2  # the first create (alone: nothing to wait for) + the rest
