"""Housekeeping prunes what grows forever — events, webhook deliveries, idempotency keys, OAuth
states, sandbox posts, finished jobs — once past retention, and only finished things."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from tests.api import connect
from tests.conftest import AppFactory, Owner, client_for
from tests.webhooks.conftest import Received, Receiver, Reply, create_webhook, deliveries

from lowtato.accounts.oauth_models import OAuthState
from lowtato.events.models import Event
from lowtato.idempotency.models import IdempotencyRecord
from lowtato.jobs.models import Job
from lowtato.jobs.registry import Registry
from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, use_clock
from lowtato.kit.db import Base
from lowtato.platforms.sandbox.models import SandboxPost
from lowtato.runtime import build_registry
from lowtato.webhooks.models import WebhookDelivery

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OLD = T0 - timedelta(days=30, hours=10)  # past every default retention at T0 only
RECENT = T0 - timedelta(hours=20)  # within every default retention


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    clock = FrozenClock(T0)
    with use_clock(clock):
        yield clock


async def failing(_request: Received) -> Reply:
    return 500, {}, b"down"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = await Receiver().start()
    yield server
    await server.close()


@pytest.fixture
async def broken() -> AsyncIterator[Receiver]:
    server = await Receiver(responder=failing).start()
    yield server
    await server.close()


def full_worker(app: FastAPI) -> Worker:
    return Worker(app.state.db, build_registry(app.state.services), concurrency=2)


def housekeeping_worker(app: FastAPI) -> Worker:
    """Only the housekeeping kinds of the real registry: nothing else runs (no delivery retry
    or publish moves the data under the prune)."""
    full = build_registry(app.state.services)
    registry = Registry()
    for schedule in full.schedules:
        if schedule.kind.startswith(("housekeeping.", "jobs.prune")):
            registration = full.get(schedule.kind)
            assert registration is not None
            registry.register(
                schedule.kind,
                max_attempts=registration.max_attempts,
                timeout=registration.timeout,
            )(registration.handler)
            registry.periodic(schedule.kind, every=schedule.every)
    assert any(s.kind.startswith("housekeeping.") for s in registry.schedules)
    return Worker(app.state.db, registry, concurrency=1)


async def _rows(app: FastAPI, model: type[Base], column: str = "created_at") -> list[datetime]:
    async with app.state.db.transaction(readonly=True) as session:
        return list(await session.scalars(select(getattr(model, column))))


async def _activity(
    client: httpx.AsyncClient, owner: Owner, user: str, idem: str
) -> dict[str, Any]:
    """What an agent does in a day: connect, create with an Idempotency-Key, publish, and ask
    for a connect link."""
    account = await connect(client, owner, "bluesky", user)
    headers = {**owner.headers, "Idempotency-Key": idem}
    body = {"post": {"accountId": account, "content": {"text": f"hello {user}"}}}
    created = await client.post("/api/v1/posts", headers=headers, json=body)
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]
    published = await client.post(f"/api/v1/posts/{post_id}/publish", headers=owner.headers)
    assert published.status_code == 200, published.text
    link = await client.post(
        "/api/v1/accounts/connect-link", headers=owner.headers, json={"platform": "linkedin"}
    )
    assert link.status_code == 201, link.text
    return {"account": account, "post": post_id}


async def test_rows_past_retention_go_younger_ones_stay(
    app: FastAPI,
    client: httpx.AsyncClient,
    owner: Owner,
    receiver: Receiver,
    frozen: FrozenClock,
) -> None:
    hook = await create_webhook(
        client, owner, receiver.url, ["account.connected", "post.published"]
    )
    frozen.set(OLD)
    old = await _activity(client, owner, "did:plc:old", "idem-old")
    async with app.state.db.transaction() as session:  # a request that never finished
        session.add(
            IdempotencyRecord(
                id="idem_inflight", owner_id=owner.user_id, livemode=False, method="POST",
                path="/api/v1/posts", key="stuck", fingerprint="0" * 64, state="in_flight",
                created_at=OLD, expires_at=OLD + timedelta(hours=24),
            )
        )  # fmt: skip
    await full_worker(app).run_once()
    frozen.set(RECENT)
    recent = await _activity(client, owner, "did:plc:recent", "idem-recent")
    await full_worker(app).run_once()
    frozen.set(T0 - timedelta(minutes=5))
    live_link = await client.post(
        "/api/v1/accounts/connect-link", headers=owner.headers, json={"platform": "linkedin"}
    )
    assert live_link.status_code == 201

    before = {m: await _rows(app, m) for m in (Event, WebhookDelivery, SandboxPost)}
    for model, rows in before.items():
        assert any(t < T0 - timedelta(days=30) for t in rows), model  # there is something to prune
    logged = await deliveries(client, owner, hook["id"])
    assert len(logged) == 4 and {d["status"] for d in logged} == {"succeeded"}

    frozen.set(T0)
    await housekeeping_worker(app).run_once()

    cutoff = T0 - timedelta(days=30)
    for model in (Event, WebhookDelivery, SandboxPost):
        rows = await _rows(app, model)
        assert rows and all(t >= cutoff for t in rows), model
        assert len(rows) == len([t for t in before[model] if t >= cutoff]), model
    assert len(await deliveries(client, owner, hook["id"])) == 2  # the recent two
    jobs = await _rows(app, Job, "finished_at")
    assert all(t is None or t >= T0 - timedelta(days=7) for t in jobs)
    assert any(t is not None and t >= T0 - timedelta(days=7) for t in jobs)
    async with app.state.db.transaction(readonly=True) as session:
        idem = {r.key: r.state for r in await session.scalars(select(IdempotencyRecord))}
        states = list(await session.scalars(select(OAuthState.expires_at)))
    assert idem == {"idem-recent": "done", "stuck": "in_flight"}
    assert states == [T0 - timedelta(minutes=5) + timedelta(minutes=15)]

    # What a user sees: the recent post still answers, its sandbox page too; the old post
    # itself is kept (only its sandbox copy is gone).
    for ids, page in ((recent, 200), (old, 404)):
        post = (await client.get(f"/api/v1/posts/{ids['post']}", headers=owner.headers)).json()
        assert post["status"] == "published"
        got = await client.get(str(post["public_url"]).removeprefix("http://testserver"))
        assert got.status_code == page


async def test_pending_delivery_and_its_event_are_kept(
    app: FastAPI,
    client: httpx.AsyncClient,
    owner: Owner,
    receiver: Receiver,
    broken: Receiver,
    frozen: FrozenClock,
) -> None:
    ok_hook = await create_webhook(client, owner, receiver.url, ["account.connected"])
    bad_hook = await create_webhook(client, owner, broken.url, ["account.connected"])
    await connect(client, owner, "bluesky", "did:plc:x")
    await full_worker(app).run_once()
    [pending] = await deliveries(client, owner, bad_hook["id"])
    assert pending["status"] == "pending" and pending["attempts"] == 1
    [done] = await deliveries(client, owner, ok_hook["id"])
    assert done["status"] == "succeeded"

    frozen.advance(timedelta(days=45))
    await housekeeping_worker(app).run_once()

    assert await deliveries(client, owner, ok_hook["id"]) == []
    [still] = await deliveries(client, owner, bad_hook["id"])
    assert still["id"] == pending["id"] and still["status"] == "pending"
    async with app.state.db.transaction(readonly=True) as session:
        events = list(await session.scalars(select(Event.id)))
    assert events == [pending["event_id"]]


async def test_retention_settings_are_honoured(
    app_factory: AppFactory, owner: Owner, app: FastAPI, frozen: FrozenClock
) -> None:
    short = await app_factory(retention_events_days=1, retention_sandbox_posts_days=1)
    async with client_for(short) as client:
        await _activity(client, owner, "did:plc:a", "idem-a")
        await full_worker(short).run_once()
        frozen.advance(timedelta(hours=23))
        await housekeeping_worker(short).run_once()
        assert len(await _rows(short, SandboxPost)) == 1
        frozen.advance(timedelta(hours=2))
        await housekeeping_worker(short).run_once()
        assert await _rows(short, SandboxPost) == []
        assert await _rows(short, Event) == []
        assert len(await _rows(short, WebhookDelivery)) == 0
        assert len(await _rows(short, IdempotencyRecord)) == 0  # 25 h > 24 h default


async def _housekeeping_jobs(app: FastAPI) -> list[tuple[str, str, int]]:
    async with app.state.db.transaction(readonly=True) as session:
        rows = await session.execute(
            select(Job.key, Job.status, Job.attempts).where(Job.kind == "housekeeping.prune")
        )
        return [(key, status, attempts) for key, status, attempts in rows]


async def test_two_workers_prune_each_tick_exactly_once(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, frozen: FrozenClock
) -> None:
    await connect(client, owner, "bluesky", "did:plc:x")
    first, second = full_worker(app), full_worker(app)
    await asyncio.gather(first.run_once(), second.run_once())
    # One job for the tick, run once, however many workers raced to enqueue it.
    assert await _housekeeping_jobs(app) == [("housekeeping.prune@2026-06-01T12:00:00Z", "done", 1)]
    frozen.advance(timedelta(days=31))
    await asyncio.gather(first.run_once(), second.run_once())
    # The first tick's job is itself pruned (finished more than 7 days ago).
    assert await _housekeeping_jobs(app) == [("housekeeping.prune@2026-07-02T12:00:00Z", "done", 1)]
    async with app.state.db.transaction(readonly=True) as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 0
