"""A worker's database connections follow its groups of transactions, not its jobs: a job
holds one only inside a short transaction, never while it waits on a platform. So
``lowtato worker`` keeps the configured pool (``LOWTATO_DATABASE_POOL_SIZE``) however many
jobs it runs at once, and several workers fit in PostgreSQL's connection limit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from tests.api import connect, create_post
from tests.conftest import AppFactory, OwnerFactory, client_for
from tests.engine.conftest import total_sandbox_posts

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, iso
from lowtato.runtime import build_registry

JOBS = 64


async def test_jobs_waiting_on_the_platform_hold_no_connection(
    app_factory: AppFactory, make_owner: OwnerFactory, frozen: FrozenClock
) -> None:
    # Every publish waits 100 ms on the platform, so all JOBS wait at the same time.
    app = await app_factory(sandbox_latency_ms=100)
    owner = await make_owner(livemode=False, plan="agency")
    async with client_for(app) as client:
        for i in range(JOBS):  # one account each: an account publishes one post at a time
            account = await connect(client, owner, "bluesky", f"did:plc:conn{i}")
            due = iso(frozen.now() + timedelta(seconds=30))
            response = await create_post(client, owner, account, f"post {i}", scheduledTime=due)
            assert response.status_code == 201, response.text
    frozen.advance(timedelta(seconds=30))

    pool = app.state.db.engine.sync_engine
    out = [0, 0]  # now, peak

    def checkout(*_: object) -> None:
        out[0] += 1
        out[1] = max(out)

    def checkin(*_: object) -> None:
        out[0] -= 1

    event.listen(pool, "checkout", checkout)
    event.listen(pool, "checkin", checkin)
    try:
        worker = Worker(app.state.db, build_registry(app.state.services), concurrency=JOBS)
        await worker.run_once()
    finally:
        event.remove(pool, "checkout", checkout)
        event.remove(pool, "checkin", checkin)
    assert await total_sandbox_posts(app) == JOBS
    # The claim, the heartbeat and a few groups at a time; a connection held across the
    # platform call would make it JOBS.
    assert out[1] <= JOBS // 4, f"{out[1]} connections at once for {JOBS} jobs"
