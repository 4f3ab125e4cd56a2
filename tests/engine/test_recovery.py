"""A crash of ours never fails a post: a post verified absent on the platform after an attempt
of ours stopped short is published again (bounded), and a worker paused past its lease can no
longer send; `options.max_delay` says how late is too late."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.api import connect, create_post
from tests.conftest import Owner
from tests.engine.conftest import due_post, event_types, get_post, run_minutes, sandbox_creates

from lowtato.jobs.leases import LeaseLost
from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, iso
from lowtato.platforms.base import Credentials, PublishRequest
from lowtato.platforms.errors import UnknownOutcome
from lowtato.platforms.sandbox.adapter import SandboxAdapter
from lowtato.posts import flows
from lowtato.runtime import build_registry


async def test_a_lost_request_verified_absent_is_published_again(
    app: FastAPI,
    client: httpx.AsyncClient,
    tester: Owner,
    worker: Worker,
    frozen: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = await connect(client, tester, "twitter", "1")
    post_id = await due_post(client, tester, account, frozen)
    original = SandboxAdapter.publish
    calls = 0

    async def first_lost(self: SandboxAdapter, *args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:  # the worker died before the request left: nothing was created
            raise UnknownOutcome("connection reset before the request was written")
        return await original(self, *args)

    monkeypatch.setattr(SandboxAdapter, "publish", first_lost)
    await worker.run_once()
    assert (await get_post(client, tester, post_id))["publish_state"] == "unconfirmed"
    await run_minutes(worker, frozen, 15)
    assert calls == 2
    post = await get_post(client, tester, post_id)
    assert (post["status"], post["error_code"]) == ("published", None)
    assert await sandbox_creates(app, post_id) == 1
    assert "post.failed" not in await event_types(app, tester)


async def test_recovery_is_bounded(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    """Every attempt is cut short (the request never arrives): after the bound the post fails
    `not_published` — verified absent, safe to publish again — and says how often it tried."""
    account = await connect(client, tester, "linkedin", "1")
    post_id = await due_post(client, tester, account, frozen, "x [sandbox:lost]")
    for _ in range(60):
        frozen.advance(timedelta(minutes=1))
        await worker.run_once()
        post = await get_post(client, tester, post_id)
        if post["status"] == "failed":
            break
    post = await get_post(client, tester, post_id)
    assert (post["status"], post["error_code"]) == ("failed", "not_published")
    assert "after 4 attempts" in post["error_message"]
    assert await sandbox_creates(app, post_id) == 0
    assert (await event_types(app, tester)).count("post.failed") == 1


async def test_a_worker_paused_past_its_lease_cannot_send(
    app: FastAPI,
    client: httpx.AsyncClient,
    tester: Owner,
    worker: Worker,
    frozen: FrozenClock,
) -> None:
    """The zombie's own clock says its lease ran out while it was stopped: the request is not
    sent, another worker finds the post absent and publishes it — once."""
    account = await connect(client, tester, "bluesky", "1")
    post_id = await due_post(client, tester, account, frozen)
    [zombie] = [c for c in await worker.claim(10) if c.kind == "posts.publish"]
    zombie.held_until = time.monotonic() - 1  # it was SIGSTOPped for longer than the lease
    with pytest.raises(LeaseLost):
        await flows.publish(zombie, app.state.services)
    assert await sandbox_creates(app, post_id) == 0
    other = Worker(app.state.db, build_registry(app.state.services), worker_id="B")
    await run_minutes(other, frozen, 15)
    post = await get_post(client, tester, post_id)
    assert post["status"] == "published"
    assert await sandbox_creates(app, post_id) == 1


async def test_max_delay_refuses_a_post_that_would_go_out_too_late(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    account = await connect(client, tester, "threads", "1")
    post_id = await due_post(client, tester, account, frozen, options={"max_delay": 5})
    frozen.advance(timedelta(minutes=20))  # the workers were down
    await worker.run_once()
    post = await get_post(client, tester, post_id)
    assert (post["status"], post["error_code"]) == ("failed", "too_late")
    assert "20 minutes late" in post["error_message"] and "max_delay of 5" in post["error_message"]
    assert await sandbox_creates(app, post_id) == 0


async def test_a_late_post_says_how_late(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    account = await connect(client, tester, "threads", "1")
    post_id = await due_post(client, tester, account, frozen, options={"max_delay": 180})
    frozen.advance(timedelta(hours=2))
    await worker.run_once()
    post = await get_post(client, tester, post_id)
    assert post["status"] == "published"
    assert post["late_by_seconds"] == 7200


async def test_max_delay_is_validated(
    client: httpx.AsyncClient, tester: Owner, frozen: FrozenClock
) -> None:
    account = await connect(client, tester, "threads", "1")
    response = await create_post(
        client, tester, account, "x", scheduledTime=iso(frozen.now() + timedelta(hours=1)),
        options={"max_delay": 0},
    )  # fmt: skip
    assert response.status_code == 400
    assert "max_delay" in response.text


async def test_while_recovering_the_post_says_why(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, frozen: FrozenClock
) -> None:
    """Between the verified-absent look and the new attempt the post is visibly retrying."""
    account = await connect(client, tester, "facebook", "1")
    post_id = await due_post(client, tester, account, frozen, "x [sandbox:lost]")
    reconciler = Worker(app.state.db, build_registry(app.state.services), worker_id="R")
    await reconciler.run_once()
    assert (await get_post(client, tester, post_id))["publish_state"] == "unconfirmed"
    frozen.advance(timedelta(minutes=5))
    [look] = [c for c in await reconciler.claim(10) if c.kind == "posts.reconcile"]
    await reconciler.execute(look)
    post = await get_post(client, tester, post_id)
    assert (post["status"], post["publish_state"]) == ("publishing", "retrying")
    assert "before the platform received it" in post["error_message"]
    assert "recovery 1 of 3" in post["error_message"]


async def test_the_sandbox_refuses_a_second_create_where_the_platform_does(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, frozen: FrozenClock
) -> None:
    """Bluesky takes the post's own record key, so the sandbox Bluesky answers a second create
    of one post with the first (as a PDS refuses it); X has no such key, so its sandbox makes a
    second post, as X would — test runs rehearse what production does."""
    adapters = app.state.services.adapters
    for platform, creates in (("bluesky", 1), ("twitter", 2)):
        account = await connect(client, tester, platform, "1")
        post_id = await due_post(client, tester, account, frozen, f"twice on {platform}")
        adapter, ctx = adapters.get(platform, sandbox=True)
        creds = Credentials("1", f"{platform}_1", "tok")
        req = PublishRequest(post_id=post_id, text=f"twice on {platform}", media=[], options={})
        first = await adapter.publish(ctx, creds, req)
        again = await adapter.publish(ctx, creds, req)
        assert await sandbox_creates(app, post_id) == creates, platform
        assert (again.platform_post_id == first.platform_post_id) == (creates == 1)
        found = await adapter.find_published(ctx, creds, req, frozen.now() - timedelta(hours=1))
        assert found is not None
        if creates == 1:  # exact: by the post's own key
            assert found.platform_post_id == first.platform_post_id
