"""TikTok's privacy_level is checked when a post is created, against the levels the creator
allows as last heard from TikTok (creator info, asked at connect and at each publish): a level
outside them is a 400 listing the allowed ones, and nothing is created or changed. While
nothing is known yet (an account connected before this was stored), the post is accepted and
the publish checks. Test keys: the sandbox creator (a public account) allows
PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS and SELF_ONLY, at creation and at publish."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from tests.api import error, later
from tests.conftest import Owner, OwnerFactory, client_for
from tests.fakes import tiktok_store as tt
from tests.legacy import legacy_account
from tests.platforms.tiktok.conftest import TIKTOK, Live, connect

PRIVATE_CREATOR = ("FOLLOWER_OF_CREATOR", "SELF_ONLY")
SANDBOX_CREATOR = "PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY"


@pytest.fixture
async def private(live: Live) -> Live:
    """The connected creator made their account private (no public posts) and reconnected:
    connecting asks creator info again."""
    tt.data(live.fakes.state).users[live.creator.open_id].privacy_options = PRIVATE_CREATOR
    assert await connect(live.client, live.owner.headers, live.creator) == live.account_id
    return live


def nested(account: str, media: list[str], **options: Any) -> dict[str, Any]:
    return {"post": {"accountId": account, "options": options,
                     "content": {"text": "clip", "mediaUrls": media}}, "scheduledTime": later()}  # fmt: skip


def flat(account: str, media: list[str], **options: Any) -> dict[str, Any]:
    return {"account_id": account, "content": "clip", "media_urls": media, "options": options,
            "scheduled_at": later()}  # fmt: skip


def assert_refused(response: httpx.Response, allowed: str) -> None:
    assert response.status_code == 400, response.text
    body = error(response)
    assert body["code"] == "validation_error"
    (problem,) = body["details"]
    assert problem["field"] == "options.privacy_level"
    assert f"one of: {allowed}" in problem["message"] and f"one of: {allowed}" in body["message"]


async def posts_of(client: httpx.AsyncClient, owner: Owner) -> list[dict[str, Any]]:
    return list((await client.get("/api/v1/posts", headers=owner.headers)).json()["posts"])


def init_calls(live: Live) -> list[dict[str, Any]]:
    return [c for c in live.fakes.state.calls if c["path"].endswith("/init/")]


@pytest.mark.parametrize("shape", [nested, flat])
async def test_a_level_the_creator_does_not_allow_is_refused_at_creation(
    private: Live, shape: Any
) -> None:
    live = private
    clip = [live.fakes.media("clip.mp4")]
    for options in ({"privacy_level": "PUBLIC_TO_EVERYONE"}, {}):
        response = await live.client.post("/api/v1/posts", headers=live.owner.headers,
                                          json=shape(live.account_id, clip, **options))  # fmt: skip
        assert_refused(response, "FOLLOWER_OF_CREATOR, SELF_ONLY")
    assert await posts_of(live.client, live.owner) == []
    response = await live.client.post("/api/v1/posts", headers=live.owner.headers,
                                      json=shape(live.account_id, clip, privacy_level="SELF_ONLY"))  # fmt: skip
    assert response.status_code == 201, response.text
    assert init_calls(live) == []


async def test_a_bulk_item_with_a_level_the_creator_does_not_allow_is_refused(
    private: Live,
) -> None:
    live = private
    item = {"content": "clip", "platforms": [TIKTOK], "account_id": live.account_id,
            "media_urls": [live.fakes.media("clip.mp4")], "scheduled_at": later()}  # fmt: skip
    items = [{**item, "options": {"privacy_level": "MUTUAL_FOLLOW_FRIENDS"}},
             {**item, "options": {"privacy_level": "FOLLOWER_OF_CREATOR"}}]  # fmt: skip
    response = await live.client.post("/api/v1/posts/bulk", headers=live.owner.headers,
                                      json={"posts": items})  # fmt: skip
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["created"], body["failed"]) == (1, 1)
    (refused,) = body["errors"]
    assert refused["index"] == 0 and refused["error"]["code"] == "validation_error"
    assert "one of: FOLLOWER_OF_CREATOR, SELF_ONLY" in refused["error"]["message"]


async def test_what_a_publish_learns_is_checked_at_creation_and_on_edit(live: Live) -> None:
    client, owner, clip = live.client, live.owner, [live.fakes.media("clip.mp4")]
    public = nested(live.account_id, clip, privacy_level="PUBLIC_TO_EVERYONE")
    scheduled = await client.post("/api/v1/posts", headers=owner.headers, json=public)
    assert scheduled.status_code == 201, scheduled.text  # every level allowed at connect
    tt.data(live.fakes.state).users[live.creator.open_id].privacy_options = ("SELF_ONLY",)
    # Not known yet: accepted, and the publish asks TikTok and refuses.
    post = await live.post("for everyone", "clip.mp4", privacy_level="PUBLIC_TO_EVERYONE")
    assert (post["status"], post["error_code"]) == ("failed", "invalid_content")
    # Known now.
    assert_refused(await client.post("/api/v1/posts", headers=owner.headers, json=public),
                   "SELF_ONLY")  # fmt: skip
    post_id = scheduled.json()["id"]
    patched = await client.patch(f"/api/v1/schedules/{post_id}", headers=owner.headers,
                                 json={"content_text": "edited"})  # fmt: skip
    assert_refused(patched, "SELF_ONLY")
    unchanged = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    assert (unchanged["content_text"], unchanged["status"]) == ("clip", "scheduled")
    patched = await client.patch(f"/api/v1/schedules/{post_id}", headers=owner.headers,
                                 json={"options": {"privacy_level": "SELF_ONLY"}})  # fmt: skip
    assert patched.status_code == 200, patched.text


async def test_the_oauth_link_learns_the_levels_too(live: Live) -> None:
    tt.seed_account(live.fakes.state, "grace.films", "Grace Films", privacy=("SELF_ONLY",))
    link = await live.client.post("/api/v1/accounts/connect-link", headers=live.owner.headers,
                                  json={"platform": TIKTOK})  # fmt: skip
    async with httpx.AsyncClient() as http:  # the fake's consent page approves the newest
        approved = await http.get(link.json()["url"])
    callback = urlsplit(approved.headers["location"])
    done = await live.client.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 200, done.text
    accounts = (await live.client.get("/api/v1/accounts", headers=live.owner.headers)).json()
    grace = next(a for a in accounts["accounts"] if a["username"] == "grace.films")
    response = await live.client.post("/api/v1/posts", headers=live.owner.headers,
                                      json=nested(grace["id"], [live.fakes.media("clip.mp4")],
                                                  privacy_level="FOLLOWER_OF_CREATOR"))  # fmt: skip
    assert_refused(response, "SELF_ONLY")


async def test_nothing_known_yet_is_accepted_for_the_publish_to_check(
    live_app: FastAPI, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(livemode=True)
    account = await legacy_account(live_app, owner, TIKTOK)  # stored before levels were kept
    async with client_for(live_app) as client:
        response = await client.post("/api/v1/posts", headers=owner.headers, json=nested(
            account, ["https://example.com/v.mp4"], privacy_level="FOLLOWER_OF_CREATOR"))  # fmt: skip
    assert response.status_code == 201, response.text


async def test_test_keys_get_the_sandbox_creators_levels(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    connected = await client.post("/api/v1/accounts/connect", headers=owner.headers, json={
        "platform": TIKTOK, "access_token": "tok", "platform_user_id": "tt1"})  # fmt: skip
    account = connected.json()["id"]
    link = await client.post("/api/v1/accounts/connect-link", headers=owner.headers,
                             json={"platform": TIKTOK})  # fmt: skip
    approved = await client.get(urlsplit(link.json()["url"]).path + "?" +
                                urlsplit(link.json()["url"]).query + "&approve=1")  # fmt: skip
    callback = urlsplit(approved.headers["location"])
    assert (await client.get(f"{callback.path}?{callback.query}")).status_code == 200
    accounts = (await client.get("/api/v1/accounts", headers=owner.headers)).json()["accounts"]
    (by_link,) = [a["id"] for a in accounts if a["id"] != account]
    media = ["https://example.com/v.mp4"]
    for account_id in (account, by_link):
        response = await client.post("/api/v1/posts", headers=owner.headers, json=nested(
            account_id, media, privacy_level="FOLLOWER_OF_CREATOR"))  # fmt: skip
        assert_refused(response, SANDBOX_CREATOR)
        response = await client.post("/api/v1/posts", headers=owner.headers, json=nested(
            account_id, media, privacy_level="MUTUAL_FOLLOW_FRIENDS"))  # fmt: skip
        assert response.status_code == 201, response.text
