"""Per-owner sliding-window rate limits and their headers."""

from __future__ import annotations

import re

import httpx
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for, requires_redis


async def test_61st_get_is_refused_with_headers(
    app_factory: AppFactory, make_owner: OwnerFactory
) -> None:
    app = await app_factory(rate_limit_read=60, rate_limit_write=30)
    await app.state.limiter.reset()
    owner = await make_owner()
    async with client_for(app) as client:
        remaining = []
        for _ in range(60):
            response = await client.get("/api/v1/profile", headers=owner.headers)
            assert response.status_code == 200
            assert response.headers["X-RateLimit-Limit"] == "60"
            assert 1 <= int(response.headers["X-RateLimit-Reset"]) <= 60
            assert response.headers["RateLimit-Policy"] == '"read";q=60;w=60'
            assert re.fullmatch(r'"read";r=\d+;t=\d+', response.headers["RateLimit"])
            remaining.append(int(response.headers["X-RateLimit-Remaining"]))
        assert remaining == list(range(59, -1, -1))

        refused = await client.get("/api/v1/profile", headers=owner.headers)
        assert refused.status_code == 429
        body = refused.json()
        assert body["error"]["code"] == "rate_limited"
        assert 1 <= body["retryAfter"] <= 60
        assert refused.headers["Retry-After"] == str(body["retryAfter"])
        assert refused.headers["X-RateLimit-Remaining"] == "0"

        # writes have their own budget
        write = await client.patch("/api/v1/profile", headers=owner.headers, json={})
        assert write.status_code == 200
        assert write.headers["X-RateLimit-Limit"] == "30"
        assert write.headers["X-RateLimit-Remaining"] == "29"


async def test_budgets_are_per_owner_and_per_mode(
    app_factory: AppFactory, make_owner: OwnerFactory
) -> None:
    app = await app_factory(rate_limit_read=3)
    await app.state.limiter.reset()
    a = await make_owner(email="a@example.com")
    a_live = await make_owner(email="a@example.com", livemode=True)
    b = await make_owner(email="b@example.com")
    async with client_for(app) as client:
        for _ in range(3):
            assert (await client.get("/api/v1/profile", headers=a.headers)).status_code == 200
        assert (await client.get("/api/v1/profile", headers=a.headers)).status_code == 429
        assert (await client.get("/api/v1/profile", headers=a_live.headers)).status_code == 200
        assert (await client.get("/api/v1/profile", headers=b.headers)).status_code == 200


async def test_unauthenticated_requests_spend_no_budget(
    app_factory: AppFactory, owner: Owner
) -> None:
    app = await app_factory(rate_limit_read=2)
    await app.state.limiter.reset()
    async with client_for(app) as client:
        for _ in range(5):
            await client.get("/api/v1/profile", headers={"x-api-key": owner.key[:-2] + "zz"})
        response = await client.get("/api/v1/profile", headers=owner.headers)
        assert response.headers["X-RateLimit-Remaining"] == "1"


@requires_redis
async def test_two_instances_share_one_budget_through_redis(
    app_factory: AppFactory, owner: Owner
) -> None:
    first = await app_factory(rate_limit_read=10)
    second = await app_factory(rate_limit_read=10)
    await first.state.limiter.reset()
    async with client_for(first) as c1, client_for(second) as c2:
        statuses = []
        for i in range(12):
            client: httpx.AsyncClient = c1 if i % 2 == 0 else c2
            statuses.append(
                (await client.get("/api/v1/profile", headers=owner.headers)).status_code
            )
    assert statuses.count(200) == 10
    assert statuses[10:] == [429, 429]


async def test_rate_limits_fail_open_when_redis_is_down(
    app_factory: AppFactory, owner: Owner
) -> None:
    app = await app_factory(redis_url="redis://127.0.0.1:1/0", rate_limit_read=2)
    async with client_for(app) as client:
        codes = [
            (await client.get("/api/v1/profile", headers=owner.headers)).status_code
            for _ in range(3)
        ]
    assert codes == [200, 200, 429]  # the in-process fallback still enforces the limit
