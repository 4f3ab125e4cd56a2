"""Charging a saved card (what the marketplace calls): success, decline, no card, idempotency."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from tests.billing.conftest import FakeStripe, deliver
from tests.conftest import Owner, OwnerFactory

from lowtato.billing.cards import StripeCards
from lowtato.errors import PaymentRequired


def _cards(app: FastAPI) -> StripeCards:
    return StripeCards(app.state.db, app.state.services.stripe)


async def _owner_with_card(
    billing: httpx.AsyncClient, make_owner: OwnerFactory, stripe_fake: FakeStripe, card: str
) -> Owner:
    owner = await make_owner(livemode=True)
    response = await billing.post(
        "/api/v1/billing/checkout", json={"credits": 10}, headers=owner.headers
    )
    event = stripe_fake.state.complete(response.json()["session_id"], card=card)
    assert (await deliver(billing, event)).status_code == 200
    return owner


async def test_charge_and_idempotent_retry(
    billing_app: FastAPI,
    billing: httpx.AsyncClient,
    make_owner: OwnerFactory,
    stripe_fake: FakeStripe,
) -> None:
    owner = await _owner_with_card(billing, make_owner, stripe_fake, "pm_card_visa")
    cards = _cards(billing_app)
    charge = {"owner_id": owner.user_id, "amount_cents": 499, "description": "Template pack",
              "idempotency_key": "pur_1"}  # fmt: skip
    first = await cards.charge(**charge)
    again = await cards.charge(**charge)
    assert first is not None and first == again
    assert list(stripe_fake.state.intents) == [first]
    intent = stripe_fake.state.intents[first]
    assert intent["amount"] == 499 and intent["status"] == "succeeded"
    assert intent["payment_method"] == "pm_card_visa" and intent["currency"] == "usd"
    other = await cards.charge(**{**charge, "idempotency_key": "pur_2"})
    assert other != first and len(stripe_fake.state.intents) == 2


async def test_decline_is_402_saying_why(
    billing_app: FastAPI,
    billing: httpx.AsyncClient,
    make_owner: OwnerFactory,
    stripe_fake: FakeStripe,
) -> None:
    owner = await _owner_with_card(
        billing, make_owner, stripe_fake, "pm_card_visa_chargeDeclinedInsufficientFunds"
    )
    with pytest.raises(PaymentRequired) as declined:
        await _cards(billing_app).charge(owner_id=owner.user_id, amount_cents=900,
                                         description="Pack", idempotency_key="pur_3")  # fmt: skip
    error = declined.value
    assert error.status == 402 and error.code == "payment_required"
    assert "declined (insufficient funds)" in error.message and "9995" in error.message
    assert error.details == {"decline_code": "insufficient_funds"}
    assert [i["status"] for i in stripe_fake.state.intents.values()] == ["requires_payment_method"]


async def test_no_customer_or_no_card_is_none(
    billing_app: FastAPI,
    billing: httpx.AsyncClient,
    make_owner: OwnerFactory,
    stripe_fake: FakeStripe,
) -> None:
    cards = _cards(billing_app)
    stranger = await make_owner(livemode=True)
    assert await cards.charge(owner_id=stranger.user_id, amount_cents=500,
                              description="x", idempotency_key="k1") is None  # fmt: skip
    # A plan subscriber has a customer but no card saved for off-session charges.
    subscriber = await make_owner(livemode=True, email="sub@example.com")
    response = await billing.post(
        "/api/v1/billing/checkout", json={"plan": "creator"}, headers=subscriber.headers
    )
    await deliver(billing, stripe_fake.state.complete(response.json()["session_id"]))
    assert await cards.charge(owner_id=subscriber.user_id, amount_cents=500,
                              description="x", idempotency_key="k2") is None  # fmt: skip
    assert stripe_fake.state.intents == {}


async def test_billing_off_is_none(app: FastAPI, make_owner: OwnerFactory) -> None:
    owner = await make_owner(livemode=True)
    cards = StripeCards(app.state.db, app.state.services.stripe)
    assert app.state.services.stripe is None
    assert await cards.charge(owner_id=owner.user_id, amount_cents=500,
                              description="x", idempotency_key="k") is None  # fmt: skip
