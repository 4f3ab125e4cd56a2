"""Retries: a 429 waits for Retry-After and goes again; a create whose answer was lost is
sent again with the same Idempotency-Key, so exactly one post exists; a POST without a key is
never re-sent after a 5xx; ``max_retries=0`` turns retries off."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from tests.client.conftest import Tap, asgi_client
from tests.conftest import Owner

from lowtato.client import APIConnectionError, RateLimitError, ServiceUnavailableError

RATE_LIMITED = {"error": {"code": "rate_limited", "message": "Slow down."}, "retryAfter": 1}


async def _account(app: FastAPI, owner: Owner) -> str:
    async with asgi_client(app, owner.key) as lt:
        return (await lt.accounts.connect("twitter", "tok", platform_user_id="1")).id


async def test_429_waits_for_retry_after_then_succeeds(app: FastAPI, owner: Owner) -> None:
    account = await _account(app, owner)
    tap = Tap(app)
    tap.answer(1, 429, RATE_LIMITED, {"Retry-After": "1"})
    async with asgi_client(app, owner.key, transport=tap) as lt:
        created = await lt.posts.create(account, "after the wait")
        assert (await lt.posts.get(created.id)).content_text == "after the wait"
    sent = [r for r in tap.requests if r.method == "POST"]
    assert len(sent) == 2
    assert sent[0].headers["idempotency-key"] == sent[1].headers["idempotency-key"]


async def test_429_is_raised_when_retries_are_off(app: FastAPI, owner: Owner) -> None:
    tap = Tap(app)
    tap.answer(1, 429, RATE_LIMITED, {"Retry-After": "7"})
    async with asgi_client(app, owner.key, transport=tap, max_retries=0) as lt:
        with pytest.raises(RateLimitError) as caught:
            await lt.accounts.list()
    assert caught.value.retry_after == 7.0 and len(tap.requests) == 1


async def test_lost_answer_to_a_create_makes_one_post(app: FastAPI, owner: Owner) -> None:
    account = await _account(app, owner)
    tap = Tap(app)
    tap.lose_answer(1)  # the server created the post; the client never heard back
    async with asgi_client(app, owner.key, transport=tap) as lt:
        created = await lt.posts.create(account, "exactly once")
        page = await lt.posts.list()
    assert [p.id for p in page.posts] == [created.id]
    first, second = (r for r in tap.requests if r.method == "POST")
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]


async def test_caller_key_is_sent_as_given(app: FastAPI, owner: Owner) -> None:
    account = await _account(app, owner)
    tap = Tap(app)
    async with asgi_client(app, owner.key, transport=tap) as lt:
        one = await lt.posts.create(account, "same", idempotency_key="order-42")
        two = await lt.posts.create(account, "same", idempotency_key="order-42")
        assert one.id == two.id and len((await lt.posts.list()).posts) == 1
    assert tap.requests[0].headers["idempotency-key"] == "order-42"


async def test_post_without_a_key_is_not_resent_after_5xx(app: FastAPI, owner: Owner) -> None:
    account = await _account(app, owner)
    tap = Tap(app)
    async with asgi_client(app, owner.key, transport=tap) as lt:
        draft = await lt.posts.create(account, "publish me")
        tap.answer(len(tap.requests) + 1, 503, {"error": {"code": "service_unavailable",
                                                          "message": "Retry shortly."}})  # fmt: skip
        with pytest.raises(ServiceUnavailableError):
            await lt.posts.publish(draft.id)
        assert (await lt.posts.get(draft.id)).status == "draft"
    assert sum(r.url.path.endswith("/publish") for r in tap.requests) == 1


async def test_get_is_retried_after_5xx_and_connection_errors(app: FastAPI, owner: Owner) -> None:
    tap = Tap(app)
    tap.answer(1, 502, {"error": {"code": "internal_error", "message": "Bad gateway."}})
    tap.lose_answer(2)
    async with asgi_client(app, owner.key, transport=tap) as lt:
        assert (await lt.accounts.list()).accounts == []
    assert len(tap.requests) == 3


async def test_no_answer_at_all_is_a_connection_error() -> None:
    async def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    transport = httpx.MockTransport(refuse)
    async with asgi_client(FastAPI(), "k", transport=transport, max_retries=1) as lt:
        with pytest.raises(APIConnectionError) as caught:
            await lt.credits.get()
    assert caught.value.status is None and "connection refused" in str(caught.value)
