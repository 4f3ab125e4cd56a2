"""What generation costs and who may call it: 0.5 credits a post, 402 when short (nothing
written), never below zero under concurrency, the ``ai:generate`` scope, and every bad input
a 400 naming the field with nothing debited."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.ai.helpers import balance, generate, ok
from tests.api import error
from tests.conftest import Owner, OwnerFactory

from lowtato.billing import credits


async def spend_down_to(app: FastAPI, owner: Owner, hundredths: int) -> None:
    async with app.state.db.transaction() as session:
        await credits.debit(session, owner.user_id, 200_00 - hundredths, "test: spend")


async def test_each_post_costs_half_a_credit(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    test_key = await make_owner(email="baker@example.com")
    live_key = await make_owner(email="baker@example.com", livemode=True)
    await ok(client, test_key, topic="rye", platform="twitter")
    assert await balance(client, test_key) == 199.5
    await ok(client, live_key, topic="rye", platform="pinterest")  # one balance for both modes
    body = (await client.get("/api/v1/credits", headers=live_key.headers)).json()
    assert body["balance"] == 199.0 and body["used_this_month"] == 1.0


async def test_short_of_credits_is_a_402_and_nothing_is_written(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    await spend_down_to(app, owner, 40)
    response = await generate(client, owner, topic="rye", platform="linkedin")
    assert response.status_code == 402, response.text
    body = error(response)
    assert body["code"] == "insufficient_credits"
    assert body["details"] == {"balance": 0.4, "required": 0.5}
    assert "content" not in response.json()
    assert await balance(client, owner) == 0.4


async def test_concurrent_calls_never_overspend(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    await spend_down_to(app, owner, 5_00)  # room for exactly 10 posts
    responses = await asyncio.gather(
        *(generate(client, owner, topic=f"loaf {i}", platform="threads") for i in range(20))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [402] * 10
    assert all(
        error(r)["code"] == "insufficient_credits" for r in responses if r.status_code == 402
    )
    assert await balance(client, owner) == 0.0
    async with app.state.db.transaction() as session:
        entries = await credits.ledger(session, owner.user_id, limit=50)
    assert min(e.balance_after for e in entries) == 0
    assert sum(1 for e in entries if e.reason == "ai.generate") == 10


async def test_the_ai_generate_scope_is_required(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    reader = await make_owner(scopes=["posts:read", "accounts:write"])
    response = await generate(client, reader, topic="rye", platform="twitter")
    assert response.status_code == 403 and error(response)["code"] == "missing_scope"
    writer = await make_owner(scopes=["ai:generate", "analytics:read"])
    await ok(client, writer, topic="rye", platform="twitter")
    assert await balance(client, writer) == 199.5


VALID: dict[str, Any] = {"topic": "rye", "platform": "twitter"}


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"topic": None}, "topic", ""),
        ({"topic": "   "}, "topic", "blank"),
        ({"topic": "x" * 501}, "topic", "500"),
        ({"topic": 42}, "topic", ""),
        ({"platform": "myspace"}, "platform", "twitter, instagram, linkedin"),
        ({"platform": None}, "platform", ""),
        ({"tone": "sarcastic"}, "tone", "professional, casual, friendly, witty"),
        ({"custom_instructions": "y" * 2001}, "custom_instructions", "2000"),
        ({"include_hashtags": "yes"}, "include_hashtags", ""),
        ({"source_text": "hello"}, "source_text", ""),
    ],
)
async def test_bad_input_is_a_400_naming_the_field_and_costs_nothing(
    client: httpx.AsyncClient, owner: Owner, changes: dict[str, Any], field: str, says: str
) -> None:
    body = {k: v for k, v in {**VALID, **changes}.items() if v is not None}
    response = await client.post("/api/v1/ai/generate", headers=owner.headers, json=body)
    assert response.status_code == 400, response.text
    problem = error(response)
    assert problem["code"] == "validation_error"
    assert [d["field"] for d in problem["details"]] == [field]
    assert says in problem["message"]
    assert await balance(client, owner) == 200.0


async def test_not_json_is_a_400(client: httpx.AsyncClient, owner: Owner) -> None:
    response = await client.post(
        "/api/v1/ai/generate",
        headers={**owner.headers, "content-type": "application/json"},
        content=b"{topic",
    )
    assert response.status_code == 400 and error(response)["code"] == "invalid_json"
    assert await balance(client, owner) == 200.0
