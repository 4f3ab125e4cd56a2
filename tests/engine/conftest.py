"""Publishing-engine fixtures: a frozen clock, a worker driven step by step, a test-mode owner
with sandbox accounts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from tests.conftest import Owner, OwnerFactory

from lowtato.events.models import Event
from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, use_clock
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
