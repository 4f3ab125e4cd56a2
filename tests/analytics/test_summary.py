"""``GET /api/v1/analytics/summary`` and ``GET /api/v1/posts/{id}/analytics`` over a fixed data
set inserted through the ORM: every figure checked against numbers computed by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.api import error
from tests.conftest import Owner, OwnerFactory

from lowtato.accounts.models import SocialAccount
from lowtato.analytics.engagement import engagement
from lowtato.analytics.models import MetricSnapshot
from lowtato.auth.models import User
from lowtato.kit.clock import FrozenClock, use_clock
from lowtato.kit.ids import new_id
from lowtato.platforms.base import Metrics
from lowtato.posts.models import Post

# Wednesday 2026-06-17 12:00 UTC = 08:00 in New York (EDT, UTC-4). The week began on Monday
# 2026-06-15 00:00 EDT = 04:00 UTC. 30d period: [May 18 12:00, now]; the one before it:
# [Apr 18 12:00, May 18 12:00).
NOW = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)
ZONE = "America/New_York"


def at(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[FrozenClock]:
    clock = FrozenClock(NOW)
    with use_clock(clock):
        yield clock


class Data:
    """Rows for one owner and mode, written straight to the database."""

    def __init__(self, app: FastAPI, owner_id: str, livemode: bool) -> None:
        self.app, self.owner_id, self.livemode = app, owner_id, livemode

    async def account(self, platform: str) -> str:
        account = SocialAccount(
            id=new_id("acc"), owner_id=self.owner_id, livemode=self.livemode, platform=platform,
            platform_user_id=f"{platform}-{new_id('acc')}", username=platform,
            sandbox=not self.livemode, created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        async with self.app.state.db.transaction() as session:
            session.add(account)
        return account.id

    async def post(
        self, account: str, platform: str, published_at: datetime | None, status: str = "published"
    ) -> str:
        post = Post(
            id=new_id("post"), owner_id=self.owner_id, livemode=self.livemode,
            account_id=account, platform=platform, status=status, content_text="hi",
            media_urls=[], options={}, result={}, published_at=published_at,
            platform_post_id=f"pp-{new_id('post')}" if published_at else None,
            created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        async with self.app.state.db.transaction() as session:
            session.add(post)
        return post.id

    async def snap(self, post_id: str, captured_at: datetime, **figures: int) -> None:
        async with self.app.state.db.transaction() as session:
            post = await session.get(Post, post_id)
            assert post is not None
            metrics = Metrics(**figures)
            session.add(
                MetricSnapshot(
                    id=new_id("snap"), owner_id=self.owner_id, livemode=self.livemode,
                    post_id=post_id, social_account_id=post.account_id, platform=post.platform,
                    captured_at=captured_at, engagement=engagement(post.platform, metrics),
                    **figures,
                )
            )  # fmt: skip


async def summary(client: httpx.AsyncClient, owner: Owner, query: str = "") -> dict[str, Any]:
    response = await client.get(f"/api/v1/analytics/summary{query}", headers=owner.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture
async def data(app: FastAPI, owner: Owner) -> dict[str, str]:
    """The test-mode owner's data set; the engagement of each post's LATEST snapshot is in
    brackets (engagement = likes + comments + shares)."""
    async with app.state.db.transaction() as session:
        user = await session.get(User, owner.user_id)
        assert user is not None
        user.timezone = ZONE
    d = Data(app, owner.user_id, livemode=False)
    a, b, c = await d.account("twitter"), await d.account("youtube"), await d.account("linkedin")
    ids = {"a": a, "b": b, "c": c}
    # This 30d period.
    ids["p1"] = p1 = await d.post(a, "twitter", at(6, 16, 13))  # Tue 09:00 EDT
    await d.snap(p1, at(6, 16, 14), likes=1, impressions=50)  # older: ignored
    await d.snap(p1, at(6, 17, 10), likes=10, comments=2, shares=3, impressions=400)  # [15]
    ids["p2"] = p2 = await d.post(a, "twitter", at(6, 15, 13, 30))  # Mon 09:30 EDT
    await d.snap(p2, at(6, 17, 10), likes=20, comments=4, shares=1, impressions=900)  # [25]
    p3 = await d.post(b, "youtube", at(6, 10, 22))  # Wed 18:00 EDT
    await d.snap(p3, at(6, 11, 10), likes=1, views=10)  # older: ignored
    await d.snap(p3, at(6, 17, 10), likes=30, comments=5, views=1000)  # [35], shares None
    await d.post(c, "linkedin", at(6, 1, 12))  # Mon 08:00 EDT, no snapshot yet [0]
    p5 = await d.post(a, "twitter", at(5, 18, 12))  # exactly the period's start: inside
    await d.snap(p5, at(6, 1, 0), likes=5)  # [5]
    # The 30d period before: [Apr 18 12:00, May 18 12:00).
    p6 = await d.post(a, "twitter", at(5, 18, 11, 59, 59))  # one second before the start
    await d.snap(p6, at(6, 1, 0), likes=40, comments=3)  # [43]
    p7 = await d.post(b, "youtube", at(4, 20, 12))
    await d.snap(p7, at(6, 1, 0), likes=50, views=9000)  # [50]
    # Older than both 30d periods, but inside 90d.
    p8 = await d.post(a, "twitter", at(4, 18, 11))
    await d.snap(p8, at(6, 1, 0), likes=1000)  # [1000]
    # In the 90d period before this 90d one ([Dec 19 12:00, Mar 19 12:00)).
    p10 = await d.post(a, "twitter", at(2, 1, 12))
    await d.snap(p10, at(3, 1, 0), likes=100)  # [100]
    # Never published: not counted anywhere.
    await d.post(a, "twitter", None, status="scheduled")
    await d.post(a, "twitter", None, status="failed")
    return ids


async def test_summary_30d_every_field(
    client: httpx.AsyncClient, owner: Owner, data: dict[str, str]
) -> None:
    body = await summary(client, owner)  # period defaults to 30d
    assert body == {
        "period": "30d",
        # p1, p2, p3, p4 (no snapshot), p5 (at the start); not p6 (one second before).
        "total_posts": 5,
        # 15 + 25 + 35 + 0 + 5
        "total_engagement": 80,
        # Since Mon 04:00 UTC: p1 (Tue), p2 (Mon 13:30 UTC).
        "posts_this_week": 2,
        # twitter 15 + 25 + 5 = 45 > youtube 35 > linkedin 0
        "top_platform": "twitter",
        # Local hours: 09 → (15 + 25) / 2 = 20; 18 → 35; 08 → 5 (p4 has no snapshot) → 18:00
        # (in UTC p3 is 22:00: the owner's timezone decides).
        "best_posting_time": "18:00",
        # Monday (p2 25, p5 5) → 15; Tuesday (p1) 15; Wednesday (p3) 35.
        "best_posting_day": "Wednesday",
        # previous: p6 43 + p7 50 = 93; (80 - 93) / 93 = -13.98 %
        "engagement_trend": "down",
        "engagement_change_percent": -14.0,
        "platform_breakdown": [
            {"platform": "twitter", "posts": 3, "engagement": 45, "likes": 35, "comments": 6,
             "shares": 4, "impressions": 1300, "views": None},  # 10+20+5, 2+4, 3+1, 400+900
            {"platform": "youtube", "posts": 1, "engagement": 35, "likes": 30, "comments": 5,
             "shares": 0, "impressions": None, "views": 1000},
            {"platform": "linkedin", "posts": 1, "engagement": 0, "likes": 0, "comments": 0,
             "shares": 0, "impressions": None, "views": None},
        ],
    }  # fmt: skip


async def test_summary_7d_and_90d(
    client: httpx.AsyncClient, owner: Owner, data: dict[str, str]
) -> None:
    week = await summary(client, owner, "?period=7d")
    # [Jun 10 12:00, now]: p1, p2, p3 → 15 + 25 + 35; the week before has nothing → up, no %.
    assert (week["total_posts"], week["total_engagement"]) == (3, 75)
    assert (week["engagement_trend"], week["engagement_change_percent"]) == ("up", None)
    assert week["posts_this_week"] == 2 and week["top_platform"] == "twitter"
    assert [p["platform"] for p in week["platform_breakdown"]] == ["twitter", "youtube"]
    quarter = await summary(client, owner, "?period=90d")
    # [Mar 19 12:00, now]: p1..p8 → 80 + 43 + 50 + 1000 = 1173; before: p10 100 → +1073 %.
    assert (quarter["total_posts"], quarter["total_engagement"]) == (8, 1173)
    assert (quarter["engagement_trend"], quarter["engagement_change_percent"]) == ("up", 1073.0)
    # twitter: 15 + 25 + 5 + 43 + 1000 = 1088; youtube 35 + 50 = 85
    assert [(p["platform"], p["posts"], p["engagement"]) for p in quarter["platform_breakdown"]] == [
        ("twitter", 5, 1088), ("youtube", 2, 85), ("linkedin", 1, 0),
    ]  # fmt: skip
    # Local hours: 07 → p6 (07:59:59 EDT) 43, p8 (07:00 EDT) 1000 → 521.5; 08 → p5 5, p7 50
    # → 27.5; 09 → 20; 18 → 35.
    assert quarter["best_posting_time"] == "07:00"


async def test_summary_for_one_account(
    client: httpx.AsyncClient, owner: Owner, data: dict[str, str]
) -> None:
    twitter = await summary(client, owner, f"?account_id={data['a']}")
    # p1 15 + p2 25 + p5 5 = 45 against p6 43: +4.65 % → flat.
    assert (twitter["total_posts"], twitter["total_engagement"]) == (3, 45)
    assert (twitter["engagement_trend"], twitter["engagement_change_percent"]) == ("flat", 4.7)
    assert twitter["best_posting_time"] == "09:00"  # 09 → 20 beats 08 → 5
    assert twitter["best_posting_day"] == "Monday"  # Monday 15 ties Tuesday 15: the earliest
    assert [p["platform"] for p in twitter["platform_breakdown"]] == ["twitter"]
    youtube = await summary(client, owner, f"?account_id={data['b']}&period=30d")
    # p3 35 against p7 50: -30 % → down.
    assert (youtube["total_posts"], youtube["posts_this_week"]) == (1, 0)
    assert (youtube["engagement_trend"], youtube["engagement_change_percent"]) == ("down", -30.0)
    linkedin = await summary(client, owner, f"?account_id={data['c']}")
    # One post without metrics: counted, no engagement, no best time; 0 against 0 is flat.
    assert (linkedin["total_posts"], linkedin["total_engagement"]) == (1, 0)
    assert linkedin["top_platform"] == "linkedin"
    assert linkedin["best_posting_time"] is None and linkedin["best_posting_day"] is None
    assert (linkedin["engagement_trend"], linkedin["engagement_change_percent"]) == ("flat", None)


async def test_an_owner_without_posts_gets_zeros(
    client: httpx.AsyncClient, make_owner: OwnerFactory, data: dict[str, str]
) -> None:
    other = await make_owner()
    assert await summary(client, other, "?period=90d") == {
        "period": "90d", "total_posts": 0, "total_engagement": 0, "posts_this_week": 0,
        "top_platform": None, "best_posting_time": None, "best_posting_day": None,
        "engagement_trend": "flat", "engagement_change_percent": None, "platform_breakdown": [],
    }  # fmt: skip


async def test_modes_do_not_see_each_other(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, make_owner: OwnerFactory,
    data: dict[str, str],
) -> None:  # fmt: skip
    live_key = await make_owner(email=owner.email, livemode=True)  # the same owner, live key
    assert live_key.user_id == owner.user_id
    live = Data(app, owner.user_id, livemode=True)
    account = await live.account("twitter")
    post = await live.post(account, "twitter", at(6, 16, 13))
    await live.snap(post, at(6, 17, 10), likes=500)
    body = await summary(client, live_key)
    assert (body["total_posts"], body["total_engagement"], body["posts_this_week"]) == (1, 500, 1)
    assert (await summary(client, owner))["total_engagement"] == 80  # the test key: unchanged
    # Each key's posts and accounts are not found with the other key.
    for key, post_id, account_id in ((owner, post, account), (live_key, data["p1"], data["a"])):
        response = await client.get(f"/api/v1/posts/{post_id}/analytics", headers=key.headers)
        assert response.status_code == 404 and error(response)["code"] == "not_found"
        response = await client.get(
            f"/api/v1/analytics/summary?account_id={account_id}", headers=key.headers
        )
        assert response.status_code == 404 and error(response)["code"] == "not_found"


async def test_another_owners_post_and_account_are_not_found(
    client: httpx.AsyncClient, make_owner: OwnerFactory, data: dict[str, str]
) -> None:
    stranger = await make_owner()
    response = await client.get(f"/api/v1/posts/{data['p1']}/analytics", headers=stranger.headers)
    assert response.status_code == 404 and error(response)["code"] == "not_found"
    response = await client.get(
        f"/api/v1/analytics/summary?account_id={data['a']}", headers=stranger.headers
    )
    assert response.status_code == 404 and error(response)["code"] == "not_found"
    assert "account" in error(response)["message"]


async def test_bad_period_is_a_validation_error(client: httpx.AsyncClient, owner: Owner) -> None:
    for period in ("14d", "", "30"):
        response = await client.get(
            f"/api/v1/analytics/summary?period={period}", headers=owner.headers
        )
        assert response.status_code == 400, response.text
        problem = error(response)
        assert problem["code"] == "validation_error"
        assert "period" in str(problem["details"])


async def test_post_analytics_history(
    client: httpx.AsyncClient, owner: Owner, data: dict[str, str]
) -> None:
    response = await client.get(f"/api/v1/posts/{data['p1']}/analytics", headers=owner.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    first = {"captured_at": "2026-06-16T14:00:00Z", "likes": 1, "comments": None,
             "shares": None, "impressions": 50, "views": None, "engagement": 1}  # fmt: skip
    latest = {"captured_at": "2026-06-17T10:00:00Z", "likes": 10, "comments": 2, "shares": 3,
              "impressions": 400, "views": None, "engagement": 15}  # fmt: skip
    assert body == {
        "post_id": data["p1"],
        "platform": "twitter",
        "published_at": "2026-06-16T13:00:00Z",
        "latest": latest,
        "snapshots": [first, latest],
    }


async def test_scope_analytics_read_is_needed(
    client: httpx.AsyncClient, make_owner: OwnerFactory, data: dict[str, str]
) -> None:
    writer = await make_owner(scopes=["posts:read", "posts:write"])
    for path in ("/api/v1/analytics/summary", f"/api/v1/posts/{data['p1']}/analytics"):
        response = await client.get(path, headers=writer.headers)
        assert response.status_code == 403 and error(response)["code"] == "missing_scope"
    reader = await make_owner(scopes=["analytics:read"])
    response = await client.get("/api/v1/analytics/summary", headers=reader.headers)
    assert response.status_code == 200 and response.json()["total_posts"] == 0
