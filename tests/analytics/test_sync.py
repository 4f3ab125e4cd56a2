"""The metrics sync job end to end: a test-mode owner publishes to the sandbox through the API,
the worker's periodic ``analytics.sync`` stores snapshots, and the numbers grow with time. One
post's platform error never stops the others."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from tests.api import connect, create_post
from tests.conftest import Owner

from lowtato.accounts.models import SocialAccount
from lowtato.analytics import tasks
from lowtato.analytics.tasks import SYNC_KIND
from lowtato.jobs.models import Job
from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, iso, use_clock
from lowtato.platforms.base import AdapterContext, Credentials, Metrics
from lowtato.platforms.errors import (
    AuthExpired,
    PlatformError,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
)
from lowtato.platforms.sandbox.adapter import SandboxAdapter
from lowtato.platforms.sandbox.models import SandboxPost
from lowtato.runtime import build_registry

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # on a tick of the periodic sync


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    clock = FrozenClock(T0)
    with use_clock(clock):
        yield clock


@pytest.fixture
async def worker(app: FastAPI, frozen: FrozenClock) -> Worker:
    worker = Worker(app.state.db, build_registry(app.state.services), concurrency=4)
    await worker.run_once()  # this tick's sync runs now, before anything is published
    return worker


async def publish(
    client: httpx.AsyncClient, owner: Owner, worker: Worker, frozen: FrozenClock,
    accounts: list[str],
) -> list[str]:  # fmt: skip
    """One post per account, published by the worker; their ids."""
    ids = []
    for n, account in enumerate(accounts):
        when = iso(frozen.now() + timedelta(seconds=30))
        response = await create_post(client, owner, account, f"post {n}", scheduledTime=when)
        assert response.status_code == 201, response.text
        ids.append(str(response.json()["id"]))
    frozen.advance(timedelta(seconds=30))
    await worker.run_once()
    for post_id in ids:
        post = await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)
        assert post.json()["status"] == "published", post.text
    return ids


async def analytics(client: httpx.AsyncClient, owner: Owner, post_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/posts/{post_id}/analytics", headers=owner.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def sync_jobs(app: FastAPI) -> list[str]:
    async with app.state.db.transaction() as session:
        rows = await session.scalars(select(Job.status).where(Job.kind == SYNC_KIND))
        return list(rows)


async def test_snapshots_appear_and_grow(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    twitter = await connect(client, owner, "twitter", "1")
    bluesky = await connect(client, owner, "bluesky", "2")
    ids = await publish(client, owner, worker, frozen, [twitter, bluesky])
    assert [(await analytics(client, owner, i))["latest"] for i in ids] == [None, None]

    frozen.set(T0 + timedelta(hours=1))
    await worker.run_once()
    first = [await analytics(client, owner, i) for i in ids]
    for body in first:
        assert [s["captured_at"] for s in body["snapshots"]] == ["2026-06-01T13:00:00Z"]
        assert body["latest"] == body["snapshots"][0]
        assert body["latest"]["impressions"] > 0 and body["latest"]["views"] is None

    frozen.set(T0 + timedelta(hours=1, minutes=30))  # inside the 60-minute interval
    await worker.run_once()
    assert [len((await analytics(client, owner, i))["snapshots"]) for i in ids] == [1, 1]

    frozen.set(T0 + timedelta(hours=2, minutes=1))
    await worker.run_once()
    summary = (await client.get("/api/v1/analytics/summary", headers=owner.headers)).json()
    engagement = 0
    for post_id, before in zip(ids, first, strict=True):
        body = await analytics(client, owner, post_id)
        old, new = body["snapshots"]
        assert old == before["latest"] and body["latest"] == new
        assert new["captured_at"] == "2026-06-01T14:01:00Z"
        assert new["impressions"] > old["impressions"]  # a sandbox post keeps being seen
        for name in ("likes", "comments", "shares", "engagement"):
            assert new[name] >= old[name]
        assert new["engagement"] == new["likes"] + new["comments"] + new["shares"]
        engagement += new["engagement"]
    assert (summary["total_posts"], summary["total_engagement"]) == (2, engagement)
    assert set(await sync_jobs(app)) == {"done"}


async def test_old_posts_and_disconnected_accounts_are_not_synced(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    first = await connect(client, owner, "twitter", "1")
    second = await connect(client, owner, "twitter", "2")
    old, gone = await publish(client, owner, worker, frozen, [first, second])
    async with app.state.db.transaction() as session:
        await session.execute(
            update(SocialAccount).where(SocialAccount.id == second).values(is_active=False)
        )
    frozen.set(T0 + timedelta(days=90, minutes=5))  # `old` was published 90 days + 4.5 min ago
    await worker.run_once()
    assert (await analytics(client, owner, old))["snapshots"] == []
    assert (await analytics(client, owner, gone))["snapshots"] == []
    assert set(await sync_jobs(app)) == {"done"}


def failing_for(
    monkeypatch: pytest.MonkeyPatch, error: PlatformError, *, match: str | None = None
) -> list[str]:
    """Make the sandbox's fetch_metrics raise ``error`` for ``match`` (a platform post id), or
    for every post of the error's platform when ``match`` is None; the ids it was asked for."""
    asked: list[str] = []
    real = SandboxAdapter.fetch_metrics

    async def fetch(
        self: SandboxAdapter, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> Metrics:
        asked.append(platform_post_id)
        if platform_post_id == match or (match is None and self.platform == "twitter"):
            raise error
        return await real(self, ctx, creds, platform_post_id)

    monkeypatch.setattr(SandboxAdapter, "fetch_metrics", fetch)
    return asked


async def platform_id(client: httpx.AsyncClient, owner: Owner, post_id: str) -> str:
    response = await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)
    return str(response.json()["platform_post_id"])


@pytest.mark.parametrize(
    "error",
    [
        AuthExpired("token revoked"),
        Rejected("no such post", code="not_found"),
        UnknownOutcome("timed out"),
        Retryable("503", after=30),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_one_posts_error_does_not_stop_the_others(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, worker: Worker, frozen: FrozenClock,
    monkeypatch: pytest.MonkeyPatch, error: PlatformError,
) -> None:  # fmt: skip
    accounts = [await connect(client, owner, "twitter", str(n)) for n in range(3)]
    ids = await publish(client, owner, worker, frozen, accounts)
    asked = failing_for(monkeypatch, error, match=await platform_id(client, owner, ids[0]))
    frozen.set(T0 + timedelta(hours=1))
    await worker.run_once()
    counts = [len((await analytics(client, owner, i))["snapshots"]) for i in ids]
    assert counts == [0, 1, 1] and len(asked) == 3
    assert set(await sync_jobs(app)) == {"done"}
    monkeypatch.undo()
    frozen.set(T0 + timedelta(hours=1, minutes=30))  # the failed post waits for the interval
    await worker.run_once()
    assert [len((await analytics(client, owner, i))["snapshots"]) for i in ids] == [0, 1, 1]
    frozen.set(T0 + timedelta(hours=2, minutes=5))
    await worker.run_once()
    assert [len((await analytics(client, owner, i))["snapshots"]) for i in ids] == [1, 2, 2]


async def test_a_post_that_keeps_failing_does_not_hold_the_batch(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, worker: Worker, frozen: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(tasks, "BATCH", 2)
    accounts = [await connect(client, owner, "twitter", str(n)) for n in range(3)]
    ids = await publish(client, owner, worker, frozen, accounts)
    asked = failing_for(monkeypatch, Rejected("gone", code="not_found"),
                        match=await platform_id(client, owner, ids[0]))  # fmt: skip
    frozen.set(T0 + timedelta(hours=1))
    await worker.run_once()  # the batch: ids[0] (refused) and ids[1]
    assert [len((await analytics(client, owner, i))["snapshots"]) for i in ids] == [0, 1, 0]
    frozen.set(T0 + timedelta(hours=1, minutes=5))
    await worker.run_once()  # the refused post waits its interval: ids[2] gets its turn
    assert [len((await analytics(client, owner, i))["snapshots"]) for i in ids] == [0, 1, 1]
    assert len(asked) == 3


async def test_a_post_deleted_on_the_platform_is_skipped(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    accounts = [await connect(client, owner, "twitter", str(n)) for n in range(2)]
    deleted, kept = await publish(client, owner, worker, frozen, accounts)
    async with app.state.db.transaction() as session:
        await session.execute(
            update(SandboxPost)
            .where(SandboxPost.request_post_id == deleted)
            .values(deleted_at=frozen.now())
        )
    frozen.set(T0 + timedelta(hours=1))
    await worker.run_once()
    assert (await analytics(client, owner, deleted))["latest"] is None
    assert (await analytics(client, owner, kept))["latest"] is not None
    assert set(await sync_jobs(app)) == {"done"}


async def test_a_rate_limited_platform_is_skipped_for_the_run(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, worker: Worker, frozen: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    x1, x2 = [await connect(client, owner, "twitter", str(n)) for n in range(2)]
    bluesky = await connect(client, owner, "bluesky", "9")
    ids = await publish(client, owner, worker, frozen, [x1, x2, bluesky])
    asked = failing_for(monkeypatch, RateLimited("slow down", after=900))
    frozen.set(T0 + timedelta(hours=1))
    await worker.run_once()
    # X said "rate limited" on its first post: its second was not asked; Bluesky was.
    assert len(asked) == 2
    counts = [len((await analytics(client, owner, i))["snapshots"]) for i in ids]
    assert counts == [0, 0, 1]
    assert set(await sync_jobs(app)) == {"done"}
    monkeypatch.undo()
    frozen.set(T0 + timedelta(hours=2, minutes=5))  # X's posts are asked after the interval
    await worker.run_once()
    assert [len((await analytics(client, owner, i))["snapshots"]) for i in ids] == [1, 1, 2]
