"""A slow platform never blocks other owners: connecting an account (OAuth callback or
``POST /accounts/connect``) talks to the platform with no database transaction open, so
another owner's write goes through while the platform is still thinking."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for, empty_database
from tests.fakes.fixtures import FAKE_PREFIXES, Fakes
from tests.fakes.state import Gate
from tests.fakes.x import seed_account, store


@pytest.fixture
async def patient_app(app_factory: AppFactory, fakes: Fakes) -> FastAPI:
    """Live adapters on the fakes, waiting for a platform longer than SQLite waits for its
    write lock (10 s), as in production (30 s)."""
    platforms = {
        name: {"base_url": fakes.url + prefix, "auth_url": fakes.url + prefix,
               "client_id": f"{name}-client-id", "client_secret": f"{name}-client-secret"}
        for name, prefix in FAKE_PREFIXES.items()
    }  # fmt: skip
    app = await app_factory(platforms=platforms, platform_timeout_seconds=30.0)
    await empty_database(app.state.db)
    await app.state.limiter.reset()
    return app


async def _patch_profile_while_held(client: httpx.AsyncClient, other: Owner, gate: Gate) -> None:
    await gate.reached.wait()
    response = await client.patch(
        "/api/v1/profile", headers=other.headers, json={"display_name": "Grace"}
    )
    assert response.status_code == 200, response.text
    profile = (await client.get("/api/v1/profile", headers=other.headers)).json()
    assert profile["display_name"] == "Grace"


async def _accounts(client: httpx.AsyncClient, owner: Owner) -> list[tuple[str, str]]:
    response = await client.get("/api/v1/accounts", headers=owner.headers)
    return [(a["platform"], a["username"]) for a in response.json()["accounts"]]


async def test_oauth_callback_with_a_slow_token_endpoint_blocks_no_one(
    patient_app: FastAPI, make_owner: OwnerFactory, fakes: Fakes
) -> None:
    owner = await make_owner(livemode=True)
    other = await make_owner(livemode=True)
    store(fakes.state).user("1001", "linked_user")
    async with client_for(patient_app) as client, httpx.AsyncClient() as browser:
        link = await client.post("/api/v1/accounts/connect-link", headers=owner.headers,
                                 json={"platform": "twitter"})  # fmt: skip
        consent = await browser.get(link.json()["url"])
        callback = urlsplit(consent.headers["location"])
        gate = fakes.state.hold("x", "token")
        done = asyncio.create_task(client.get(f"{callback.path}?{callback.query}"))
        try:
            await _patch_profile_while_held(client, other, gate)
            assert not done.done()  # the token exchange is still waiting on the platform
        finally:
            gate.open()
        assert (await done).status_code == 200, (await done).text
        assert await _accounts(client, owner) == [("twitter", "linked_user")]
        # the state was burnt before the slow exchange: the link does not work twice
        again = await client.get(f"{callback.path}?{callback.query}")
        assert again.status_code == 400 and "already used" in again.text


async def test_connect_with_a_slow_whoami_blocks_no_one(
    patient_app: FastAPI, make_owner: OwnerFactory, fakes: Fakes
) -> None:
    owner = await make_owner(livemode=True)
    other = await make_owner(livemode=True)
    access, refresh = seed_account(fakes.state, "1001", "lowtato_fan")
    async with client_for(patient_app) as client:
        gate = fakes.state.hold("x", "users_me")
        connect = asyncio.create_task(
            client.post(
                "/api/v1/accounts/connect",
                headers=owner.headers,
                json={
                    "platform": "twitter",
                    "access_token": access,
                    "refresh_token": refresh,
                    "platform_user_id": "1001",
                },
            )
        )
        try:
            await _patch_profile_while_held(client, other, gate)
            assert not connect.done()
        finally:
            gate.open()
        assert (await connect).status_code == 201, (await connect).text
        assert await _accounts(client, owner) == [("twitter", "lowtato_fan")]
