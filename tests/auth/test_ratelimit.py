"""Per-owner sliding-window rate limits and their headers."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for, requires_redis

from lowtato.kit import ratelimit
from lowtato.kit.ratelimit import Policy


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


def test_the_memory_window_moves(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: now[0])
    windows = ratelimit.MemoryWindows()
    key = ("usr_1", "live", "read")
    answers = []
    for _ in range(3):  # hits at 1000, 1002, 1004
        answers.append(windows.hit(key, 3, 10)[:2])
        now[0] += 2
    assert answers == [(True, 2), (True, 1), (True, 0)]
    allowed, remaining, reset = windows.hit(key, 3, 10)  # at 1006
    assert (allowed, remaining, reset) == (False, 0, 4.0)  # the first hit leaves in 4 s
    assert windows.hit(("usr_2", "live", "read"), 3, 10)[:2] == (True, 2)  # its own budget
    now[0] += 4  # the first hit has left the window: one slot
    assert windows.hit(key, 3, 10)[:2] == (True, 0)
    assert windows.hit(key, 3, 10)[0] is False


async def test_a_check_in_memory_never_leaves_the_event_loop_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def no_thread(*_: object, **__: object) -> None:
        raise AssertionError("a rate-limit check handed work to a thread")

    monkeypatch.setattr(asyncio, "to_thread", no_thread)
    limiter = ratelimit.RateLimiter({Policy.read: 5}, 60)
    decisions = [await limiter.hit(Policy.read, "usr_1", "live") for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert decisions[-1].headers()["X-RateLimit-Remaining"] == "0"
    await asyncio.sleep(0.05)  # room for any task the check may have started
