"""A live key is told at connect (and at every later write) that a platform has no live
adapter in this build, instead of getting posts that can only fail at publish time. Test keys
use the sandbox network for every platform.

Every platform has a live adapter now, so each test plays a build without one
(``tests.api.without_live_adapter``), once for each of the five platforms that went live
last (Instagram, Pinterest, Threads, TikTok, YouTube)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.api import connect, error, later, without_live_adapter
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for
from tests.legacy import legacy_account
from tests.legacy import legacy_post as stored_post

from lowtato.platforms.live import live_adapter
from lowtato.platforms.names import Platform

# What each platform needs to be a valid post (used with test keys, and for the rows a live
# owner may still have from before this check existed).
VALID: dict[str, dict[str, Any]] = {
    "instagram": {"media": ["https://example.com/a.jpg"], "options": {}},
    "tiktok": {"media": ["https://example.com/v.mp4"], "options": {"privacy_level": "SELF_ONLY"}},
    "youtube": {"media": ["https://example.com/v.mp4"], "options": {"title": "A video"}},
    "threads": {"media": [], "options": {}},
    "pinterest": {"media": ["https://example.com/a.jpg"], "options": {"board_id": "123"}},
}


def live_platforms() -> list[str]:
    """The platforms this build publishes to live: whichever have a live adapter."""
    return sorted(p.value for p in Platform if live_adapter(p) is not None)


def assert_unavailable(response: httpx.Response, platform: str) -> None:
    assert sorted(set(Platform) - set(live_platforms())) == [platform]  # the played build
    assert response.status_code == 400, response.text
    body = error(response)
    assert body["code"] == "platform_unavailable"
    assert platform in body["message"]
    for working in live_platforms():
        assert working in body["message"]
    assert body["details"] == {"platform": platform, "live_platforms": live_platforms()}


@pytest.fixture
async def live(make_owner: OwnerFactory) -> Owner:
    return await make_owner(livemode=True)


@pytest.fixture(params=sorted(VALID))
def platform(request: pytest.FixtureRequest, app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> str:
    """A platform this (played) build has no live adapter for."""
    name = str(request.param)
    without_live_adapter(monkeypatch, app, name)
    return name


async def legacy_post(app: FastAPI, owner: Owner, account_id: str, platform: str) -> str:
    media, options = VALID[platform]["media"], VALID[platform]["options"]
    return await stored_post(app, owner, account_id, platform, media=media, options=options)


def nested(account_id: str, platform: str, text: str = "hello") -> dict[str, Any]:
    return {
        "post": {
            "accountId": account_id,
            "content": {"text": text, "mediaUrls": VALID[platform]["media"]},
            "options": VALID[platform]["options"],
        },
        "scheduledTime": later(),
    }


def flat(account_id: str, platform: str, text: str = "hello") -> dict[str, Any]:
    return {
        "account_id": account_id,
        "content": text,
        "media_urls": VALID[platform]["media"],
        "options": VALID[platform]["options"],
        "scheduled_at": later(),
    }


async def accounts_of(client: httpx.AsyncClient, owner: Owner) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/accounts", headers=owner.headers)
    return list(response.json()["accounts"])


async def posts_of(client: httpx.AsyncClient, owner: Owner) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/posts", headers=owner.headers)
    return list(response.json()["posts"])


async def test_live_connect_is_refused_and_stores_nothing(
    client: httpx.AsyncClient, live: Owner, platform: str
) -> None:
    response = await client.post(
        "/api/v1/accounts/connect",
        headers=live.headers,
        json={"platform": platform, "access_token": "tok", "platform_user_id": "u1"},
    )
    assert_unavailable(response, platform)
    assert await accounts_of(client, live) == []


async def test_live_connect_link_is_refused_even_with_an_oauth_app(
    app_factory: AppFactory, live: Owner, platform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    configured = await app_factory(
        platforms={platform: {"client_id": "cid", "client_secret": "secret"}}
    )
    without_live_adapter(monkeypatch, configured, platform)
    async with client_for(configured) as client:
        response = await client.post(
            "/api/v1/accounts/connect-link", headers=live.headers, json={"platform": platform}
        )
    assert_unavailable(response, platform)


async def test_live_connect_link_is_refused_without_an_oauth_app(
    client: httpx.AsyncClient, live: Owner, platform: str
) -> None:
    response = await client.post(
        "/api/v1/accounts/connect-link", headers=live.headers, json={"platform": platform}
    )
    assert_unavailable(response, platform)


@pytest.mark.parametrize("shape", [nested, flat])
async def test_live_post_create_is_refused_and_creates_nothing(
    app: FastAPI, client: httpx.AsyncClient, live: Owner, platform: str, shape: Any
) -> None:
    account = await legacy_account(app, live, platform)
    response = await client.post(
        "/api/v1/posts", headers=live.headers, json=shape(account, platform)
    )
    assert_unavailable(response, platform)
    assert await posts_of(client, live) == []


async def test_live_bulk_refuses_each_unavailable_item(
    app: FastAPI, client: httpx.AsyncClient, live: Owner, platform: str
) -> None:
    account = await legacy_account(app, live, platform)
    items = [
        {"content": "with account", "platforms": [platform], "account_id": account,
         "media_urls": VALID[platform]["media"], "options": VALID[platform]["options"]},
        {"content": "without account", "platforms": [platform],
         "media_urls": VALID[platform]["media"], "options": VALID[platform]["options"]},
    ]  # fmt: skip
    response = await client.post("/api/v1/posts/bulk", headers=live.headers, json={"posts": items})
    assert response.status_code == 200  # nothing created, response.text
    body = response.json()
    assert (body["created"], body["failed"], body["posts"]) == (0, 2, [])
    for index, item_error in enumerate(body["errors"]):
        assert (item_error["index"], item_error["platform"]) == (index, platform)
        assert item_error["error"]["code"] == "platform_unavailable"
        assert platform in item_error["error"]["message"]
        assert item_error["error"]["details"]["live_platforms"] == live_platforms()
    assert await posts_of(client, live) == []


async def test_live_schedule_edit_and_publish_now_are_refused_and_change_nothing(
    app: FastAPI, client: httpx.AsyncClient, live: Owner, platform: str
) -> None:
    account = await legacy_account(app, live, platform)
    post_id = await legacy_post(app, live, account, platform)
    response = await client.patch(
        f"/api/v1/schedules/{post_id}", headers=live.headers, json={"content_text": "new text"}
    )
    assert_unavailable(response, platform)
    response = await client.post(f"/api/v1/posts/{post_id}/publish", headers=live.headers)
    assert_unavailable(response, platform)
    post = (await client.get(f"/api/v1/posts/{post_id}", headers=live.headers)).json()
    assert (post["status"], post["content_text"]) == ("scheduled", "old text")
    # The way out still works: the post can be deleted.
    deleted = await client.delete(f"/api/v1/schedules/{post_id}", headers=live.headers)
    assert deleted.status_code == 200, deleted.text


async def test_test_keys_still_use_the_sandbox_for_every_route(
    client: httpx.AsyncClient, owner: Owner, live: Owner, platform: str
) -> None:
    # The same build refuses the platform to a live key …
    refused = await client.post(
        "/api/v1/accounts/connect",
        headers=live.headers,
        json={"platform": platform, "access_token": "tok", "platform_user_id": "u1"},
    )
    assert_unavailable(refused, platform)
    # … and a test key uses it everywhere.
    account = await connect(client, owner, platform, "u1")
    link = await client.post(
        "/api/v1/accounts/connect-link", headers=owner.headers, json={"platform": platform}
    )
    assert link.status_code == 201, link.text
    assert "/sandbox/oauth/" in link.json()["url"]
    for shape in (nested, flat):
        response = await client.post(
            "/api/v1/posts", headers=owner.headers, json=shape(account, platform)
        )
        assert response.status_code == 201, response.text
    post_id = response.json()["id"]
    bulk = await client.post(
        "/api/v1/posts/bulk",
        headers=owner.headers,
        json={"posts": [{"content": "bulk", "platforms": [platform],
                         "media_urls": VALID[platform]["media"],
                         "options": VALID[platform]["options"]}]},
    )  # fmt: skip
    assert (bulk.status_code, bulk.json()["created"]) == (201, 1), bulk.text
    patched = await client.patch(
        f"/api/v1/schedules/{post_id}", headers=owner.headers, json={"content_text": "edited"}
    )
    assert (patched.status_code, patched.json()["content_text"]) == (200, "edited")
