"""Connecting, listing and disconnecting accounts."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from tests.api import connect, create_post, error, later
from tests.conftest import Owner, OwnerFactory

PLATFORMS = ["twitter", "instagram", "linkedin", "tiktok", "facebook", "threads", "bluesky",
             "youtube", "pinterest"]  # fmt: skip


async def test_connect_list_and_fields(client: httpx.AsyncClient, owner: Owner) -> None:
    response = await client.post(
        "/api/v1/accounts/connect",
        headers=owner.headers,
        json={"platform": "LinkedIn", "access_token": "AQX-secret", "platform_user_id": "urn-1",
              "platform_username": "ada"},
    )  # fmt: skip
    assert response.status_code == 201
    created = response.json()
    assert created == {
        "id": created["id"],
        "platform": "linkedin",
        "username": "ada",
        "connected": True,
        "warnings": [],
    }
    accounts = (await client.get("/api/v1/accounts", headers=owner.headers)).json()["accounts"]
    assert accounts == [
        {"id": created["id"], "platform": "linkedin", "username": "ada", "fullname": "ada",
         "profile_image_url": None, "is_active": True, "sandbox": True, "disconnected_reason": None,
         "token_expires_at": None}
    ]  # fmt: skip
    profile = (await client.get("/api/v1/profile", headers=owner.headers)).json()
    assert profile["account_count"] == 1


async def test_reconnect_updates_instead_of_duplicating(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    first = await connect(client, owner, "twitter", "42")
    second = await connect(client, owner, "twitter", "42", platform_username="renamed")
    assert first == second
    accounts = (await client.get("/api/v1/accounts", headers=owner.headers)).json()["accounts"]
    assert [(a["id"], a["username"]) for a in accounts] == [(first, "renamed")]


async def test_unknown_platform_lists_the_nine(client: httpx.AsyncClient, owner: Owner) -> None:
    response = await client.post(
        "/api/v1/accounts/connect", headers=owner.headers,
        json={"platform": "myspace", "access_token": "x", "platform_user_id": "1"},
    )  # fmt: skip
    assert response.status_code == 400
    err = error(response)
    assert err["code"] == "validation_error"
    assert all(p in err["message"] for p in PLATFORMS)
    assert (await client.get("/api/v1/accounts", headers=owner.headers)).json()["accounts"] == []


async def test_plan_account_limit(client: httpx.AsyncClient, make_owner: OwnerFactory) -> None:
    starter = await make_owner(plan="starter")
    for i in range(20):
        await connect(client, starter, PLATFORMS[i % 9], f"user{i}")
    response = await client.post(
        "/api/v1/accounts/connect", headers=starter.headers,
        json={"platform": "twitter", "access_token": "x", "platform_user_id": "one-too-many"},
    )  # fmt: skip
    assert response.status_code == 402
    err = error(response)
    assert err["code"] == "payment_required"
    assert err["details"] == {"limit": 20, "current": 20, "plan": "starter"}
    # reconnecting an existing account is not a new one
    assert await connect(client, starter, "twitter", "user0")


async def test_tokens_never_leave_and_are_encrypted_at_rest(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    account_id = await connect(client, owner, "twitter", "777")
    responses = [
        await client.get("/api/v1/accounts", headers=owner.headers),
        await client.get(f"/api/v1/accounts/{account_id}/subaccounts", headers=owner.headers),
        await create_post(client, owner, account_id, scheduledTime=later()),
        await client.get("/api/v1/posts", headers=owner.headers),
        await client.get("/openapi.json"),
    ]
    for response in responses:
        assert "tok-twitter-777" not in response.text
        assert "refresh-twitter-777" not in response.text
    async with app.state.db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM social_accounts"))).all()
        events = (await conn.execute(text("SELECT data FROM events"))).all()
    dump = repr(rows) + repr(events)
    assert "tok-twitter-777" not in dump and "refresh-twitter-777" not in dump
    assert "v1." in dump  # the ciphertext is there
    keyring = app.state.keyring
    row = rows[0]._mapping
    assert (
        keyring.decrypt(row["access_token_enc"], aad=f"social_accounts.access_token:{account_id}")
        == "tok-twitter-777"
    )


async def test_disconnect_fails_scheduled_posts_and_hides_account(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    account_id = await connect(client, owner)
    post_id = (await create_post(client, owner, account_id, scheduledTime=later())).json()["id"]
    response = await client.delete(f"/api/v1/accounts/{account_id}", headers=owner.headers)
    assert response.status_code == 200 and response.json() == {"deleted": True}
    assert (await client.get("/api/v1/accounts", headers=owner.headers)).json()["accounts"] == []
    post = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    assert post["status"] == "failed" and post["error_code"] == "account_disconnected"
    again = await client.delete(f"/api/v1/accounts/{account_id}", headers=owner.headers)
    assert again.status_code == 404
    # reconnecting revives the same account
    assert await connect(client, owner) == account_id


async def test_test_key_connects_a_sandbox_account(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    tester = await make_owner(livemode=False)
    account_id = await connect(client, tester, "bluesky", "did:plc:abc")
    accounts = (await client.get("/api/v1/accounts", headers=tester.headers)).json()["accounts"]
    assert accounts[0]["id"] == account_id and accounts[0]["sandbox"] is True
