"""Generation through an OpenAI-compatible provider (a local fake of the API): the answer is
used and made to fit; a failing or slow provider is a 502 and the credits come back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from tests.ai.helpers import BAKERY, balance, brand, generate, ok
from tests.api import error
from tests.conftest import AppFactory, Owner, client_for
from tests.fakes.openai_compat import API_KEY, OpenAIState, build
from tests.fakes.server import serve_app

from lowtato.billing import credits
from lowtato.platforms.text import twitter_weighted_length


@pytest.fixture
async def fake() -> AsyncIterator[OpenAIState]:
    state = OpenAIState()
    async with serve_app(build(state)) as url:
        state.base_url = url
        yield state


@pytest.fixture
async def ai_client(
    app: FastAPI, app_factory: AppFactory, fake: OpenAIState
) -> AsyncIterator[httpx.AsyncClient]:
    """An app (on the test database ``app`` emptied) whose AI provider is the fake."""
    ai_app = await app_factory(
        ai_base_url=fake.base_url + "/v1",
        ai_api_key=API_KEY,
        ai_model="gpt-test",
        ai_timeout_seconds=0.5,
    )
    async with client_for(ai_app) as client:
        yield client


async def ledger_reasons(app: FastAPI, owner: Owner) -> list[str]:
    async with app.state.db.transaction() as session:
        return [e.reason for e in await credits.ledger(session, owner.user_id)]


async def test_the_answer_is_used_and_the_prompt_carries_the_brand(
    ai_client: httpx.AsyncClient, owner: Owner, fake: OpenAIState
) -> None:
    await brand(ai_client, owner, **{**BAKERY, "language": "de"})
    fake.reply = '"Frisches Roggenbrot, direkt aus dem Ofen. Kommt früh!\n\n#Roggen #Bäckerei"'
    body = await ok(ai_client, owner, topic="our new rye loaf", platform="twitter",
                    tone="casual", custom_instructions="Mention Saturday.")  # fmt: skip
    assert (
        body["content"]
        == "Frisches Roggenbrot, direkt aus dem Ofen. Kommt früh!\n#Roggen #Bäckerei"
    )
    assert body["hashtags"] == ["#Roggen", "#Bäckerei"]
    assert body["provider"] == "gpt-test" and body["language"] == "de"
    assert body["character_count"] == twitter_weighted_length(body["content"])
    assert body["credits_used"] == 0.5 and body["notes"] == []
    request = fake.requests[-1]["body"]
    system, user = request["messages"]
    assert user == {"role": "user", "content": "our new rye loaf"}
    prompt = system["content"]
    for expected in ("Crumb & Co", "We bake sourdough bread", "Busy families", "sourdough, local food",
                     "at most 280", "Write in German", "Tone: casual", "Mention Saturday.",
                     "X (Twitter)"):  # fmt: skip
        assert expected in prompt, expected
    assert 64 <= request["max_tokens"] <= 400


async def test_an_over_long_answer_is_shortened_and_extra_hashtags_dropped(
    ai_client: httpx.AsyncClient, owner: Owner, fake: OpenAIState
) -> None:
    fake.reply = " ".join(f"Sentence {i} is about bread." for i in range(40)) + (
        "\n\n#A1 #B2 #C3 #D4 #E5 #F6"
    )
    body = await ok(ai_client, owner, topic="bread", platform="twitter")
    assert body["character_count"] <= 280
    assert body["content"].endswith("bread.") and body["content"].startswith("Sentence 0 is")
    assert body["hashtags"] == []
    notes = " | ".join(body["notes"])
    assert "kept 2 of 6 hashtags" in notes and "shortened to fit X (Twitter)'s 280" in notes
    fake.reply = "Short and sweet.\n#A1 #B2 #C3 #D4"
    body = await ok(ai_client, owner, topic="bread", platform="linkedin", include_hashtags=False)
    assert body["content"] == "Short and sweet." and body["hashtags"] == []


@pytest.mark.parametrize("mode", ["error", "slow", "rate", "garbage"])
async def test_a_failing_provider_is_a_502_and_refunds(
    app: FastAPI, ai_client: httpx.AsyncClient, owner: Owner, fake: OpenAIState, mode: str
) -> None:
    fake.mode, fake.delay = mode, 3.0
    response = await generate(ai_client, owner, topic="bread", platform="threads")
    assert response.status_code == 502, response.text
    body = error(response)
    assert body["code"] == "ai_provider_error"
    assert "refunded" in body["message"] and "AI provider" in body["message"]
    assert await balance(ai_client, owner) == 200.0
    assert (await ledger_reasons(app, owner))[:2] == ["ai.generate.refund", "ai.generate"]
    credits_body = (await ai_client.get("/api/v1/credits", headers=owner.headers)).json()
    assert credits_body["topup_balance"] == 0.0  # a refund is not turned into top-up credit


async def test_an_empty_answer_is_a_provider_failure(
    ai_client: httpx.AsyncClient, owner: Owner, fake: OpenAIState
) -> None:
    fake.reply = "#OnlyHashtags #Nothing"
    response = await generate(ai_client, owner, topic="bread", platform="bluesky")
    assert response.status_code == 502 and error(response)["code"] == "ai_provider_error"
    assert await balance(ai_client, owner) == 200.0


async def test_no_transaction_is_held_while_the_provider_writes(
    app_factory: AppFactory, app: FastAPI, owner: Owner, fake: OpenAIState
) -> None:
    """The debit is committed before the provider is asked, and other writes go through while
    it works (on SQLite a held transaction would block them)."""
    slow_app = await app_factory(
        ai_base_url=fake.base_url + "/v1", ai_api_key=API_KEY, ai_model="gpt-test",
        ai_timeout_seconds=10.0,
    )  # fmt: skip
    fake.mode, fake.delay, fake.reply = "slow", 2.0, "Worth the wait."
    async with client_for(slow_app) as client:
        pending = asyncio.create_task(generate(client, owner, topic="rye", platform="bluesky"))
        for _ in range(200):
            if await balance(client, owner) == 199.5:
                break
            await asyncio.sleep(0.01)
        # Debited and visible while the provider has not answered yet (it answers after 2 s).
        assert fake.requests == [] and not pending.done()
        assert await balance(client, owner) == 199.5
        await brand(client, owner, brand_name="Still writable")
        assert not pending.done()
        response = await pending
    assert response.status_code == 200 and response.json()["content"] == "Worth the wait."
