"""Every API error arrives as the exception named after its code, carrying status, code,
message, details and the request id."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from tests.client.conftest import asgi_client
from tests.conftest import Owner, OwnerFactory

from lowtato.billing import credits
from lowtato.client import (
    ApiAccessNotInPlanError,
    AsyncLowtato,
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    IdempotencyKeyReusedError,
    InsufficientCreditsError,
    InternalServerError,
    LowtatoError,
    MissingScopeError,
    NotFoundError,
    PaymentRequiredError,
    ValidationError,
)
from lowtato.client._errors import error_from_response


async def test_not_found(lt: AsyncLowtato) -> None:
    with pytest.raises(NotFoundError) as caught:
        await lt.posts.get("post_missing")
    error = caught.value
    assert (error.status, error.code) == (404, "not_found")
    assert error.request_id and error.request_id.startswith("req_")
    assert str(error).startswith("not_found: ")


async def test_missing_scope(app: FastAPI, make_owner: OwnerFactory) -> None:
    reader = await make_owner(scopes=["posts:read"])
    async with asgi_client(app, reader.key) as lt:
        with pytest.raises(MissingScopeError) as caught:
            await lt.webhooks.list()
        assert isinstance(caught.value, ForbiddenError) and caught.value.status == 403
        assert (await lt.posts.list()).posts == []  # the scope it has still works


async def test_insufficient_credits_exposes_balance_and_required(
    app: FastAPI, lt: AsyncLowtato, owner: Owner
) -> None:
    async with app.state.db.transaction() as session:
        await credits.debit(session, owner.user_id, 199_00, "test")
    with pytest.raises(InsufficientCreditsError) as caught:
        await lt.ai.images("A loaf of rye")
    error = caught.value
    assert isinstance(error, PaymentRequiredError) and error.status == 402
    assert (error.balance, error.required) == (1.0, 2.0)
    assert (await lt.credits.get()).balance == 1.0  # nothing was taken


async def test_free_plan_and_bad_key(app: FastAPI, make_owner: OwnerFactory) -> None:
    free = await make_owner(plan="free")
    async with asgi_client(app, free.key) as lt:
        with pytest.raises(ApiAccessNotInPlanError):
            await lt.accounts.list()
    async with asgi_client(app, "lt_test_not-a-real-key") as lt:
        with pytest.raises(AuthenticationError) as caught:
            await lt.accounts.list()
        assert caught.value.status == 401


async def test_validation_details_name_the_field(lt: AsyncLowtato) -> None:
    with pytest.raises(ValidationError) as caught:
        await lt.slots.create([{"day": 9, "hour": 25}])
    assert caught.value.status == 400 and caught.value.details


async def test_idempotency_key_reused_with_another_body(lt: AsyncLowtato) -> None:
    await lt.webhooks.create("https://example.com/a", ["post.published"], idempotency_key="k1")
    with pytest.raises(IdempotencyKeyReusedError) as caught:
        await lt.webhooks.create("https://example.com/b", ["post.failed"], idempotency_key="k1")
    assert caught.value.status == 422
    assert [w.url for w in (await lt.webhooks.list()).webhooks] == ["https://example.com/a"]


def test_unknown_code_falls_back_by_status() -> None:
    newer = httpx.Response(409, json={"error": {"code": "brand_new", "message": "Later."}})
    error = error_from_response(newer)
    assert isinstance(error, ConflictError) and error.code == "brand_new"
    gateway = error_from_response(httpx.Response(504, text="<html>upstream</html>"))
    assert isinstance(gateway, InternalServerError) and gateway.code is None
    teapot = error_from_response(httpx.Response(418, json={"error": "short and stout"}))
    assert type(teapot) is LowtatoError and teapot.message == "short and stout"
