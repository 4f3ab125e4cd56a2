"""Publishing-engine fixtures: a frozen clock, a worker driven step by step, a test-mode owner
with sandbox accounts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from tests.api import create_post
from tests.conftest import Owner, OwnerFactory

from lowtato.events.models import Event
from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, iso, use_clock
from lowtato.platforms.sandbox.models import SandboxPost
from lowtato.runtime import build_registry

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    clock = FrozenClock(T0)
    with use_clock(clock):
        yield clock


@pytest.fixture
def worker(app: FastAPI) -> Worker:
    return Worker(app.state.db, build_registry(app.state.services), concurrency=4, lease_seconds=60)


@pytest.fixture
async def tester(make_owner: OwnerFactory) -> Owner:
    return await make_owner(livemode=False)


async def sandbox_creates(app: FastAPI, post_id: str) -> int:
    return int(await app.state.services.sandbox.creates_for(post_id))


async def event_types(app: FastAPI, owner: Owner) -> list[str]:
    async with app.state.db.transaction() as session:
        rows = await session.scalars(
            select(Event.type)
            .where(Event.owner_id == owner.user_id)
            .order_by(Event.created_at, Event.id)
        )
        return list(rows)


async def total_sandbox_posts(app: FastAPI) -> int:
    async with app.state.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(SandboxPost)) or 0)


async def due_post(
    client: httpx.AsyncClient,
    owner: Owner,
    account: str,
    frozen: FrozenClock,
    text: str = "hi",
    **extra: Any,
) -> str:
    """A post scheduled 30 s ahead, with the clock moved to its time: due now."""
    response = await create_post(
        client, owner, account, text, scheduledTime=iso(frozen.now() + timedelta(seconds=30)),
        **extra,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    frozen.advance(timedelta(seconds=30))
    return str(response.json()["id"])


async def get_post(client: httpx.AsyncClient, owner: Owner, post_id: str) -> dict[str, Any]:
    return dict((await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json())


async def run_minutes(worker: Worker, frozen: FrozenClock, minutes: int) -> None:
    """Let ``minutes`` pass one at a time, running whatever becomes due."""
    for _ in range(minutes):
        frozen.advance(timedelta(minutes=1))
        await worker.run_once()
