"""Zombie workers: an attempt whose lease expired can neither send nor record a result."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.api import connect, create_post
from tests.conftest import Owner
from tests.engine.conftest import sandbox_creates

from lowtato.jobs.leases import LeaseLost
from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, iso
from lowtato.platforms.sandbox.adapter import SandboxAdapter
from lowtato.posts import flows
from lowtato.runtime import build_registry


@pytest.fixture
def other_worker(app: FastAPI) -> Worker:
    return Worker(app.state.db, build_registry(app.state.services), worker_id="B", lease_seconds=60)


async def _status(client: httpx.AsyncClient, owner: Owner, post_id: str) -> tuple[Any, Any]:
    post = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    return post["status"], post["publish_state"]


async def test_zombie_that_never_started_cannot_publish(
    app: FastAPI,
    client: httpx.AsyncClient,
    tester: Owner,
    worker: Worker,
    other_worker: Worker,
    frozen: FrozenClock,
) -> None:
    account = await connect(client, tester, "twitter", "1")
    post_id = (
        await create_post(
            client, tester, account, "x", scheduledTime=iso(frozen.now() + timedelta(seconds=1))
        )
    ).json()["id"]
    frozen.advance(timedelta(seconds=1))
    [zombie] = [c for c in await worker.claim(10) if c.kind == "posts.publish"]
    frozen.advance(timedelta(seconds=61))  # A stalls past its lease
    await other_worker.run_once()  # B rescues the job and publishes
    assert await _status(client, tester, post_id) == ("published", None)
    with pytest.raises(LeaseLost):
        await flows.publish(zombie, app.state.services)
    await worker.execute(zombie)  # the worker's own outcome write is fenced too
    assert await _status(client, tester, post_id) == ("published", None)
    assert await sandbox_creates(app, post_id) == 1


async def test_zombie_stuck_inside_the_platform_call_is_reconciled(
    app: FastAPI,
    client: httpx.AsyncClient,
    tester: Owner,
    worker: Worker,
    other_worker: Worker,
    frozen: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A hangs inside the platform call past its lease; B must not send while A's request may
    be on its way; A's late request is refused, and B's reconciliation publishes it once."""
    account = await connect(client, tester, "bluesky", "1")
    post_id = (
        await create_post(
            client, tester, account, "x", scheduledTime=iso(frozen.now() + timedelta(seconds=1))
        )
    ).json()["id"]
    frozen.advance(timedelta(seconds=1))
    entered, release = asyncio.Event(), asyncio.Event()
    original = SandboxAdapter.publish

    async def slow_publish(self: SandboxAdapter, *args: Any) -> Any:
        entered.set()
        await release.wait()
        return await original(self, *args)

    monkeypatch.setattr(SandboxAdapter, "publish", slow_publish)
    [ctx_a] = [c for c in await worker.claim(10) if c.kind == "posts.publish"]
    task_a = asyncio.create_task(worker.execute(ctx_a))
    await asyncio.wait_for(entered.wait(), 5)
    frozen.advance(timedelta(seconds=61))
    monkeypatch.setattr(SandboxAdapter, "publish", original)
    await other_worker.run_once()  # rescues: the post was `sending`, so B reconciles, never sends
    assert await _status(client, tester, post_id) == ("publishing", "unconfirmed")
    assert await sandbox_creates(app, post_id) == 0
    release.set()
    # A wakes up and its request finally leaves: the sandbox platform takes it only with proof
    # of the lease (kit.sendwindow), which A no longer has — nothing is created.
    await task_a
    assert await sandbox_creates(app, post_id) == 0
    assert await _status(client, tester, post_id) == ("publishing", "unconfirmed")
    for _ in range(5):  # B looks, finds it verifiably absent, and publishes it — once
        frozen.advance(timedelta(minutes=1))
        await other_worker.run_once()
    assert await _status(client, tester, post_id) == ("published", None)
    assert await sandbox_creates(app, post_id) == 1


async def test_bookkeeping_failure_after_accept_never_resends(
    app: FastAPI,
    client: httpx.AsyncClient,
    tester: Owner,
    worker: Worker,
    frozen: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = await connect(client, tester, "linkedin", "1")
    post_id = (
        await create_post(
            client, tester, account, "x", scheduledTime=iso(frozen.now() + timedelta(seconds=1))
        )
    ).json()["id"]
    frozen.advance(timedelta(seconds=1))
    original = flows.mark_published
    calls = 0

    async def broken(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("event bus down")
        await original(*args)

    monkeypatch.setattr(flows, "mark_published", broken)
    await worker.run_once()
    for _ in range(5):
        frozen.advance(timedelta(minutes=2))
        await worker.run_once()
    assert await _status(client, tester, post_id) == ("published", None)
    assert await sandbox_creates(app, post_id) == 1
