"""``GET /api/health`` asks Stripe (cached), and Stripe down only degrades."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from tests.billing.conftest import FakeStripe
from tests.conftest import AppFactory, client_for


async def test_stripe_up_is_ok_and_asked_once_per_30_seconds(
    billing: httpx.AsyncClient, stripe_fake: FakeStripe
) -> None:
    first = await billing.get("/api/health")
    second = await billing.get("/api/health")
    assert first.status_code == second.status_code == 200
    assert first.json()["checks"]["stripe"] == second.json()["checks"]["stripe"] == "ok"
    assert first.json()["status"] == "healthy"
    assert stripe_fake.state.calls == [("GET", "/v1/balance")]


async def test_stripe_down_is_degraded_not_unhealthy(app: FastAPI, app_factory: AppFactory) -> None:
    down = await app_factory(stripe_secret_key="sk_test_x", stripe_api_base="http://127.0.0.1:1")
    async with client_for(down) as client:
        response = await client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["stripe"] == "error"
    assert response.json()["checks"]["db"] == "ok"


async def test_a_refused_key_is_an_error(
    app: FastAPI, app_factory: AppFactory, stripe_fake: FakeStripe
) -> None:
    wrong = await app_factory(stripe_secret_key="sk_test_revoked", stripe_api_base=stripe_fake.url)
    async with client_for(wrong) as client:
        response = await client.get("/api/health")
    assert response.json()["checks"]["stripe"] == "error"
    assert "sk_test_revoked" not in response.text
