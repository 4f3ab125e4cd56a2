"""The marketplace paid by a saved card for real: the composition hands billing's StripeCards
to the marketplace, and the purchase goes through the Stripe fake end to end."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from tests.billing.conftest import FakeStripe, deliver
from tests.conftest import Owner, OwnerFactory
from tests.marketplace.conftest import line, stock

BUY = "/api/v1/marketplace/purchase"


async def _buyer_with_card(
    billing: httpx.AsyncClient, make_owner: OwnerFactory, stripe_fake: FakeStripe, card: str
) -> Owner:
    owner = await make_owner(livemode=True)
    response = await billing.post(
        "/api/v1/billing/checkout", json={"credits": 10}, headers=owner.headers
    )
    event = stripe_fake.state.complete(response.json()["session_id"], card=card)
    assert (await deliver(billing, event)).status_code == 200
    return owner


async def test_a_purchase_the_credits_cannot_cover_is_charged_to_the_saved_card(
    billing_app: FastAPI,
    billing: httpx.AsyncClient,
    make_owner: OwnerFactory,
    stripe_fake: FakeStripe,
) -> None:
    buyer = await _buyer_with_card(billing, make_owner, stripe_fake, "pm_card_visa")
    before = (await billing.get("/api/v1/credits", headers=buyer.headers)).json()["balance"]
    await stock(billing_app, line("twitter", "big_account", 9_900))  # 990 credits: too many
    [item] = (await billing.get("/api/v1/marketplace", headers=buyer.headers)).json()["accounts"]
    response = await billing.post(BUY, headers=buyer.headers, json={"account_id": item["id"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["paid_with"] == "card" and body["credits_charged"] == 0.0
    assert body["account"]["username"] == "big_account"
    [intent] = [i for i in stripe_fake.state.intents.values() if i["amount"] == 9_900]
    assert intent["status"] == "succeeded" and intent["payment_method"] == "pm_card_visa"
    after = (await billing.get("/api/v1/credits", headers=buyer.headers)).json()["balance"]
    assert after == before


async def test_a_declined_card_leaves_the_item_for_sale(
    billing_app: FastAPI,
    billing: httpx.AsyncClient,
    make_owner: OwnerFactory,
    stripe_fake: FakeStripe,
) -> None:
    buyer = await _buyer_with_card(
        billing, make_owner, stripe_fake, "pm_card_visa_chargeDeclinedInsufficientFunds"
    )
    await stock(billing_app, line("linkedin", "pro_page", 9_900))
    [item] = (await billing.get("/api/v1/marketplace", headers=buyer.headers)).json()["accounts"]
    response = await billing.post(BUY, headers=buyer.headers, json={"account_id": item["id"]})
    assert response.status_code == 402, response.text
    assert response.json()["error"]["code"] == "payment_required"
    assert "declined" in response.json()["error"]["message"]
    listed = (await billing.get("/api/v1/marketplace", headers=buyer.headers)).json()
    assert [a["id"] for a in listed["accounts"]] == [item["id"]]
    purchases = (await billing.get("/api/v1/marketplace/purchases", headers=buyer.headers)).json()
    assert purchases == {"purchases": [], "count": 0}
