"""Stripe's webhook: signatures, each event's effect, exactly once per event id."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from tests.billing.conftest import FakeStripe, deliver
from tests.conftest import Owner, OwnerFactory
from tests.fakes.stripe import sign

from lowtato.billing.models import CreditEntry

HOOK = "/api/v1/billing/stripe-webhook"


async def _checkout(client: httpx.AsyncClient, owner: Owner, body: dict[str, Any]) -> str:
    response = await client.post("/api/v1/billing/checkout", json=body, headers=owner.headers)
    assert response.status_code == 200, response.text
    return str(response.json()["session_id"])


async def _billing(client: httpx.AsyncClient, owner: Owner) -> dict[str, Any]:
    response = await client.get("/api/v1/billing", headers=owner.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _balance(client: httpx.AsyncClient, owner: Owner) -> float:
    response = await client.get("/api/v1/credits", headers=owner.headers)
    return float(response.json()["balance"])


async def _ledger(app: FastAPI, owner: Owner) -> list[tuple[str, int]]:
    async with app.state.db.transaction(readonly=True) as session:
        rows = await session.scalars(
            select(CreditEntry)
            .where(CreditEntry.owner_id == owner.user_id)
            .order_by(CreditEntry.created_at, CreditEntry.id)
        )
        return [(e.reason, e.amount) for e in rows]


async def test_bad_signatures_are_400_and_change_nothing(
    billing: httpx.AsyncClient, make_owner: OwnerFactory, stripe_fake: FakeStripe
) -> None:
    owner = await make_owner(livemode=True)
    event = stripe_fake.state.complete(await _checkout(billing, owner, {"plan": "agency"}))
    payload = json.dumps(event)
    stale = int(time.time()) - 301
    for headers in (
        {},
        {"Stripe-Signature": "garbage"},
        {"Stripe-Signature": sign(payload, "whsec_someone_else")},
        {"Stripe-Signature": sign(payload, "whsec_test_lowtato", timestamp=stale)},
        {"Stripe-Signature": sign(payload.replace("agency", "agency "), "whsec_test_lowtato")},
    ):
        response = await billing.post(HOOK, content=payload, headers=headers)
        assert response.status_code == 400, (headers, response.text)
        assert response.json()["error"]["code"] == "validation_error"
        assert "LOWTATO_STRIPE_WEBHOOK_SECRET" in response.json()["error"]["message"]
    assert (await _billing(billing, owner))["plan"] == "starter"
    assert await _balance(billing, owner) == 200.0
    assert (await deliver(billing, event)).json() == {"received": True, "duplicate": False}


async def test_plan_checkout_completed_changes_the_plan_and_tops_up(
    billing_app: FastAPI,
    billing: httpx.AsyncClient,
    make_owner: OwnerFactory,
    stripe_fake: FakeStripe,
) -> None:
    owner = await make_owner(livemode=True)
    event = stripe_fake.state.complete(await _checkout(billing, owner, {"plan": "creator"}))
    response = await deliver(billing, event)
    assert response.status_code == 200, response.text
    status = await _billing(billing, owner)
    assert status["plan"] == "creator" and status["subscription_status"] == "active"
    assert status["customer"] is True and status["card_on_file"] is False
    assert await _balance(billing, owner) == 500.0  # the creator plan's monthly credits
    assert (await _ledger(billing_app, owner))[-1] == ("plan_change", 300_00)
    # The plan is live for the API at once: a key works with creator limits.
    credits = await billing.get("/api/v1/credits", headers=owner.headers)
    assert credits.json()["plan_limit"] == 500.0


async def test_topup_grants_credits_and_saves_the_card(
    billing_app: FastAPI,
    billing: httpx.AsyncClient,
    make_owner: OwnerFactory,
    stripe_fake: FakeStripe,
) -> None:
    owner = await make_owner(livemode=True)
    event = stripe_fake.state.complete(await _checkout(billing, owner, {"credits": 250}))
    assert (await deliver(billing, event)).status_code == 200
    assert await _balance(billing, owner) == 450.0
    assert (await _ledger(billing_app, owner))[-1] == ("topup", 250_00)
    status = await _billing(billing, owner)
    assert status["plan"] == "starter"
    assert status["card_on_file"] is True
    assert status["card"] == {"brand": "visa", "last4": "4242"}


async def test_an_unpaid_checkout_grants_nothing(
    billing: httpx.AsyncClient, make_owner: OwnerFactory, stripe_fake: FakeStripe
) -> None:
    owner = await make_owner(livemode=True)
    event = stripe_fake.state.complete(await _checkout(billing, owner, {"credits": 250}))
    event["data"]["object"]["payment_status"] = "unpaid"  # a bank debit still on its way
    assert (await deliver(billing, event)).status_code == 200
    assert await _balance(billing, owner) == 200.0


async def test_the_same_event_twice_and_five_times_at_once_is_applied_once(
    billing_app: FastAPI,
    billing: httpx.AsyncClient,
    make_owner: OwnerFactory,
    stripe_fake: FakeStripe,
) -> None:
    owner = await make_owner(livemode=True)
    first = stripe_fake.state.complete(await _checkout(billing, owner, {"credits": 100}))
    again = [await deliver(billing, first), await deliver(billing, first)]
    assert [r.json()["duplicate"] for r in again] == [False, True]
    second = stripe_fake.state.complete(await _checkout(billing, owner, {"credits": 100}))
    burst = await asyncio.gather(*(deliver(billing, second) for _ in range(5)))
    assert all(r.status_code == 200 for r in burst), [r.text for r in burst]
    assert sorted(r.json()["duplicate"] for r in burst) == [False, True, True, True, True]
    assert await _balance(billing, owner) == 400.0
    topups = [e for e in await _ledger(billing_app, owner) if e[0] == "topup"]
    assert topups == [("topup", 100_00), ("topup", 100_00)]


async def test_subscription_lifecycle(
    billing_app: FastAPI,
    billing: httpx.AsyncClient,
    make_owner: OwnerFactory,
    stripe_fake: FakeStripe,
) -> None:
    owner = await make_owner(plan="free", livemode=True)
    state = stripe_fake.state
    event = state.complete(await _checkout(billing, owner, {"plan": "starter"}))
    await deliver(billing, event)
    assert (await _billing(billing, owner))["plan"] == "starter"
    assert await _balance(billing, owner) == 200.0
    sub = state.subscriptions[event["data"]["object"]["subscription"]]

    # A renewal keeps the plan and grants nothing (the monthly reset does).
    await deliver(billing, state.event("customer.subscription.updated", sub))
    assert await _balance(billing, owner) == 200.0

    # Upgraded in Stripe's dashboard: the plan follows the subscription's metadata.
    sub["metadata"]["plan"] = "agency"
    await deliver(billing, state.event("customer.subscription.updated", sub))
    assert (await _billing(billing, owner))["plan"] == "agency"
    assert await _balance(billing, owner) == 1500.0

    # A failed renewal payment is recorded; the plan stays while Stripe retries.
    invoice = {"id": "in_1", "object": "invoice", "customer": sub["customer"]}
    assert (await deliver(billing, state.event("invoice.payment_failed", invoice))).is_success
    sub["status"] = "past_due"
    await deliver(billing, state.event("customer.subscription.updated", sub))
    status = await _billing(billing, owner)
    assert status["plan"] == "agency" and status["subscription_status"] == "past_due"

    sub["status"] = "canceled"
    await deliver(billing, state.event("customer.subscription.deleted", sub))
    status = await _billing(billing, owner)
    assert status["plan"] == "free" and status["subscription_status"] == "canceled"
    # The balance is kept until the monthly reset (a free key cannot read /credits).
    assert sum(amount for _, amount in await _ledger(billing_app, owner)) == 1500_00


async def test_unpaid_subscription_is_free(
    billing: httpx.AsyncClient, make_owner: OwnerFactory, stripe_fake: FakeStripe
) -> None:
    owner = await make_owner(livemode=True)
    event = stripe_fake.state.complete(await _checkout(billing, owner, {"plan": "creator"}))
    await deliver(billing, event)
    sub = stripe_fake.state.subscriptions[event["data"]["object"]["subscription"]]
    sub["status"] = "unpaid"
    await deliver(billing, stripe_fake.state.event("customer.subscription.updated", sub))
    assert (await _billing(billing, owner))["plan"] == "free"


async def test_unknown_events_and_strangers_are_ignored(
    billing: httpx.AsyncClient, make_owner: OwnerFactory, stripe_fake: FakeStripe
) -> None:
    owner = await make_owner(livemode=True)
    ignored = stripe_fake.state.event("charge.refunded", {"id": "ch_1", "object": "charge"})
    assert (await deliver(billing, ignored)).json() == {"received": True, "duplicate": False}
    stranger = stripe_fake.state.event(
        "customer.subscription.deleted",
        {"id": "sub_x", "object": "subscription", "customer": "cus_unknown", "status": "canceled",
         "metadata": {"owner_id": "usr_nobody"}},
    )  # fmt: skip
    assert (await deliver(billing, stranger)).status_code == 200
    assert (await _billing(billing, owner))["plan"] == "starter"


async def test_cancel_stops_renewal_and_keeps_the_plan(
    billing: httpx.AsyncClient, make_owner: OwnerFactory, stripe_fake: FakeStripe
) -> None:
    owner = await make_owner(livemode=True)
    nothing = await billing.post("/api/v1/billing/cancel", headers=owner.headers)
    assert nothing.status_code == 409
    event = stripe_fake.state.complete(await _checkout(billing, owner, {"plan": "creator"}))
    await deliver(billing, event)
    twice = await billing.post(
        "/api/v1/billing/checkout", json={"plan": "agency"}, headers=owner.headers
    )
    assert twice.status_code == 409 and "cancel" in twice.json()["error"]["message"].lower()
    response = await billing.post("/api/v1/billing/cancel", headers=owner.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"plan": "creator", "subscription_status": "active",
                               "cancel_at_period_end": True}  # fmt: skip
    sub = stripe_fake.state.subscriptions[event["data"]["object"]["subscription"]]
    assert sub["cancel_at_period_end"] is True
    assert (await _billing(billing, owner))["plan"] == "creator"
