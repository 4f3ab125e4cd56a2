"""Credits: balance endpoint, atomic debits, credits.low, monthly reset."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from tests.conftest import Owner

from lowtato.billing import credits
from lowtato.billing.models import CreditEntry
from lowtato.errors import InsufficientCredits
from lowtato.events.models import Event
from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, use_clock
from lowtato.kit.db import Database
from lowtato.runtime import build_registry

T0 = datetime(2026, 6, 14, 12, 0, tzinfo=UTC)


async def _credits(client: httpx.AsyncClient, owner: Owner) -> dict[str, object]:
    response = await client.get("/api/v1/credits", headers=owner.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_balance_endpoint(client: httpx.AsyncClient, owner: Owner) -> None:
    body = await _credits(client, owner)
    assert body["balance"] == 200.0 and body["used_this_month"] == 0.0
    assert body["plan_limit"] == 200.0 and body["plan"] == "starter"
    assert str(body["resets_at"]).endswith("-01T00:00:00Z")


async def test_concurrent_debits_never_go_negative(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    async def spend() -> bool:
        try:
            async with app.state.db.transaction() as session:
                await credits.debit(session, owner.user_id, 10_00, "ai.generate")
        except InsufficientCredits:
            return False
        return True

    results = await asyncio.gather(*(spend() for _ in range(30)))
    assert results.count(True) == 20
    body = await _credits(client, owner)
    assert body["balance"] == 0.0 and body["used_this_month"] == 200.0
    async with app.state.db.transaction() as session:
        entries = (
            await session.scalars(select(CreditEntry).where(CreditEntry.owner_id == owner.user_id))
        ).all()
    assert sum(e.amount for e in entries) == 0  # opening 200 minus 20 debits of 10
    assert min(e.balance_after for e in entries) == 0
    with pytest.raises(InsufficientCredits) as refused:
        async with app.state.db.transaction() as session:
            await credits.debit(session, owner.user_id, 50, "ai.generate")
    assert refused.value.status == 402
    assert refused.value.details == {"required": 0.5, "balance": 0.0}


async def test_credits_low_fires_once_when_crossing(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    hook = await client.post("/api/v1/webhooks", headers=owner.headers,
                             json={"url": "https://hooks.example.com/c", "events": ["credits.low"]})  # fmt: skip
    assert hook.status_code == 201, hook.text
    async with app.state.db.transaction() as session:
        for _ in range(18):  # 200 → 20: at the mark, not under it
            await credits.debit(session, owner.user_id, 10_00, "ai.generate")
    async with app.state.db.transaction() as session:
        await credits.debit(session, owner.user_id, 50, "ai.generate")  # 19.5 < 20
        await credits.debit(session, owner.user_id, 50, "ai.generate")
    async with app.state.db.transaction() as session:
        events = (await session.scalars(select(Event).where(Event.type == "credits.low"))).all()
    assert sorted(e.livemode for e in events) == [False, True]  # once, in each mode
    assert events[0].data["balance"] == 19.5 and events[0].data["threshold"] == 20.0
    deliveries = (
        await client.get(f"/api/v1/webhooks/{hook.json()['id']}/deliveries", headers=owner.headers)
    ).json()
    assert [d["event_type"] for d in deliveries["deliveries"]] == ["credits.low"]


async def test_monthly_reset_runs_once_a_month(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    async with app.state.db.transaction() as session:
        await credits.debit(session, owner.user_id, 150_00, "ai.generate")
    worker = Worker(app.state.db, build_registry(app.state.services))
    clock = FrozenClock(datetime.now(UTC))
    with use_clock(clock):
        await worker.run_once()  # same month: nothing to reset
        assert (await _credits(client, owner))["balance"] == 50.0
        clock.set(credits.next_month_start(clock.now()) + timedelta(minutes=5))
        await worker.run_once()
        body = await _credits(client, owner)
        assert body["balance"] == 200.0 and body["used_this_month"] == 0.0
        clock.advance(timedelta(hours=2))
        await worker.run_once()
    async with app.state.db.transaction() as session:
        resets = await session.scalar(
            select(func.count()).where(
                CreditEntry.owner_id == owner.user_id, CreditEntry.reason == "monthly_reset"
            )
        )
    assert resets == 2  # the opening allocation and this month's reset


async def test_credits_need_analytics_scope(client: httpx.AsyncClient, make_owner: object) -> None:
    reader = await make_owner(scopes=["posts:read"])  # type: ignore[operator]
    response = await client.get("/api/v1/credits", headers=reader.headers)
    assert response.status_code == 403


async def test_monthly_reset_exactly_once_with_several_workers(
    app: FastAPI, client: httpx.AsyncClient, make_owner: object
) -> None:
    """Three workers (each its own connection pool, as separate processes would have) tick the
    reset at the same moment of a new month, and two more run the reset itself concurrently:
    each owner gets one ``monthly_reset`` entry and the allocation, not two."""
    owners = [await make_owner() for _ in range(5)]  # type: ignore[operator]
    async with app.state.db.transaction() as session:
        for o in owners:
            await credits.debit(session, o.user_id, 150_00, "ai.generate")
    dbs = [Database(app.state.settings.resolved_database_url) for _ in range(3)]
    workers = [Worker(db, build_registry(app.state.services)) for db in dbs]
    clock = FrozenClock(credits.next_month_start(datetime.now(UTC)) + timedelta(minutes=1))

    async def reset_directly(db: Database) -> None:
        async with db.transaction() as session:
            await credits.reset_month(session, clock.now())

    try:
        with use_clock(clock):
            await asyncio.gather(
                *(w.run_once() for w in workers), *(reset_directly(db) for db in dbs[:2])
            )
            for o in owners:
                body = await _credits(client, o)
                assert body["balance"] == 200.0 and body["used_this_month"] == 0.0
    finally:
        for db in dbs:
            await db.dispose()
    async with app.state.db.transaction() as session:
        for o in owners:
            entries = (
                await session.scalars(
                    select(CreditEntry)
                    .where(CreditEntry.owner_id == o.user_id)
                    .order_by(CreditEntry.created_at)
                )
            ).all()
            resets = [e for e in entries if e.reason == "monthly_reset"]
            assert len(resets) == 2  # the opening allocation and this month's, once
            assert resets[-1].amount == 150_00 and resets[-1].balance_after == 200_00


async def test_topup_credits_are_spent_last_and_survive_the_reset(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    """200 plan credits + 30 granted: spending 190 leaves 40, of which 30 are top-up; the
    month's reset gives 200 + 30. Spending into the top-up shrinks it."""
    async with app.state.db.transaction() as session:
        await credits.grant(session, owner.user_id, 30_00, "grant: goodwill")
        await credits.debit(session, owner.user_id, 190_00, "ai.generate")
    body = await _credits(client, owner)
    assert body["balance"] == 40.0 and body["topup_balance"] == 30.0
    async with app.state.db.transaction() as session:
        await credits.debit(session, owner.user_id, 15_00, "ai.generate")
    body = await _credits(client, owner)
    assert body["balance"] == 25.0 and body["topup_balance"] == 25.0
    async with app.state.db.transaction() as session:
        await credits.reset_month(session, credits.next_month_start(datetime.now(UTC)))
    body = await _credits(client, owner)
    assert body["balance"] == 225.0 and body["topup_balance"] == 25.0


async def test_a_refund_restores_a_debit_without_making_it_topup(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    async with app.state.db.transaction() as session:
        await credits.grant(session, owner.user_id, 10_00, "grant: x")  # 210, top-up 10
        await credits.debit(session, owner.user_id, 205_00, "ai.generate")  # 5, top-up 5
        await credits.refund(session, owner.user_id, 205_00, "ai.generate")
    body = await _credits(client, owner)
    assert body["balance"] == 210.0 and body["topup_balance"] == 5.0
    assert body["used_this_month"] == 0.0  # the refunded debit is not use
    async with app.state.db.transaction() as session:
        reasons = [e.reason for e in await credits.ledger(session, owner.user_id)]
    assert reasons[:3] == ["ai.generate.refund", "ai.generate", "grant: x"]
