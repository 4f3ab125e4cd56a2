"""Stripe billing fixtures: the fake Stripe API on loopback (one per run, reset per test) and
an app configured to use it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import AppFactory, client_for
from tests.fakes.server import serve_app
from tests.fakes.stripe import StripeState, build, sign

WEBHOOK_SECRET = "whsec_test_lowtato"


@dataclass
class FakeStripe:
    url: str
    state: StripeState


@pytest.fixture(scope="session")
async def _stripe_server() -> AsyncIterator[FakeStripe]:
    state = StripeState()
    async with serve_app(build(state)) as url:
        yield FakeStripe(url, state)


@pytest.fixture
def stripe_fake(_stripe_server: FakeStripe) -> FakeStripe:
    _stripe_server.state.reset()
    return _stripe_server


@pytest.fixture
async def billing_app(app: FastAPI, app_factory: AppFactory, stripe_fake: FakeStripe) -> FastAPI:
    """Billing configured against the fake (the ``app`` fixture emptied the database and
    ``make_owner`` writes owners there)."""
    return await app_factory(
        stripe_secret_key=stripe_fake.state.api_key,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe_fake.url,
        # A plan change reaches keys within the auth cache's lifetime; tests read it at once.
        auth_cache_seconds=0.0,
    )


@pytest.fixture
async def billing(billing_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(billing_app) as c:
        yield c


async def deliver(
    client: httpx.AsyncClient, event: dict[str, Any], secret: str = WEBHOOK_SECRET
) -> httpx.Response:
    """Send ``event`` to the webhook as Stripe does: the JSON body, signed."""
    payload = json.dumps(event)
    return await client.post(
        "/api/v1/billing/stripe-webhook",
        content=payload,
        headers={"Stripe-Signature": sign(payload, secret), "Content-Type": "application/json"},
    )
