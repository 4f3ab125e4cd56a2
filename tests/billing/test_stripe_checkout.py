"""Stripe checkout: what the fake Stripe saw, validation, keys, scopes, and billing off."""

from __future__ import annotations

import httpx
from tests.billing.conftest import FakeStripe
from tests.conftest import OwnerFactory

CHECKOUT = "/api/v1/billing/checkout"


async def test_not_configured_is_404_and_the_rest_works(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(livemode=True)
    for path in (CHECKOUT, "/api/v1/billing/cancel"):
        response = await client.post(path, json={"plan": "creator"}, headers=owner.headers)
        assert response.status_code == 404, response.text
        error = response.json()["error"]
        assert error["code"] == "not_found"
        assert "LOWTATO_STRIPE_SECRET_KEY" in error["message"]
    hook = await client.post("/api/v1/billing/stripe-webhook", content=b"{}")
    assert hook.status_code == 404
    status = await client.get("/api/v1/billing", headers=owner.headers)
    assert status.json() == {"configured": False, "plan": "starter", "subscription_status": None,
                             "customer": False, "card_on_file": False, "card": None}  # fmt: skip
    assert (await client.get("/api/v1/credits", headers=owner.headers)).status_code == 200


async def test_plan_checkout(
    billing: httpx.AsyncClient, make_owner: OwnerFactory, stripe_fake: FakeStripe
) -> None:
    owner = await make_owner(livemode=True, email="buyer@example.com")
    response = await billing.post(CHECKOUT, json={"plan": "creator"}, headers=owner.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    session = stripe_fake.state.sessions[body["session_id"]]
    assert body["checkout_url"] == session["url"]
    assert session["mode"] == "subscription"
    assert session["client_reference_id"] == owner.user_id
    assert session["metadata"] == {"owner_id": owner.user_id, "kind": "plan", "plan": "creator"}
    assert session["subscription_data"]["metadata"]["plan"] == "creator"
    price = session["line_items"][0]["price_data"]
    assert price["unit_amount"] == "2600" and price["currency"] == "usd"
    assert price["recurring"] == {"interval": "month"}
    assert session["success_url"].startswith("http://testserver/billing/success")
    page = await billing.get(session["success_url"].removeprefix("http://testserver"))
    assert page.status_code == 200 and "Payment received" in page.text
    cancelled = await billing.get(session["cancel_url"].removeprefix("http://testserver"))
    assert cancelled.status_code == 200 and "Nothing was charged" in cancelled.text
    customer = stripe_fake.state.customers[session["customer"]]
    assert customer["email"] == "buyer@example.com"
    assert customer["metadata"] == {"owner_id": owner.user_id}


async def test_topup_checkout_reuses_the_customer_and_saves_the_card(
    billing: httpx.AsyncClient, make_owner: OwnerFactory, stripe_fake: FakeStripe
) -> None:
    owner = await make_owner(livemode=True)
    first = await billing.post(CHECKOUT, json={"credits": 100}, headers=owner.headers)
    second = await billing.post(
        CHECKOUT,
        json={"credits": 10, "success_url": "https://agent.example/paid", "cancel_url":
              "https://agent.example/no"},
        headers=owner.headers,
    )  # fmt: skip
    assert first.status_code == second.status_code == 200, second.text
    one = stripe_fake.state.sessions[first.json()["session_id"]]
    two = stripe_fake.state.sessions[second.json()["session_id"]]
    assert one["mode"] == "payment" and "recurring" not in one["line_items"][0]["price_data"]
    assert one["line_items"][0]["price_data"]["unit_amount"] == "1000"  # 100 credits at $0.10
    assert two["line_items"][0]["price_data"]["unit_amount"] == "100"
    assert one["payment_intent_data"]["setup_future_usage"] == "off_session"
    assert one["metadata"] == {"owner_id": owner.user_id, "kind": "topup", "credits": "100"}
    assert two["success_url"] == "https://agent.example/paid"
    assert one["customer"] == two["customer"] and len(stripe_fake.state.customers) == 1


async def test_bad_bodies_are_400_and_reach_no_stripe(
    billing: httpx.AsyncClient, make_owner: OwnerFactory, stripe_fake: FakeStripe
) -> None:
    owner = await make_owner(livemode=True)
    for body in (
        {},
        {"plan": "creator", "credits": 100},
        {"plan": "free"},
        {"credits": 5},
        {"credits": 10_001},
        {"credits": 10, "success_url": "javascript:alert(1)"},
        {"credits": 10, "cancel_url": "ftp://example.com/x"},
        {"credits": 10, "coupon": "FREE"},
    ):
        response = await billing.post(CHECKOUT, json=body, headers=owner.headers)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"]["code"] == "validation_error"
    assert stripe_fake.state.calls == []


async def test_test_keys_cannot_pay_and_free_owners_can(
    billing: httpx.AsyncClient, make_owner: OwnerFactory, stripe_fake: FakeStripe
) -> None:
    test_key = await make_owner()
    refused = await billing.post(CHECKOUT, json={"plan": "starter"}, headers=test_key.headers)
    assert refused.status_code == 403
    assert "live key" in refused.json()["error"]["message"]
    assert stripe_fake.state.calls == []
    free = await make_owner(plan="free", livemode=True)
    upgrade = await billing.post(CHECKOUT, json={"plan": "starter"}, headers=free.headers)
    assert upgrade.status_code == 200, upgrade.text
    assert (await billing.get("/api/v1/billing", headers=free.headers)).json()["plan"] == "free"


async def test_scopes(
    billing: httpx.AsyncClient, make_owner: OwnerFactory, stripe_fake: FakeStripe
) -> None:
    reader = await make_owner(livemode=True, scopes=["analytics:read"])
    writer = await make_owner(livemode=True, scopes=["accounts:write"], email="w@example.com")
    denied = await billing.post(CHECKOUT, json={"credits": 10}, headers=reader.headers)
    assert denied.status_code == 403
    assert denied.json()["error"]["details"] == {"required_scope": "accounts:write"}
    assert (await billing.get("/api/v1/billing", headers=writer.headers)).status_code == 403
    assert (await billing.get("/api/v1/billing", headers=reader.headers)).status_code == 200
    allowed = await billing.post(CHECKOUT, json={"credits": 10}, headers=writer.headers)
    assert allowed.status_code == 200
    assert len(stripe_fake.state.sessions) == 1


async def test_stripe_refusing_is_503_and_nothing_is_stored(
    billing: httpx.AsyncClient, make_owner: OwnerFactory, stripe_fake: FakeStripe
) -> None:
    owner = await make_owner(livemode=True)
    stripe_fake.state.api_key = "sk_test_rotated"  # the server's key no longer works
    try:
        response = await billing.post(CHECKOUT, json={"credits": 10}, headers=owner.headers)
    finally:
        stripe_fake.state.api_key = "sk_test_lowtato"
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert "sk_test" not in response.text
    status = await billing.get("/api/v1/billing", headers=owner.headers)
    assert status.json()["customer"] is False


async def test_idempotency_key_returns_the_same_session(
    billing: httpx.AsyncClient, make_owner: OwnerFactory, stripe_fake: FakeStripe
) -> None:
    owner = await make_owner(livemode=True)
    headers = {**owner.headers, "Idempotency-Key": "buy-100"}
    first = await billing.post(CHECKOUT, json={"credits": 100}, headers=headers)
    again = await billing.post(CHECKOUT, json={"credits": 100}, headers=headers)
    assert first.status_code == again.status_code == 200, again.text
    assert first.json() == again.json() and len(stripe_fake.state.sessions) == 1
    other = await billing.post(CHECKOUT, json={"credits": 200}, headers=headers)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert len(stripe_fake.state.sessions) == 1
