"""``POST /api/v1/marketplace/purchase`` and ``GET /purchases``: paid with credits or card,
sold exactly once, auto_connect, test mode spends nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from tests.api import error, without_live_adapter
from tests.conftest import Owner, OwnerFactory
from tests.marketplace.conftest import FakeCards, line, stock

from lowtato.billing import credits
from lowtato.billing.models import CreditEntry
from lowtato.marketplace.models import MarketplaceItem

BUY = "/api/v1/marketplace/purchase"


async def listed(client: httpx.AsyncClient, owner: Owner, platform: str | None = None) -> list[Any]:
    query = f"?platform={platform}" if platform else ""
    response = await client.get(f"/api/v1/marketplace{query}", headers=owner.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["accounts"])


async def balance(client: httpx.AsyncClient, owner: Owner) -> float:
    response = await client.get("/api/v1/credits", headers=owner.headers)
    return float(response.json()["balance"])


async def ledger(app: FastAPI, owner: Owner) -> list[CreditEntry]:
    async with app.state.db.transaction(readonly=True) as session:
        stmt = select(CreditEntry).where(CreditEntry.owner_id == owner.user_id,
                                         CreditEntry.reason == "marketplace.purchase")  # fmt: skip
        return list((await session.scalars(stmt)).all())


async def test_live_purchase_with_credits(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    buyer = await make_owner(livemode=True)
    await stock(app, line("twitter", "jane_doe", 500))
    [item] = await listed(client, buyer)
    response = await client.post(BUY, headers=buyer.headers, json={"account_id": item["id"]})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["account"] == {"id": item["id"], "platform": "twitter", "username": "jane_doe",
                               "email": "jane_doe@mail.example",
                               "password": "pw-jane_doe-secret",
                               "totp_secret": "ABCDEFGHIJKLMNOP"}  # fmt: skip
    assert body["paid_with"] == "credits" and body["credits_charged"] == 50.0
    assert body["amount_cents"] == 500 and body["livemode"] is True
    assert body["connected"] is False and body["social_account_id"] is None
    assert await balance(client, buyer) == 150.0  # 200 - $5.00 at 10 cents a credit
    [entry] = await ledger(app, buyer)
    assert entry.amount == -50_00 and entry.balance_after == 150_00
    assert await listed(client, buyer) == []  # sold: gone from the listing

    again = await client.post(BUY, headers=buyer.headers, json={"account_id": item["id"]})
    assert again.status_code == 409 and error(again)["code"] == "conflict"
    assert "just sold" in error(again)["message"]
    assert len(await ledger(app, buyer)) == 1


async def test_short_of_credits_is_402_and_the_item_stays(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    buyer = await make_owner(livemode=True)
    await stock(app, line("bluesky", "pricey", 300_000))  # $3,000 = 30,000 credits
    [item] = await listed(client, buyer)
    response = await client.post(BUY, headers=buyer.headers, json={"account_id": item["id"]})
    assert response.status_code == 402, response.text
    body = error(response)
    assert body["code"] == "insufficient_credits"
    assert body["details"] == {"balance": 200.0, "required": 30000.0}
    assert await listed(client, buyer) == [item]
    assert await balance(client, buyer) == 200.0 and await ledger(app, buyer) == []
    mine = await client.get("/api/v1/marketplace/purchases", headers=buyer.headers)
    assert mine.json() == {"purchases": [], "count": 0}


async def test_unknown_or_other_modes_item_is_404(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    await stock(app, line("twitter", "real_one", 500))
    live = await make_owner(livemode=True)
    tester = await make_owner()
    [real] = await listed(client, live)
    sandbox = (await listed(client, tester))[0]
    for who, item_id in ((tester, real["id"]), (live, sandbox["id"]), (live, "mkt_nope")):
        response = await client.post(BUY, headers=who.headers, json={"account_id": item_id})
        assert response.status_code == 404, response.text
        assert error(response)["code"] == "not_found"
    assert await listed(client, live) == [real]
    bad = await client.post(BUY, headers=live.headers, json={"account_id": real["id"], "x": 1})
    assert bad.status_code == 400 and error(bad)["code"] == "validation_error"


async def test_twenty_buyers_one_sale(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    buyers = [await make_owner(livemode=True) for _ in range(20)]
    await stock(app, line("twitter", "wanted", 500))
    [item] = await listed(client, buyers[0])
    responses = await asyncio.gather(*(
        client.post(BUY, headers=b.headers, json={"account_id": item["id"]}) for b in buyers
    ))  # fmt: skip
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 19, [r.text for r in responses if r.status_code >= 500]
    assert all(error(r)["code"] == "conflict" for r in responses if r.status_code == 409)
    debits = [e for b in buyers for e in await ledger(app, b)]
    assert len(debits) == 1
    [winner] = [b for b, r in zip(buyers, responses, strict=True) if r.status_code == 200]
    assert debits[0].owner_id == winner.user_id


async def test_card_payments(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory, cards: FakeCards
) -> None:
    buyer = await make_owner(livemode=True)
    await stock(app, line("bluesky", "pricey", 300_000))  # more than the balance covers
    [item] = await listed(client, buyer)
    body = {"account_id": item["id"]}

    cards.answer = None  # no card on file: credits were the only way
    response = await client.post(BUY, headers=buyer.headers, json=body)
    assert response.status_code == 402 and error(response)["code"] == "insufficient_credits"
    assert error(response)["details"] == {"balance": 200.0, "required": 30000.0}
    explicit = await client.post(BUY, headers=buyer.headers, json={**body, "pay_with": "card"})
    assert explicit.status_code == 402 and error(explicit)["code"] == "payment_required"
    assert "no card on file" in error(explicit)["message"]
    assert await listed(client, buyer) == [item]

    cards.answer = "decline"
    response = await client.post(BUY, headers=buyer.headers, json=body)
    assert response.status_code == 402 and error(response)["code"] == "payment_required"
    assert "declined" in error(response)["message"]
    assert await listed(client, buyer) == [item]  # the reservation was released

    cards.answer = "pi_paid_42"
    cards.charges.clear()
    response = await client.post(BUY, headers=buyer.headers, json=body)
    assert response.status_code == 200, response.text
    bought = response.json()
    assert bought["paid_with"] == "card" and bought["credits_charged"] == 0.0
    assert bought["account"]["password"] == "pw-pricey-secret"
    [charge] = cards.charges
    assert charge["amount_cents"] == 300_000 and charge["owner_id"] == buyer.user_id
    assert charge["idempotency_key"] == bought["purchase_id"]
    assert await balance(client, buyer) == 200.0 and await ledger(app, buyer) == []
    assert await listed(client, buyer) == []
    [record] = (await client.get("/api/v1/marketplace/purchases",
                                 headers=buyer.headers)).json()["purchases"]  # fmt: skip
    assert record["paid_with"] == "card" and record["amount_cents"] == 300_000


async def test_card_chosen_explicitly_even_when_credits_cover_it(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory, cards: FakeCards
) -> None:
    buyer = await make_owner(livemode=True)
    await stock(app, line("twitter", "cheap", 300))
    [item] = await listed(client, buyer)
    response = await client.post(BUY, headers=buyer.headers,
                                 json={"account_id": item["id"], "pay_with": "card"})  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["paid_with"] == "card" and len(cards.charges) == 1
    assert await balance(client, buyer) == 200.0


async def test_test_mode_buys_sandbox_accounts_spending_nothing_and_auto_connects(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    tester = await make_owner()
    twitter = await listed(client, tester, "twitter")
    assert len(twitter) == 2
    response = await client.post(BUY, headers=tester.headers,
                                 json={"account_id": twitter[0]["id"], "auto_connect": True})  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["livemode"] is False and body["credits_charged"] == 0.0
    assert body["paid_with"] == "credits"
    assert body["connected"] is True and body["connect_error"] is None
    assert body["account"]["username"] == "sandbox_twitter_1"
    assert body["account"]["email"] == "sandbox_twitter_1@sandbox.lowtato.test"
    assert await balance(client, tester) == 200.0 and await ledger(app, tester) == []
    accounts = (await client.get("/api/v1/accounts", headers=tester.headers)).json()["accounts"]
    assert [(a["id"], a["username"], a["sandbox"]) for a in accounts] == [
        (body["social_account_id"], "sandbox_twitter_1", True)
    ]
    # The last twitter item sold too: the sandbox is topped up, never empty.
    last = await client.post(BUY, headers=tester.headers, json={"account_id": twitter[1]["id"]})
    assert last.status_code == 200 and last.json()["connected"] is False
    refill = await listed(client, tester, "twitter")
    assert [a["username_masked"] for a in refill] == ["s***************3"]
    mine = (await client.get("/api/v1/marketplace/purchases", headers=tester.headers)).json()
    assert mine["count"] == 2
    assert [p["account"]["username"] for p in mine["purchases"]] == [
        "sandbox_twitter_2", "sandbox_twitter_1"]  # fmt: skip
    assert mine["purchases"][1]["social_account_id"] == body["social_account_id"]


async def test_test_mode_still_checks_the_balance(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    tester = await make_owner()
    async with app.state.db.transaction() as session:
        await credits.debit(session, tester.user_id, 190_00, "ai.generate")  # 10 credits left
    [cheapest, *_] = await listed(client, tester, "bluesky")
    assert cheapest["price_cents"] == 300  # 30 credits
    response = await client.post(BUY, headers=tester.headers,
                                 json={"account_id": cheapest["id"]})  # fmt: skip
    assert response.status_code == 402 and error(response)["code"] == "insufficient_credits"
    assert error(response)["details"] == {"balance": 10.0, "required": 30.0}
    assert cheapest in await listed(client, tester, "bluesky")


async def test_auto_connect_failure_keeps_the_purchase(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_owner: OwnerFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    without_live_adapter(monkeypatch, app, "tiktok")
    buyer = await make_owner(livemode=True)
    await stock(app, line("tiktok", "no_live_adapter", 300, access_token="tok",
                          platform_user_id="42"),
                line("twitter", "no_tokens", 300))  # fmt: skip
    items = {a["platform"]: a["id"] for a in await listed(client, buyer)}
    for platform, reason in (("tiktok", "not available with a live key"),
                             ("twitter", "without API tokens")):  # fmt: skip
        response = await client.post(BUY, headers=buyer.headers,
                                     json={"account_id": items[platform], "auto_connect": True})  # fmt: skip
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["connected"] is False and reason in body["connect_error"]
    assert await balance(client, buyer) == 140.0  # both bought: 2 x 30 credits
    accounts = await client.get("/api/v1/accounts", headers=buyer.headers)
    assert accounts.json()["accounts"] == []


async def test_purchases_are_the_buyers_own_in_its_mode(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    buyer = await make_owner(livemode=True, email="buyer@example.com")
    buyer_test = await make_owner(email="buyer@example.com")
    other = await make_owner(livemode=True)
    await stock(app, line("twitter", "first", 300), line("twitter", "second", 400))
    first, second = await listed(client, buyer)
    for item in (first, second):
        bought = await client.post(BUY, headers=buyer.headers, json={"account_id": item["id"]})
        assert bought.status_code == 200, bought.text
    response = await client.get("/api/v1/marketplace/purchases", headers=buyer.headers)
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["count"] == 2
    newest, oldest = body["purchases"]
    assert newest["account"]["username"] == "second" and oldest["account"]["username"] == "first"
    assert newest["account"]["password"] == "pw-second-secret"
    assert (newest["amount_cents"], newest["price_display"], newest["credits_charged"]) == (
        400, "$4.00", 40.0)  # fmt: skip
    assert newest["id"].startswith("pur_") and newest["created_at"]
    for stranger in (other, buyer_test):
        theirs = await client.get("/api/v1/marketplace/purchases", headers=stranger.headers)
        assert theirs.json() == {"purchases": [], "count": 0}


async def test_a_reservation_holds_for_ten_minutes_only(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    """A card payment in flight holds the item; one that never finished (a crashed process)
    stops holding it after ten minutes."""
    buyer = await make_owner(livemode=True)
    await stock(app, line("twitter", "held", 300))
    [item] = await listed(client, buyer)

    async def reserve(minutes_ago: int) -> None:
        async with app.state.db.transaction() as session:
            row = await session.get(MarketplaceItem, item["id"])
            assert row is not None
            row.status, row.reserved_by = "reserved", "pur_elsewhere"
            row.reserved_at = datetime.now(UTC) - timedelta(minutes=minutes_ago)

    await reserve(minutes_ago=9)
    assert await listed(client, buyer) == []
    held = await client.post(BUY, headers=buyer.headers, json={"account_id": item["id"]})
    assert held.status_code == 409 and "being bought" in error(held)["message"]
    await reserve(minutes_ago=11)
    assert await listed(client, buyer) == [item]
    bought = await client.post(BUY, headers=buyer.headers, json={"account_id": item["id"]})
    assert bought.status_code == 200, bought.text
