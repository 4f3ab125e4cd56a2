"""``POST /api/v1/ai/images`` as an agent sees it: credits, the image model path, failures and
refunds, bad input, scopes, and the image published in a post on the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from tests.api import connect, create_post, error
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for
from tests.fakes.openai_compat import API_KEY, OpenAIState
from tests.fakes.openai_compat import build as build_openai
from tests.fakes.server import serve_app
from tests.images.helpers import balance, dominant, fetch, ledger, make_image, stored_media

from lowtato.billing import credits
from lowtato.jobs.worker import Worker
from lowtato.platforms.sandbox.models import SandboxPost
from lowtato.runtime import build_registry


@pytest.fixture
async def openai() -> AsyncIterator[OpenAIState]:
    state = OpenAIState()
    async with serve_app(build_openai(state)) as url:
        state.base_url = url
        yield state


async def _app_with_model(app_factory: AppFactory, openai: OpenAIState, image_model: str) -> FastAPI:  # fmt: skip
    return await app_factory(
        ai_base_url=openai.base_url + "/v1",
        ai_api_key=API_KEY,
        ai_model="chat-test",
        ai_image_model=image_model,
        ai_timeout_seconds=5.0,
    )


async def test_an_image_costs_two_credits(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    response = await make_image(client, owner, prompt="New seasonal menu")
    assert response.status_code == 201, response.text
    assert response.json()["credits_used"] == 2.0
    assert await balance(client, owner) == 198.0
    assert await ledger(app, owner) == [(-200, "ai.image")]


@pytest.mark.parametrize("as_url", [False, True])
async def test_the_image_model_draws_it_at_the_requested_size(
    app_factory: AppFactory, make_owner: OwnerFactory, openai: OpenAIState, as_url: bool
) -> None:
    app = await _app_with_model(app_factory, openai, "img-test")
    owner = await make_owner()
    openai.image_as_url = as_url
    async with client_for(app) as client:
        response = await make_image(client, owner, prompt="A loaf at dawn", platform="instagram")
        assert response.status_code == 201, response.text
        out = response.json()
        assert out["kind"] == "generated" and out["provider"] == "img-test"
        assert (out["width"], out["height"]) == (1080, 1350)
        assert out["mime_type"] == "image/jpeg"
        _, image = await fetch(client, out["url"])
        assert image.format == "JPEG" and image.size == (1080, 1350)
        r, g, b = dominant(image)  # the fake draws solid (40, 120, 200); JPEG is near it
        assert abs(r - 40) < 6 and abs(g - 120) < 6 and abs(b - 200) < 6
        assert await balance(client, owner) == 198.0
    sent = [r["body"] for r in openai.requests if r["path"] == "images"]
    # 4:5 portrait is asked as the provider's portrait size, then cropped and scaled
    assert sent == [{"model": "img-test", "prompt": "A loaf at dawn", "size": "1024x1536", "n": 1}]


async def test_without_an_image_model_the_card_is_made(
    app_factory: AppFactory, make_owner: OwnerFactory, openai: OpenAIState
) -> None:
    app = await _app_with_model(app_factory, openai, "")  # a chat model only
    owner = await make_owner()
    async with client_for(app) as client:
        response = await make_image(client, owner, prompt="Hello")
    assert response.status_code == 201, response.text
    assert response.json()["provider"] == "builtin" and response.json()["kind"] == "card"
    assert openai.requests == []


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("error", "HTTP 500"), ("rate", "HTTP 429"), ("garbage", "not a JSON object")],
)
async def test_a_provider_failure_is_502_and_refunded(
    app_factory: AppFactory,
    make_owner: OwnerFactory,
    openai: OpenAIState,
    mode: str,
    reason: str,
) -> None:
    app = await _app_with_model(app_factory, openai, "img-test")
    owner = await make_owner()
    openai.mode = mode
    async with client_for(app) as client:
        response = await make_image(client, owner, prompt="A loaf at dawn")
        assert response.status_code == 502
        body = error(response)
        assert body["code"] == "ai_provider_error"
        assert reason in body["message"] and "refunded" in body["message"]
        assert body["details"]["credits_refunded"] == 2.0
        assert await balance(client, owner) == 200.0
    assert await ledger(app, owner) == [(-200, "ai.image"),
                                        (200, "ai.image.refund")]  # fmt: skip
    assert await stored_media(app, owner) == 0


async def test_an_image_the_provider_sent_that_does_not_decode_is_refunded(
    app_factory: AppFactory,
    make_owner: OwnerFactory,
    openai: OpenAIState,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = await _app_with_model(app_factory, openai, "img-test")
    monkeypatch.setattr(app.state.services.llm, "image", _not_an_image)
    owner = await make_owner()
    async with client_for(app) as client:
        response = await make_image(client, owner, prompt="A loaf")
        assert response.status_code == 502
        assert "could not be decoded" in error(response)["message"]
        assert await balance(client, owner) == 200.0


async def _not_an_image(prompt: str, *, size: str) -> bytes:
    return b"<html>not a picture</html>"


async def test_short_of_credits_is_402_and_nothing_is_made(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    async with app.state.db.transaction() as session:
        await credits.debit(session, owner.user_id, 199_00, "test")
    response = await make_image(client, owner, prompt="Hello")
    assert response.status_code == 402
    body = error(response)
    assert body["code"] == "insufficient_credits"
    assert body["details"] == {"balance": 1.0, "required": 2.0}
    assert await balance(client, owner) == 1.0
    assert await stored_media(app, owner) == 0


@pytest.mark.parametrize(
    ("body", "field", "names"),
    [
        ({"prompt": ""}, "prompt", "at least 1"),
        ({"prompt": " \n "}, "prompt", "blank"),
        ({"prompt": "x" * 1001}, "prompt", "at most 1000"),
        ({"prompt": 42}, "prompt", ""),
        ({}, "prompt", ""),
        ({"prompt": "hi", "size": "999x999"}, "size", "1080x1350, 1080x1920"),
        ({"prompt": "hi", "size": "big"}, "size", "1200x627"),
        ({"prompt": "hi", "platform": "myspace"}, "platform", "'instagram'"),
        ({"prompt": "hi", "style": "vivid"}, "style", ""),
    ],
)
async def test_bad_input_is_400_and_costs_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    owner: Owner,
    body: dict[str, object],
    field: str,
    names: str,
) -> None:
    response = await client.post("/api/v1/ai/images", headers=owner.headers, json=body)
    assert response.status_code == 400, response.text
    problem = error(response)
    assert problem["code"] == "validation_error"
    assert any(field in str(d["field"]) for d in problem["details"]), problem
    assert names in problem["message"]
    assert await balance(client, owner) == 200.0
    assert await stored_media(app, owner) == 0


async def test_the_ai_generate_scope_is_needed(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    poster = await make_owner(scopes=["posts:write", "analytics:read"])
    response = await make_image(client, poster, prompt="Hello")
    assert response.status_code == 403
    assert error(response)["code"] == "missing_scope"
    assert await balance(client, poster) == 200.0
    generator = await make_owner(scopes=["ai:generate"])
    assert (await make_image(client, generator, prompt="Hello")).status_code == 201


async def test_a_retry_with_the_same_idempotency_key_is_not_charged_twice(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    headers = {**owner.headers, "Idempotency-Key": "img-1"}
    first = await client.post("/api/v1/ai/images", headers=headers, json={"prompt": "Hello"})
    again = await client.post("/api/v1/ai/images", headers=headers, json={"prompt": "Hello"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert await balance(client, owner) == 198.0 and await stored_media(app, owner) == 1


async def test_the_image_publishes_in_a_post_on_the_sandbox(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    image = (await make_image(client, owner, prompt="Doors open at 9", platform="twitter")).json()
    account = await connect(client, owner, "twitter", "1")
    content = {"text": "We are open!", "mediaUrls": [image["url"]]}
    draft = await create_post(
        client, owner, account, post={"accountId": account, "content": content}
    )
    assert draft.status_code == 201, draft.text
    post_id = draft.json()["id"]
    publish = await client.post(f"/api/v1/posts/{post_id}/publish", headers=owner.headers)
    assert publish.status_code == 200, publish.text
    worker = Worker(app.state.db, build_registry(app.state.services), concurrency=1,
                    lease_seconds=60)  # fmt: skip
    await worker.run_once()
    post = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    assert post["status"] == "published", post
    async with app.state.db.transaction() as session:
        sent = await session.scalar(
            select(SandboxPost).where(SandboxPost.request_post_id == post_id)
        )
    assert sent is not None and [m["url"] for m in sent.media] == [image["url"]]
