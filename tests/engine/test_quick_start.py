"""The contract's "Quick Start (New Account)", all five steps, as an agent runs them with a
test key: onboarding, account ids, an AI-written post, the post into the next free slot, and
polling until it is published."""

from __future__ import annotations

from datetime import timedelta

import httpx
from tests.api import connect
from tests.conftest import Owner
from tests.engine.conftest import get_post

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock


async def test_quick_start_new_account(
    client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    await connect(client, tester, "linkedin", "42")  # an account the agent connected earlier
    # 1. onboarding in one call
    response = await client.post(
        "/api/v1/onboarding",
        headers=tester.headers,
        json={"brand_name": "Acme", "platforms": ["linkedin"], "timezone": "Europe/Berlin",
              "posting_frequency": "weekdays"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["schedule_slots_created"] == 5
    # 2. the account ids
    accounts = (await client.get("/api/v1/accounts", headers=tester.headers)).json()["accounts"]
    account_id = accounts[0]["id"]
    # 3. a post written with AI (the built-in generator: no provider configured)
    response = await client.post(
        "/api/v1/ai/generate",
        headers=tester.headers,
        json={"topic": "our first week", "platform": "linkedin", "tone": "friendly"},
    )
    assert response.status_code == 200, response.text
    generated = response.json()
    assert "Acme" in generated["content"] and generated["credits_used"] == 0.5
    # 4. that post into the next free slot
    response = await client.post(
        "/api/v1/posts",
        headers=tester.headers,
        json={"post": {"accountId": account_id, "content": {"text": generated["content"]}},
              "useNextFreeSlot": True},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    post_id = response.json()["id"]
    assert (await get_post(client, tester, post_id))["status"] == "scheduled"
    # 5. poll until published (the clock moves an hour per poll; a slot is at most 3 days off)
    for _ in range(24 * 4):
        post = await get_post(client, tester, post_id)
        if post["status"] in {"published", "failed"}:
            break
        frozen.advance(timedelta(hours=1))
        await worker.run_once()
    assert post["status"] == "published", post
    assert post["public_url"]
